"""The twelve examples of COMPLIANCE.md, through the check contract."""

from __future__ import annotations

from typing import Any

import pytest

from arrears.compliance import check, load_policy

CN, US = load_policy("cn"), load_policy("us")
SHANGHAI = ["Asia/Shanghai"]


def situation(now: str, *, zones: list[str] = SHANGHAI, history: list[dict[str, Any]] | None = None,
              **changes: Any) -> dict[str, Any]:  # fmt: skip
    action = {
        "channel": "call",
        "party": "debtor",
        "contact_point": "m1",
        "actor": "bank",
        "purpose": "collect",
    }
    action |= changes.pop("action", {})
    debtor = {
        "timezones": zones,
        "holds": [],
        "unreachable_since": None,
        "consents": [],
        "opted_out_points": [],
    }
    debtor |= changes.pop("debtor", {})
    return {"id": "s", "now": now, "action": action, "debtor": debtor, "history": history or [], **changes}


def call(at: str, *, point: str = "m1", actor: str = "bank", connected: bool = False,
         conversation: bool = False) -> dict[str, Any]:  # fmt: skip
    return {"at": at, "channel": "call", "contact_point": point, "party": "debtor", "actor": actor,
            "connected": connected, "conversation": conversation}  # fmt: skip


def decided(policy: Any, data: dict[str, Any]) -> tuple[str, list[str]]:
    result = check(policy, data).to_dict()
    return result["decision"], result["rules"]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-23T21:50:00+08:00", ("allow", [])),
        ("2026-11-23T22:00:00+08:00", ("block", ["CN-HOURS"])),
        ("2026-11-23T07:59:00+08:00", ("block", ["CN-HOURS"])),
    ],
)
def test_1_quiet_hours(now: str, expected: tuple[str, list[str]]) -> None:
    assert decided(CN, situation(now)) == expected


def test_1_the_next_allowed_time_is_eight_in_the_morning() -> None:
    result = check(CN, situation("2026-11-23T22:00:00+08:00")).to_dict()
    assert result["next_allowed_at"] == "2026-11-24T08:00:00+08:00"


def test_2_every_zone_of_the_debtor_counts() -> None:
    data = situation("2026-11-23T09:00:00+08:00", zones=["Asia/Shanghai", "Asia/Urumqi"])
    result = check(CN, data).to_dict()
    assert (result["decision"], result["rules"]) == ("block", ["CN-HOURS"])
    assert result["next_allowed_at"] == "2026-11-23T10:00:00+08:00"  # 08:00 in Urumqi


def test_3_connected_calls_count_bank_and_agencies_together() -> None:
    history = [
        call("2026-11-23T09:00:00+08:00", connected=True),
        call("2026-11-23T10:00:00+08:00", connected=True),
        call("2026-11-23T11:00:00+08:00", actor="agency:A1", connected=True),
    ]
    agency = {"code": "A1", "whitelisted": True, "last_inspection_date": "2026-03-01",
              "contract_valid_until": "2027-01-01"}  # fmt: skip
    data = situation(
        "2026-11-23T15:00:00+08:00", history=history, action={"actor": "agency:A1"}, agency=agency
    )
    result = check(CN, data).to_dict()
    assert (result["decision"], result["rules"]) == ("block", ["CN-CALL-CONNECTED"])
    assert result["next_allowed_at"] == "2026-11-24T08:00:00+08:00"


def test_4_attempts_are_counted_per_number() -> None:
    history = [call(f"2026-11-23T{9 + i:02d}:00:00+08:00") for i in range(6)]
    assert decided(CN, situation("2026-11-23T16:00:00+08:00", history=history)) == (
        "block",
        ["CN-CALL-ATTEMPTS"],
    )
    other = situation("2026-11-23T16:00:00+08:00", history=history, action={"contact_point": "m2"})
    assert decided(CN, other) == ("allow", [])


def test_5_no_third_party_while_the_debtor_answers() -> None:
    history = [call("2026-11-22T10:00:00+08:00", connected=True, conversation=True)]
    data = situation(
        "2026-11-23T10:00:00+08:00",
        history=history,
        action={
            "party": "third_party",
            "contact_point": "e1",
            "purpose": "relay_message",
            "discloses_debt": False,
        },
    )
    result = check(CN, data).to_dict()
    assert (result["decision"], result["rules"], result["next_allowed_at"]) == (
        "block",
        ["CN-THIRD-PARTY"],
        None,
    )


def test_6_relaying_a_message_when_the_debtor_is_unreachable() -> None:
    data = situation(
        "2026-11-23T10:00:00+08:00",
        action={
            "party": "third_party",
            "contact_point": "e1",
            "purpose": "relay_message",
            "discloses_debt": False,
        },
        debtor={"unreachable_since": "2026-11-19T10:00:00+08:00"},
    )
    assert decided(CN, data) == ("allow", [])


def test_7_a_visit_needs_two_staff() -> None:
    data = situation(
        "2026-11-23T10:00:00+08:00", action={"channel": "visit", "staff_count": 1, "recording": True}
    )
    assert decided(CN, data) == ("block", ["CN-VISIT"])


def test_8_an_agency_must_have_been_inspected_within_a_year() -> None:
    agency = {"code": "A1", "whitelisted": True, "last_inspection_date": "2025-10-19",
              "contract_valid_until": "2027-01-01"}  # fmt: skip
    data = situation("2026-11-23T10:00:00+08:00", action={"actor": "agency:A1"}, agency=agency)
    assert decided(CN, data) == ("block", ["CN-AGENCY"])


def test_9_holds() -> None:
    assert decided(CN, situation("2026-11-23T10:00:00+08:00", debtor={"holds": ["dispute"]})) == (
        "block",
        ["CN-HOLD"],
    )
    assert decided(CN, situation("2026-11-23T10:00:00+08:00", debtor={"holds": ["hardship"]})) == (
        "allow",
        [],
    )


def test_10_us_hours_in_every_zone() -> None:
    data = situation("2026-11-23T08:30:00-05:00", zones=["America/New_York", "America/Los_Angeles"])
    result = check(US, data).to_dict()
    assert (result["decision"], result["rules"]) == ("block", ["US-HOURS"])
    assert result["next_allowed_at"] == "2026-11-23T11:00:00-05:00"  # 08:00 in Los Angeles


def test_11_seven_days_after_a_conversation() -> None:
    zones = ["America/New_York"]
    history = [call("2026-11-16T10:00:00-05:00", connected=True, conversation=True)]  # a Monday
    friday = situation("2026-11-20T10:00:00-05:00", zones=zones, history=history)
    result = check(US, friday).to_dict()
    assert (result["decision"], result["rules"]) == ("block", ["US-CONVERSATION"])
    assert result["next_allowed_at"] == "2026-11-23T08:00:00-05:00"
    monday = situation("2026-11-23T10:00:00-05:00", zones=zones, history=history)
    assert decided(US, monday) == ("allow", [])


def test_12_seven_calls_in_seven_days() -> None:
    zones = ["America/New_York"]
    history = [call(f"2026-11-{17 + i:02d}T10:00:00-05:00") for i in range(7)]
    result = check(US, situation("2026-11-23T15:00:00-05:00", zones=zones, history=history)).to_dict()
    assert (result["decision"], result["rules"]) == ("block", ["US-7IN7"])
    assert result["next_allowed_at"] == "2026-11-24T08:00:00-05:00"  # the call of the 17th drops out
