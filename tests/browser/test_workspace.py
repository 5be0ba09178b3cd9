"""A collector and a team lead at work, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.models import PromiseToPay, table_of
from web_book import personal_data

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default


def test_collector_takes_the_next_case_and_logs_a_promise(
    server: str, new_page: Callable[..., Page], engine: Engine, cipher: FieldCipher
) -> None:
    page = new_page()
    sign_in(page, server, "collector1")
    page.keyboard.press("n")  # the shortcut for the next case
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    account_id = int(page.url.rsplit("/", 1)[1])
    content = page.content()
    name, national_id, phones = personal_data(engine, cipher, account_id)
    for value in (name, national_id, *phones):
        assert value not in content, "personal data shown unmasked to a collector"
    expect(page.get_by_role("button", name=re.compile("查看完整个人信息"))).to_have_count(0)
    page.keyboard.press("c")  # focus the call form
    form = page.locator("#call-form")
    form.locator("select[name=outcome]").select_option("promise")
    form.locator("input[name=conversation]").check()
    form.locator("select[name=reason]").select_option("income_loss")
    form.locator("input[name=promise_amount]").fill("800")
    form.locator("input[name=promise_date]").fill((date.today() + timedelta(days=10)).isoformat())
    form.locator("button[type=submit]").click()
    expect(page.locator(".notice")).to_contain_text("已保存")
    expect(page.locator(".timeline")).to_contain_text("承诺还款")
    with engine.connect() as connection:
        promise = connection.execute(select(table_of(PromiseToPay))).mappings().one()
    assert promise["account_id"] == account_id and promise["amount_fen"] == 80_000


def test_a_plan_above_authority_is_approved_by_the_team_lead(
    server: str, new_page: Callable[..., Page]
) -> None:
    collector = new_page()
    sign_in(collector, server, "collector1")
    collector.locator("#next-case button").click()
    expect(collector).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = collector.url
    collector.keyboard.press("p")  # opens the plan calculator
    plan = collector.locator("#plan-form")
    plan.locator("input[name=months]").fill("18")  # a collector may grant 12 months, a team lead 24
    plan.locator("input[name=first_due_date]").fill((date.today() + timedelta(days=15)).isoformat())
    expect(collector.locator("#plan-preview table.schedule tr")).to_have_count(
        20
    )  # header, 18 payments, total
    expect(collector.locator("#plan-preview .decision.blocked")).to_contain_text("组长")
    plan.locator("button[type=submit]").click()
    expect(collector).to_have_url(re.compile(r"done=plan_pending"))
    expect(collector.locator("section.plans td").filter(has_text="待审批")).to_have_count(1)
    expect(collector.locator(".timeline td").filter(has_text=re.compile("^待还$"))).to_have_count(0)

    lead = new_page(locale="en")
    sign_in(lead, server, "team_lead1")
    lead.goto(f"{server}/lang/en?next=/approvals")
    card = lead.locator("section.approval")
    expect(card).to_have_count(1)
    card.locator("textarea[name=comment]").fill("income confirmed")
    card.get_by_role("button", name="Approve").click()
    expect(lead.locator(".notice")).to_contain_text("Decision recorded")
    expect(lead.locator("section.approval")).to_have_count(0)

    collector.goto(case_url)
    expect(collector.locator("section.plans td").filter(has_text="生效中")).to_have_count(1)
    expect(collector.locator("section.plans .plan-decision")).to_contain_text("team_lead one")
    expect(collector.locator(".timeline td").filter(has_text=re.compile("^待还$"))).to_have_count(18)


def test_a_refused_call_keeps_what_was_typed(
    server: str, new_page: Callable[..., Page], engine: Engine
) -> None:
    page = new_page()
    sign_in(page, server, "collector1")
    page.locator("#next-case button").click()
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    form = page.locator("#call-form")
    form.locator("select[name=outcome]").select_option("no_answer")  # no one answered, yet a promise
    form.locator("input[name=promise_amount]").fill("300")
    form.locator("input[name=promise_date]").fill((date.today() + timedelta(days=10)).isoformat())
    form.locator("textarea[name=notes]").fill("rang at lunch")
    form.locator("button[type=submit]").click()
    alert = page.locator("#call-form [role=alert]")
    expect(alert).to_contain_text("结果：")  # the field, by its label
    expect(form.locator("select[name=outcome]")).to_have_value("no_answer")
    expect(form.locator("select[name=outcome]")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("input[name=promise_amount]")).to_have_value("300")
    expect(form.locator("textarea[name=notes]")).to_have_value("rang at lunch")
    with engine.connect() as connection:
        assert connection.execute(select(table_of(PromiseToPay))).first() is None
