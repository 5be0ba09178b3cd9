"""The kept conversations' pure rules: what a question is kept as (the cardholder's known values and
every pattern masked), a kept turn's answer composed again as it was given, the service case a hand-over
opens, the summary the desk reads, the rate limit."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.assistant import knowledge
from arrears.assistant.engine import Facts, Handover, OfferFacts, compose
from arrears.assistant.model import Prediction
from arrears.assistant.rules import (
    HEADING,
    QUESTIONS_PER_CLIENT,
    KeptTurn,
    case_for,
    kept_text,
    over_limit,
    replay,
    summary,
)
from arrears.kit.inputs import InvalidField
from arrears.kit.masking import mask_name, mask_phone

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 12, 6, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
FACTS = Facts(123_456, 60_000, 550_000, None, None, None, OfferFacts("none"))


def turn(
    number: int = 1, *, question: str = "我欠多少钱", intent: str = "balance", confidence: float = 0.9,
    article: str = "balance.zh", handover: Handover | None = None, lang: str = "zh",
) -> KeptTurn:  # fmt: skip
    return KeptTurn(
        number, AT, question, intent, confidence, article, handover.to if handover else None,
        handover.reason if handover else None, handover.kind if handover else None,
        "en" if lang == "en" else "zh",
    )  # fmt: skip


def test_kept_text_masks_the_known_values_and_every_pattern() -> None:
    masks = {"欧阳娜娜": mask_name("欧阳娜娜"), "广州市天河区体育西路 191 号": "广州市天河区****"}
    question = (
        "我是欧阳娜娜，住广州市天河区体育西路 191 号，手机 13812345678，身份证 11010519491231002X，"
        "卡号 6222021234567890123，邮箱 nana@example.com，工号 123456"
    )

    kept = kept_text(question, masks)

    for clear in ("欧阳娜娜", "体育西路", "13812345678", "11010519491231002X", "6222021234567890123",
                  "nana@example.com", "123456"):  # fmt: skip
        assert clear not in kept, clear
    assert mask_name("欧阳娜娜") in kept
    assert mask_phone("13812345678") in kept
    assert "我是" in kept and "手机" in kept  # the rest of the question is kept as written


def test_kept_text_without_known_values_still_masks_the_patterns() -> None:
    assert "13812345678" not in kept_text("call me on 13812345678", {})


@pytest.mark.parametrize(
    ("intent", "confidence", "article", "handover"),
    [
        ("balance", 0.9, "balance.zh", None),
        ("complaint", 0.95, "complaint.zh", Handover("service_case", "intent", "complaint")),
        ("human", 0.8, "human.zh", Handover("callback", "asked", None)),
        ("balance", 0.2, "other.zh", Handover("callback", "unsure", None)),
    ],
)
def test_replay_gives_the_answer_as_it_was_given(
    intent: str, confidence: float, article: str, handover: Handover | None
) -> None:
    kb = knowledge.shipped()
    given = compose(
        prediction=Prediction(intent, confidence, ()), kb=kb, lang="zh", facts=FACTS, threshold=0.41
    )
    assert given.article == article and given.handover == handover  # the cases are what they say

    again = replay(turn(intent=intent, confidence=confidence, article=article, handover=handover), kb=kb,
                   facts=FACTS)  # fmt: skip

    assert again == given


def test_replay_keeps_an_unsure_answer_unsure_whatever_the_threshold_is_now() -> None:
    kept = turn(
        intent="balance", confidence=0.6, article="other.zh", handover=Handover("callback", "unsure", None)
    )

    again = replay(kept, kb=knowledge.shipped(), facts=None)

    assert again.article == "other.zh" and again.handover == Handover("callback", "unsure", None)


def test_replay_without_facts_shows_no_figure() -> None:
    again = replay(turn(), kb=knowledge.shipped(), facts=None)

    assert "¥1,234.56" not in again.text and "/my" in again.text


def test_case_for_each_hand_over() -> None:
    assert case_for("dispute", None) == ("dispute", "fraud")
    assert case_for("dispute", "amount") == ("dispute", "fraud")  # fraud whatever is sent
    assert case_for("hardship", None) == ("hardship", "other")
    assert case_for("hardship", "illness") == ("hardship", "illness")
    assert case_for("complaint", "third_party") == ("complaint", "third_party")


@pytest.mark.parametrize(
    ("kind", "category"),
    [("complaint", None), ("complaint", "fraud"), ("hardship", "privacy"), (None, "attitude_abuse")],
)
def test_case_for_refuses_what_the_kind_does_not_have(kind: str | None, category: str | None) -> None:
    with pytest.raises(InvalidField):
        case_for(kind, category)


def test_summary_lists_the_turns_in_local_time() -> None:
    turns = [turn(1), turn(2, question="催收员骂我", intent="complaint", article="complaint.zh",
                          handover=Handover("service_case", "intent", "complaint"))]  # fmt: skip

    text = summary(turns, zone=SHANGHAI, limit=4000)

    assert text.startswith(HEADING)
    assert "[1] 2026-12-06 10:30 问 / Q: 我欠多少钱" in text
    assert "[2] 2026-12-06 10:30 问 / Q: 催收员骂我" in text
    assert "service_case (complaint)" in text
    assert text.index("[1]") < text.index("[2]")


def test_summary_keeps_the_latest_turns_that_fit() -> None:
    turns = [turn(n, question=f"问题{n} " + "长" * 400) for n in range(1, 21)]

    text = summary(turns, zone=SHANGHAI, limit=2000)

    assert len(text) <= 2000
    assert "[20]" in text and "[1]" not in text
    kept = text.count("问 / Q:")
    assert f"更早的 {20 - kept} 轮略" in text


def test_summary_cuts_a_single_turn_longer_than_the_limit() -> None:
    assert len(summary([turn(question="长" * 3000)], zone=SHANGHAI, limit=2000)) <= 2000


def test_over_limit() -> None:
    assert not over_limit(QUESTIONS_PER_CLIENT - 1)
    assert over_limit(QUESTIONS_PER_CLIENT)


def test_the_command_and_the_portal_use_the_chosen_threshold() -> None:
    from arrears.assistant import model, service

    assert service.DEFAULT_THRESHOLD == model.THRESHOLD
