"""Malformed situations give an ``error`` decision naming the field, never an exception: times and
dates outside 1900-01-01..2999-12-31 (which would overflow the hour and window arithmetic) too."""

from __future__ import annotations

from typing import Any

import pytest

from arrears.compliance import check, load_policy

CN = load_policy("cn")


def situation(now: str, **debtor: Any) -> dict[str, Any]:
    return {
        "id": "s1",
        "now": now,
        "action": {"channel": "call", "contact_point": "m1"},
        "debtor": {"timezones": ["Asia/Shanghai"], **debtor},
    }


@pytest.mark.parametrize(
    "now", ["0001-01-01T00:30:00+08:00", "9999-12-31T23:30:00-08:00", "9999-12-31T22:59:00+00:00"]
)
def test_a_time_outside_the_supported_dates_is_an_error_decision(now: str) -> None:
    decision = check(CN, situation(now)).to_dict()
    assert decision["decision"] == "error" and decision["reason_en"].startswith("now: ")


@pytest.mark.parametrize("day", ["0001-01-02", "9999-12-31"])
def test_a_date_outside_the_supported_dates_is_an_error_decision(day: str) -> None:
    decision = check(CN, situation("2026-11-24T10:00:00+08:00", unreachable_since=day)).to_dict()
    assert decision["decision"] == "error" and "debtor.unreachable_since" in decision["reason_en"]
