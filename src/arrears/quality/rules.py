"""The pure decisions of call quality review: which calls a sample takes, and a checklist's score.

A sample takes every risky call first (up to ``risk_max``), each under its first reason in the order
complaint, after a blocked attempt, long call; then ``random_count`` of the other calls at random. The
random draw is seeded (the seed is passed in and audited), so that a sample can be drawn again."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlsplit

from arrears.kit.inputs import InvalidField
from arrears.models.quality_review import QUALITY_ITEMS, QUALITY_MARKS

CRITICAL = ("no_threats", "no_third_party_disclosure")  # a fail on one of these scores the call 0
RISK_ORDER = ("complaint", "after_blocked", "long_call")
LONG_CALL_SECONDS = 600
MAX_RANDOM = 200
MAX_RISK = 200


@dataclass(frozen=True, slots=True)
class Candidate:
    """A call that may be sampled: whether its account has a complaint, the first day a contact with
    the account was blocked by the rulebook (if any), the call's local day and length."""

    event_id: int
    day: date
    duration_seconds: int | None = None
    complaint: bool = False
    blocked_since: date | None = None


@dataclass(frozen=True, slots=True)
class Picked:
    event_id: int
    reason: str


def risk_reason(candidate: Candidate, *, long_call_seconds: int = LONG_CALL_SECONDS) -> str | None:
    """The call's first risk reason (``RISK_ORDER``), None for an ordinary call."""
    if candidate.complaint:
        return "complaint"
    if candidate.blocked_since is not None and candidate.blocked_since <= candidate.day:
        return "after_blocked"
    if candidate.duration_seconds is not None and candidate.duration_seconds >= long_call_seconds:
        return "long_call"
    return None


def choose(
    candidates: Sequence[Candidate],
    *,
    random_count: int,
    seed: int,
    long_call_seconds: int = LONG_CALL_SECONDS,
    risk_max: int = MAX_RISK,
) -> list[Picked]:
    """The sample: the risky calls (by reason, then by id) up to ``risk_max``, then ``random_count`` of
    the others drawn with ``seed``. Each call at most once."""
    risky: list[tuple[int, int, str]] = []
    ordinary: list[int] = []
    for one in candidates:
        reason = risk_reason(one, long_call_seconds=long_call_seconds)
        if reason is None:
            ordinary.append(one.event_id)
        else:
            risky.append((RISK_ORDER.index(reason), one.event_id, reason))
    picked = [Picked(event_id, reason) for _, event_id, reason in sorted(risky)[:risk_max]]
    drawn = random.Random(seed).sample(sorted(ordinary), min(random_count, len(ordinary)))
    return picked + [Picked(event_id, "random") for event_id in sorted(drawn)]


def check_marks(marks: Mapping[str, str]) -> dict[str, str]:
    """Every checklist item marked pass, fail or na; InvalidField naming the first item that is not."""
    checked = {}
    for item in QUALITY_ITEMS:
        mark = (marks.get(item) or "").strip()
        if mark not in QUALITY_MARKS:
            raise InvalidField(item, "mark it pass, fail or n.a.", "请标记为合格、不合格或不适用")
        checked[item] = mark
    return checked


def score(marks: Mapping[str, str]) -> int | None:
    """The share of applicable items passed, 0 to 100 (rounded half up); 0 when a critical item
    (a threat, a disclosure to a third party) failed; None when no item applies."""
    if any(marks.get(item) == "fail" for item in CRITICAL):
        return 0
    applicable = [item for item in QUALITY_ITEMS if marks.get(item) in ("pass", "fail")]
    if not applicable:
        return None
    passed = sum(1 for item in applicable if marks[item] == "pass")
    return (200 * passed + len(applicable)) // (2 * len(applicable))


def _origin(url: str) -> tuple[str, str] | None:
    """The scheme and network location of an http(s) URL (None for anything else)."""
    parts = urlsplit(url)
    return (parts.scheme, parts.netloc) if parts.scheme in ("http", "https") and parts.netloc else None


def recording_link(reference: str | None, pattern: str | None) -> str | None:
    """A link to the call's recording: a recorder's key through the pattern (``{key}``), or a reference
    that is already a URL of the recorder the pattern names (the same scheme, host and port) as it is.
    None without a reference or a pattern, and for a URL of any other site: what a collector typed is
    shown as text, never as a link a reviewer might follow to somewhere else."""
    if not reference or not pattern or "{key}" not in pattern:
        return None
    if reference.startswith(("https://", "http://")):
        trusted = _origin(pattern.replace("{key}", "k"))
        return reference if trusted is not None and _origin(reference) == trusted else None
    return pattern.replace("{key}", quote(reference, safe=""))
