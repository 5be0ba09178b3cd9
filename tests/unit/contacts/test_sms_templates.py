"""SMS templates: the shipped texts, filled with masked facts, in Chinese and English."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.contacts import templates
from arrears.contacts.templates import (
    PLACEHOLDERS,
    TEMPLATE_NAMES,
    SmsFacts,
    TemplateError,
    parse_templates,
    render,
    render_all,
)

FACTS = SmsFacts(name="张*", account_tail="0001", overdue_fen=123_450, due_date=date(2026, 11, 25))
WITH_PROMISE = SmsFacts(
    name="张*", account_tail="0001", overdue_fen=0, promise_fen=50_000, promised_date=date(2026, 12, 1)
)
WITH_PLAN = SmsFacts(
    name="张*",
    account_tail="0001",
    overdue_fen=0,
    instalments=6,
    next_instalment_fen=100_000,
    next_due_date=date(2026, 12, 15),
)


def test_the_shipped_templates_are_the_four_in_both_languages() -> None:
    shipped = templates.templates()

    assert tuple(shipped) == TEMPLATE_NAMES
    for template in shipped.values():
        assert set(template.texts) == {"zh", "en"} and template.placeholders <= PLACEHOLDERS
        assert {"name", "hotline"} <= template.placeholders


def test_overdue_says_the_amount_in_yuan_and_the_date_per_language() -> None:
    texts = render_all("overdue", FACTS, hotline="400-123-4567")

    assert "1,234.50元" in texts["zh"] and "2026年11月25日" in texts["zh"] and "张*" in texts["zh"]
    assert "1,234.50 yuan" in texts["en"] and "2026-11-25" in texts["en"] and "400-123-4567" in texts["en"]
    assert "{" not in texts["zh"] + texts["en"]


def test_promise_and_plan_need_their_facts() -> None:
    assert "500.00" in render("promise_reminder", WITH_PROMISE, locale="en")
    assert "6 instalments" in render("plan_confirmation", WITH_PLAN, locale="en")
    with pytest.raises(TemplateError, match="open promise") as missing:
        render("promise_reminder", FACTS)
    assert "还款承诺" in missing.value.message_zh
    with pytest.raises(TemplateError, match="active plan"):
        render("plan_confirmation", WITH_PROMISE)
    with pytest.raises(TemplateError, match="due date"):
        render("reminder", WITH_PLAN)


def test_unknown_templates_and_locales_are_refused() -> None:
    with pytest.raises(TemplateError, match="unknown SMS template"):
        render("final_warning", FACTS)
    with pytest.raises(TemplateError, match="unknown locale"):
        render("overdue", FACTS, locale="fr")


def test_a_template_file_is_checked_when_read() -> None:
    assert parse_templates('[hello]\nzh = "{name}您好"\nen = "Hello {name}"\n')["hello"].placeholders == {
        "name"
    }
    with pytest.raises(TemplateError, match="unknown placeholders: national_id"):
        parse_templates('[leak]\nzh = "{national_id}"\nen = "{national_id}"\n')
    with pytest.raises(TemplateError, match="needs a zh and an en text"):
        parse_templates('[half]\nzh = "只有中文"\n')
