"""The contact check's pure part: the store's facts laid out as the daily run lays them out, and
decided by the rulebook."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from arrears.compliance import load_policy
from arrears.contacts.rules import (
    ContactBlocked,
    ContactCheck,
    PastContact,
    Point,
    blocking_holds,
    decide_contact,
    history,
    portfolio_row,
    situation,
    unreachable_since,
    zone_of,
)
from arrears.kit.errors import ArrearsError, ConfigurationError

CN = load_policy("cn")
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 24, 10, tzinfo=SHANGHAI)
MOBILE = Point(id=7, kind="mobile", opted_out=False, consent_outside_hours=False, consent_extra_calls=False)


def call(at: datetime, *, connected: bool, point: int | None = 7, party: str = "debtor") -> PastContact:
    return PastContact(at, "call", point, party, connected, connected)


def decide(contacts: list[PastContact], at: datetime = DAY, **options: Any) -> ContactCheck:
    row = portfolio_row(
        point=MOBILE, opted_out=[], holds=[], contacts=contacts, phone_id=7, zone="Asia/Shanghai"
    )
    return decide_contact(CN, situation(row, channel="call", at=at, **options), point_id=7)


def test_a_contact_without_a_number_went_to_the_primary_mobile() -> None:
    contacts = [
        PastContact(DAY, "sms", None, "debtor", False, False),
        PastContact(DAY, "visit", None, "debtor", False, False),
    ]

    laid_out = history(contacts, phone_id=7)

    assert [c["contact_point"] for c in laid_out] == ["7", None]


def test_the_row_lists_consents_of_the_point_and_every_opt_out() -> None:
    point = Point(
        id=3, kind="work_phone", opted_out=True, consent_outside_hours=True, consent_extra_calls=True
    )

    row = portfolio_row(
        point=point, opted_out=[3, 9], holds=["dispute", "dispute"], contacts=[], phone_id=7, zone="UTC"
    )

    assert row["contact_point"] == "3" and row["consents"] == ["outside_hours", "extra_calls"]
    assert row["opted_out_points"] == ["3", "9"] and row["holds"] == ["dispute"] and row["zones"] == ["UTC"]


def test_allowed_in_the_day_blocked_at_night_with_the_next_allowed_time() -> None:
    assert decide([]).allowed

    night = decide([], DAY.replace(hour=22))

    assert night.rules == ("CN-HOURS",) and night.reasons[0].zh
    assert night.next_allowed_at == datetime(2026, 11, 25, 8, tzinfo=SHANGHAI)


def test_the_cap_counts_connected_calls_of_the_day() -> None:
    calls = [call(DAY - timedelta(minutes=m), connected=True) for m in (10, 20, 30)]

    capped = decide(calls)

    assert capped.rules == ("CN-CALL-CONNECTED",) and not capped.allowed
    assert decide(calls[:2]).allowed


def test_the_debtor_is_unreachable_since_the_first_failure_after_the_last_answer() -> None:
    answered = call(DAY - timedelta(days=6), connected=True)
    failures = [call(DAY - timedelta(days=d), connected=False) for d in (5, 4)]

    assert unreachable_since([answered, *failures]) == DAY - timedelta(days=5)
    assert unreachable_since([*failures, call(DAY, connected=True)]) is None
    assert unreachable_since([]) is None
    relay: dict[str, Any] = {"party": "third_party", "purpose": "relay_message"}
    assert decide([], unreachable=DAY - timedelta(days=4), **relay).allowed
    assert decide([], unreachable=DAY - timedelta(days=1), **relay).rules == ("CN-THIRD-PARTY",)


def test_holds_that_block_as_the_policy_says() -> None:
    assert blocking_holds(CN, ["hardship", "dispute"]) == ["dispute"]


def test_bad_settings_and_input_are_errors_a_person_can_act_on() -> None:
    with pytest.raises(ConfigurationError, match="ARREARS_TIMEZONE"):
        zone_of("Mars/Olympus")
    with pytest.raises(ArrearsError, match="cannot be checked"):
        decide([], purpose="threaten")
    blocked = ContactBlocked(decide([], DAY.replace(hour=23)), "the SMS", "该短信")
    assert "allowed again from 2026-11-25 08:00 UTC+8" in blocked.message_en  # as people read times
    assert "2026-11-25 08:00 UTC+8 起允许" in blocked.message_zh
