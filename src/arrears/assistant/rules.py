"""The kept conversations' pure decisions: the text a question is kept as, the answer shown again from
what was kept, the service case a hand-over opens, the summary the desk reads, and the rate limit. No
database, no clock.

- ``kept_text``: the cardholder's known values (name, national ID, phones, e-mails, addresses: the
  masks ``accounts.free_text.known_masks`` gives) masked first, then ``text.redact`` (every ID, card
  number, phone and e-mail, then any run of six or more digits).
- ``replay``: the answer of a kept turn composed again from its intent, confidence, language and
  hand-over (the kept article and hand-over, whatever the threshold is now) and the account's facts of
  today (a verified session's own account only); the answer's text itself is never kept.
- ``case_for``: a hand-over to a service case opens a complaint (of the category the cardholder picks),
  a dispute of category ``fraud``, or a hardship request (of the category picked; ``other`` by
  default).
- ``summary``: the conversation as the desk reads it on the case, redacted, the latest turns that fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.assistant.engine import Answer, Facts, compose
from arrears.assistant.knowledge import KnowledgeBase
from arrears.assistant.model import Prediction
from arrears.assistant.text import Lang, redact
from arrears.kit.inputs import InvalidField
from arrears.kit.masking import mask_free_text
from arrears.servicedesk.categories import CATEGORIES

QUESTIONS_PER_CLIENT = 30  # questions from one client address ...
RATE_WINDOW = timedelta(minutes=10)  # ... in this rolling window
SHOWN_TURNS = 20  # the latest turns the page shows
HEADING = "智能客服对话（已脱敏）/ Assistant conversation (redacted)"


@dataclass(frozen=True, slots=True)
class KeptTurn:
    """A turn as it is kept: the question redacted (clear here, encrypted in the store)."""

    number: int
    asked_at: datetime
    question: str
    intent: str
    confidence: float
    article: str
    handover_to: str | None
    handover_reason: str | None
    handover_kind: str | None
    lang: Lang


def kept_text(question: str, masks: Mapping[str, str]) -> str:
    """The question as it may be kept: the known values masked, then every pattern (``redact``)."""
    return redact(mask_free_text(question, known=masks))


def replay(turn: KeptTurn, *, kb: KnowledgeBase, facts: Facts | None) -> Answer:
    """The kept turn's answer composed again (see the module's docstring)."""
    unsure = turn.handover_reason == "unsure"
    prediction = Prediction(turn.intent, turn.confidence, ())
    # a threshold above any confidence hands over as unsure; 0 never does: the kept decision either way
    return compose(
        prediction=prediction, kb=kb, lang=turn.lang, facts=facts, threshold=2.0 if unsure else 0.0
    )


def case_for(handover_kind: str | None, category: str | None) -> tuple[str, str]:
    """The service case's kind and category for a hand-over of ``handover_kind``; InvalidField (field
    ``category``) for a category the kind does not have."""
    if handover_kind == "dispute":
        return "dispute", "fraud"
    if handover_kind == "hardship":
        chosen = category or "other"
    elif handover_kind == "complaint":
        chosen = category or ""
    else:
        raise InvalidField("to", "this answer does not open a service case", "该回答不转客服工单")
    if chosen not in CATEGORIES[handover_kind]:
        raise InvalidField("category", "choose one of the categories", "请选择一个类别")
    return handover_kind, chosen


def over_limit(asked: int, *, limit: int = QUESTIONS_PER_CLIENT) -> bool:
    """Whether a client that asked ``asked`` questions in the window may not ask another."""
    return asked >= limit


def _turn_lines(turn: KeptTurn, zone: ZoneInfo) -> str:
    at = turn.asked_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
    handover = (
        f"；转人工 / hand-over: {turn.handover_to} ({turn.handover_kind or turn.handover_reason})"
        if turn.handover_to
        else ""
    )
    return (
        f"[{turn.number}] {at} 问 / Q: {turn.question}\n"
        f"    意图 / intent: {turn.intent} {turn.confidence:.2f}，{turn.article}{handover}"
    )


def summary(turns: Sequence[KeptTurn], *, zone: ZoneInfo, limit: int) -> str:
    """The conversation for the desk (at most ``limit`` characters): the heading and the latest turns
    that fit, oldest first, with a line saying how many earlier ones were left out."""
    kept: list[str] = []
    size = len(HEADING) + 60  # the heading and the line on turns left out
    for turn in reversed(turns):
        lines = _turn_lines(turn, zone)
        if size + len(lines) + 1 > limit and kept:
            break
        kept.append(lines[: max(limit - size - 1, 0)])
        size += len(lines) + 1
    left_out = len(turns) - len(kept)
    head = [HEADING] + (
        [f"（更早的 {left_out} 轮略 / {left_out} earlier turns left out）"] if left_out else []
    )
    return "\n".join(head + list(reversed(kept)))
