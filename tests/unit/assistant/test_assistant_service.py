"""``ask``: the question checked, answered in its own language unless one is asked for, with the shipped
classifier and knowledge base; account figures only when facts are given."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.assistant.engine import Facts, OfferFacts
from arrears.assistant.service import DEFAULT_THRESHOLD, ask
from arrears.kit.inputs import InvalidField

FACTS = Facts(123_456, 60_000, 535_000, date(2026, 12, 20), None, None, OfferFacts("none"))


def test_the_answer_is_in_the_question_s_language() -> None:
    zh = ask("我现在一共欠多少钱？")
    assert (zh.intent, zh.article, zh.handover) == ("balance", "balance.zh", None)
    assert "来源：" in zh.text
    en = ask("How much do I owe right now?")
    assert en.article == "balance.en" and "Source: " in en.text


def test_a_language_asked_for_wins() -> None:
    assert ask("我现在一共欠多少钱？", lang="en").article == "balance.en"
    assert ask("When is my payment due?", lang="zh").article == "due_date.zh"


def test_figures_only_with_facts() -> None:
    without = ask("我现在欠多少钱")
    assert "¥" not in without.text and "/my" in without.text
    with_facts = ask("我现在欠多少钱", facts=FACTS)
    assert "¥1,234.56" in with_facts.text and "¥5,350.00" in with_facts.text


def test_a_request_for_a_person_is_a_callback() -> None:
    answer = ask("转人工")
    assert answer.intent == "human"
    assert answer.handover is not None and (answer.handover.to, answer.handover.reason) == (
        "callback",
        "asked",
    )


def test_the_threshold_decides_who_answers() -> None:
    question = "我想问问"
    found = ask(question, threshold=0.0)
    assert found.handover is None or found.handover.reason != "unsure"
    unsure = ask(question, threshold=1.0)
    assert unsure.handover is not None and unsure.handover.reason == "unsure"
    assert 0 < DEFAULT_THRESHOLD < 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 501}, "text"),
        ({"text": "a\x00b"}, "text"),
        ({"text": "hello", "lang": "fr"}, "lang"),
        ({"text": "hello", "threshold": 1.5}, "threshold"),
    ],
)
def test_bad_input_is_refused_naming_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        ask(**kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field
