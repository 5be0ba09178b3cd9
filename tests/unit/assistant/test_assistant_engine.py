"""The answer's composition (pure): the handover rules, the confidence threshold, the account part shown
only with facts (else how to sign in), the placeholders filled, the offers only as given, the citation."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from arrears.assistant import knowledge
from arrears.assistant.engine import (
    Facts,
    Handover,
    OfferFacts,
    PlanFacts,
    compose,
    handover_for,
    offers_text,
    plan_text,
)
from arrears.assistant.knowledge import KnowledgeBase
from arrears.assistant.model import INTENTS, Prediction

FIXTURES = Path(__file__).parent / "fixtures"
THRESHOLD = 0.4


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return knowledge.load(FIXTURES / "kb")


def sure(intent: str, confidence: float = 0.9) -> Prediction:
    return Prediction(intent, confidence, ((intent, confidence),))


FACTS = Facts(
    overdue_fen=120_000,
    minimum_fen=120_000,
    balance_fen=535_050,
    due_date=date(2026, 11, 20),
    last_payment=(date(2026, 10, 25), 10_000),
    plan=PlanFacts("instalment", "active", 120_000, date(2026, 11, 30), 40_000),
    offers=OfferFacts(
        "offered", max_instalments=10, waiver_bp=2_000, min_down_payment_bp=1_000, deferral_days=20
    ),
)


@pytest.mark.parametrize(
    ("intent", "expected"),
    [
        ("complaint", Handover("service_case", "intent", "complaint")),
        ("fraud", Handover("service_case", "intent", "dispute")),
        ("hardship", Handover("service_case", "intent", "hardship")),
        ("legal", Handover("callback", "intent", None)),
        ("human", Handover("callback", "asked", None)),
    ],
)
def test_these_intents_always_hand_over(kb: KnowledgeBase, intent: str, expected: Handover) -> None:
    assert handover_for(intent, 0.99, threshold=THRESHOLD) == expected
    answer = compose(prediction=sure(intent), kb=kb, lang="zh", facts=FACTS, threshold=THRESHOLD)
    assert answer.handover == expected
    assert answer.article == f"{intent}.zh"
    said = "客服专员" if expected.to == "service_case" else "回电"
    assert said in answer.text


@pytest.mark.parametrize(
    "intent", [one for one in INTENTS if one not in ("complaint", "fraud", "hardship", "legal", "human")]
)
def test_the_others_are_answered_alone_when_sure(kb: KnowledgeBase, intent: str) -> None:
    answer = compose(prediction=sure(intent), kb=kb, lang="en", facts=None, threshold=THRESHOLD)
    assert answer.handover is None
    assert answer.article == f"{intent}.en"


@pytest.mark.parametrize("intent", ["balance", "complaint", "human", "other"])
def test_below_the_threshold_a_person_calls_back(kb: KnowledgeBase, intent: str) -> None:
    answer = compose(prediction=sure(intent, 0.39), kb=kb, lang="zh", facts=FACTS, threshold=THRESHOLD)
    assert answer.handover == Handover("callback", "unsure", None)
    assert answer.intent == intent and answer.confidence == 0.39
    assert "给您回电" in answer.text
    assert answer.article == "other.zh"  # what the assistant can help with, never a guessed article
    assert "¥" not in answer.text
    assert answer.text.endswith("来源：我能帮您什么")


def test_the_threshold_is_inclusive(kb: KnowledgeBase) -> None:
    at = compose(prediction=sure("balance", THRESHOLD), kb=kb, lang="zh", facts=None, threshold=THRESHOLD)
    assert at.handover is None
    assert handover_for("balance", 0.5, threshold=0.0) is None
    assert handover_for("balance", 0.99, threshold=1.0) == Handover("callback", "unsure", None)


def test_without_facts_the_account_part_is_dropped_and_sign_in_explained(kb: KnowledgeBase) -> None:
    zh = compose(prediction=sure("balance"), kb=kb, lang="zh", facts=None, threshold=THRESHOLD)
    assert "逾期金额" not in zh.text and "{" not in zh.text and "¥" not in zh.text
    assert "/my" in zh.text and "验证码" in zh.text
    en = compose(prediction=sure("payment_missing"), kb=kb, lang="en", facts=None, threshold=THRESHOLD)
    assert "The last payment we have" not in en.text
    assert "sign in at /my" in en.text
    general = compose(prediction=sure("how_to_pay"), kb=kb, lang="en", facts=None, threshold=THRESHOLD)
    assert "/my" not in general.text  # an article without an account part needs no sign-in


def test_with_facts_the_placeholders_are_filled(kb: KnowledgeBase) -> None:
    zh = compose(prediction=sure("balance"), kb=kb, lang="zh", facts=FACTS, threshold=THRESHOLD)
    assert "您的逾期金额为 ¥1,200.00，最低还款额为 ¥1,200.00，全部欠款为 ¥5,350.50。" in zh.text
    assert "登录" not in zh.text
    due = compose(prediction=sure("due_date"), kb=kb, lang="en", facts=FACTS, threshold=THRESHOLD)
    assert "Your next due date is 2026-11-20." in due.text
    paid = compose(prediction=sure("payment_missing"), kb=kb, lang="zh", facts=FACTS, threshold=THRESHOLD)
    assert "我们记录的最近一笔还款：2026-10-25 还款 ¥100.00。" in paid.text
    plan = compose(prediction=sure("instalment"), kb=kb, lang="en", facts=FACTS, threshold=THRESHOLD)
    assert "instalment plan (in force), total ¥1,200.00; next instalment ¥400.00 due 2026-11-30" in plan.text
    assert "{" not in zh.text + due.text + paid.text + plan.text


def test_missing_figures_are_said_so() -> None:
    bare = Facts(0, 0, 0, None, None, None, OfferFacts("none"))
    assert plan_text(bare.plan, "zh") == "暂无还款计划"
    assert (
        plan_text(PlanFacts("deferral", "completed", 50_000, None, 0), "en")
        == "deferral (paid off), total ¥500.00"
    )


def test_the_offers_are_only_those_given() -> None:
    offered = offers_text(FACTS.offers, "zh")
    assert offered.startswith(
        "最多分 10 期；首付 10%，次日到期；最长 20 天内一次性还清；减免利息和费用的 20%"
    )
    assert "/my" in offered
    assert offers_text(OfferFacts("offered", deferral_days=7), "en").startswith(
        "all in one payment within 7 days ("
    )
    assert "waived" not in offers_text(OfferFacts("offered", deferral_days=7), "en")
    assert "cannot be agreed online" in offers_text(OfferFacts("blocked"), "en")
    assert offers_text(OfferFacts("has_plan"), "zh") == "该账户已有还款计划。"
    nothing = offers_text(OfferFacts("none"), "zh")
    assert "暂无" in nothing and "减免" not in nothing and "分" not in nothing.replace("方案", "")


def test_each_answer_cites_its_article(kb: KnowledgeBase) -> None:
    for intent in INTENTS:
        for lang, cite in (("zh", "来源："), ("en", "Source: ")):
            answer = compose(prediction=sure(intent), kb=kb, lang=lang, facts=None, threshold=THRESHOLD)
            title = kb.article(intent, lang).title
            assert answer.text.splitlines()[-1] == f"{cite}{title}"


def test_the_json_answer_has_exactly_five_keys(kb: KnowledgeBase) -> None:
    answer = compose(prediction=sure("fraud", 0.87654), kb=kb, lang="en", facts=None, threshold=THRESHOLD)
    assert answer.as_dict() == {
        "intent": "fraud",
        "confidence": 0.8765,
        "answer": answer.text,
        "article": "fraud.en",
        "handover": {"to": "service_case", "reason": "intent", "kind": "dispute"},
    }
    quiet = compose(prediction=sure("balance"), kb=kb, lang="en", facts=None, threshold=THRESHOLD)
    assert quiet.as_dict()["handover"] is None
