"""The compliance check: one situation in, one decision out (the contract of COMPLIANCE.md)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from arrears.compliance import rules
from arrears.compliance.policy import Policy
from arrears.compliance.situation import InputError, Situation, parse_situation

# (policy section, rule function, time-based): the order rules are reported in
_RULES: tuple[tuple[str, Callable[..., rules.Block | None], bool], ...] = (
    ("hours", rules.hours, True),
    ("connected_calls", rules.connected_calls, True),
    ("attempts_per_point", rules.attempts_per_point, True),
    ("rolling_calls", rules.rolling_calls, True),
    ("conversation_cooldown", rules.conversation_cooldown, True),
    ("third_party", rules.third_party, False),
    ("opt_out", rules.opt_out, False),
    ("holds", rules.holds, False),
    ("visit", rules.visit, False),
    ("agency", rules.agency, False),
)
SECTIONS = tuple(section for section, _, _ in _RULES)
ALLOWED = ("允许", "allowed")
MAX_STEPS = 64  # waiting steps when looking for next_allowed_at (each step lifts at least one block)


@dataclass(frozen=True, slots=True)
class Decision:
    id: object
    decision: str  # allow, block or error
    rules: tuple[str, ...]
    reason_zh: str
    reason_en: str
    next_allowed_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "decision": self.decision,
            "rules": list(self.rules),
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
        } | ({"message": self.reason_en} if self.decision == "error" else {})


def blocks(
    policy: Policy, situation: Situation, at: datetime, *, timed: bool | None = None
) -> list[rules.Block]:
    """Every block at ``at`` (only the time-based rules with ``timed=True``)."""
    found = []
    for section, rule, time_based in _RULES:
        parameters = getattr(policy, section)
        if parameters is None or (timed is not None and time_based != timed):
            continue
        block = rule(parameters, situation, at)
        if block is not None:
            found.append(block)
    return found


def next_allowed_at(policy: Policy, situation: Situation) -> datetime | None:
    """The earliest moment from now on at which no time-based rule blocks the same action (None when
    one of them never lifts, e.g. hours that do not overlap in the debtor's zones)."""
    at = situation.now
    for _ in range(MAX_STEPS):
        timed = blocks(policy, situation, at, timed=True)
        if not timed:
            return at
        retries = [block.retry_at for block in timed]
        if any(retry is None for retry in retries):
            return None
        at = max(retry for retry in retries if retry is not None)
    return None


def decide(policy: Policy, situation: Situation) -> Decision:
    found = blocks(policy, situation, situation.now)
    if not found:
        return Decision(situation.id, "allow", (), *ALLOWED, situation.now)
    untimely = any(block.retry_at is None for block in found)
    later = None if untimely else next_allowed_at(policy, situation)
    return Decision(
        situation.id,
        "block",
        tuple(block.rule for block in found),
        "；".join(block.reason_zh for block in found),
        "; ".join(block.reason_en for block in found),
        later.astimezone(situation.now.tzinfo) if later else None,
    )


def error(identifier: object, message: str) -> Decision:
    return Decision(identifier, "error", (), f"输入有误：{message}", message, None)


def check(policy: Policy, data: object) -> Decision:
    """The decision for one decoded input object; malformed input gives an ``error`` decision."""
    identifier = data.get("id") if isinstance(data, dict) else None
    try:
        return decide(policy, parse_situation(data))
    except InputError as problem:
        return error(identifier, str(problem))


def check_lines(policy: Policy, lines: Iterable[str]) -> Iterator[Decision]:
    """One decision per JSON line, in order (blank lines are skipped)."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as problem:
            yield error(None, f"line {number} is not valid JSON ({problem.msg} at column {problem.colno})")
            continue
        yield check(policy, data)
