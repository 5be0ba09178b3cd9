"""What the entry-point tests share: the two policies and how to assert a verdict."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from arrears.compliance.entry_points import (
    Verdict,
)
from arrears.compliance.policy import Hours, load_policy

CN, US = load_policy("cn"), load_policy("us")
assert CN.hours is not None and US.hours is not None
CN_HOURS: Hours = CN.hours
US_HOURS: Hours = US.hours
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")
TODAY = date(2026, 11, 23)


def allowed(verdict: Verdict, rule: str) -> None:
    assert verdict == Verdict(True, rule, (), ()), verdict


def refused(verdict: Verdict, rule: str, *fragments: str) -> None:
    """Refused under ``rule`` with exactly one reason per fragment, each mentioning it, in that order."""
    assert not verdict.allowed
    assert verdict.rule == rule
    assert len(verdict.reasons_en) == len(verdict.reasons_zh) == len(fragments), verdict
    for reason, fragment in zip(verdict.reasons_en, fragments, strict=True):
        assert fragment in reason, (fragment, reason)
    assert all(verdict.reasons_zh)
