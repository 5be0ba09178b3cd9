"""E-mail and app/WeChat notices (push) under both policies: hours, opt-out per contact point, holds;
the scalar and the vectorised check decide them alike."""

from __future__ import annotations

from typing import Any

import pytest

from arrears.compliance import check, decide, load_policy, parse_situation
from arrears.compliance.frame import decide_frame, situations_frames
from arrears.compliance.policy import Policy

CN, US = load_policy("cn"), load_policy("us")
POINT = {"call": "m1", "sms": "m1", "email": "e1", "push": "push"}  # push: the customer's app account


def situation(channel: str, now: str = "2026-11-23T10:00:00+08:00", **debtor: Any) -> dict[str, Any]:
    return {
        "id": channel,
        "now": now,
        "action": {"channel": channel, "contact_point": POINT[channel]},
        "debtor": {"timezones": ["Asia/Shanghai"]} | debtor,
    }


def decided(policy: Policy, data: dict[str, Any]) -> tuple[str, list[str], str | None]:
    """The decision, its rules and next_allowed_at (UTC), asserting both forms agree."""
    one = check(policy, data)
    many = decide_frame(policy, *situations_frames([parse_situation(data)])).row(0, named=True)
    assert (one.decision, list(one.rules), one.next_allowed_at) == (
        many["decision"],
        many["rules"],
        many["next_allowed_at"],
    )
    later = one.next_allowed_at
    return one.decision, list(one.rules), later.isoformat() if later else None


@pytest.mark.parametrize("channel", ["email", "push"])
def test_quiet_hours_hold_for_email_and_notices(channel: str) -> None:
    assert decided(CN, situation(channel, "2026-11-23T21:59:00+08:00"))[0] == "allow"
    assert decided(CN, situation(channel, "2026-11-23T22:30:00+08:00")) == (
        "block",
        ["CN-HOURS"],
        "2026-11-24T08:00:00+08:00",
    )
    assert decided(US, situation(channel, "2026-11-23T21:30:00+08:00"))[1] == ["US-HOURS"]


@pytest.mark.parametrize(("policy", "rule"), [(CN, "CN-OPT-OUT"), (US, "US-OPT-OUT")])
def test_notices_turned_off_block_notices_only(policy: Policy, rule: str) -> None:
    off = {"opted_out_points": ["push"]}
    assert decided(policy, situation("push", **off)) == ("block", [rule], None)
    for channel in ("sms", "email", "call"):
        assert decided(policy, situation(channel, **off))[0] == "allow", channel


@pytest.mark.parametrize(("policy", "rule"), [(CN, "CN-OPT-OUT"), (US, "US-OPT-OUT")])
def test_an_email_opt_out_blocks_that_address_only(policy: Policy, rule: str) -> None:
    off = {"opted_out_points": ["e1"]}
    assert decided(policy, situation("email", **off)) == ("block", [rule], None)
    for channel in ("sms", "call", "push"):
        assert decided(policy, situation(channel, **off))[0] == "allow", channel


def test_a_mobile_opt_out_blocks_calls_too_in_cn_but_not_in_us() -> None:
    """CN-OPT-OUT: any channel to the point; US-OPT-OUT: SMS, e-mail and notices (1006.6(e))."""
    off = {"opted_out_points": ["m1"]}
    assert decided(CN, situation("sms", **off))[1] == ["CN-OPT-OUT"]
    assert decided(CN, situation("call", **off))[1] == ["CN-OPT-OUT"]
    assert decided(US, situation("sms", **off))[1] == ["US-OPT-OUT"]
    assert decided(US, situation("call", **off))[0] == "allow"
    for policy in (CN, US):
        assert decided(policy, situation("email", **off))[0] == "allow"
        assert decided(policy, situation("push", **off))[0] == "allow"


@pytest.mark.parametrize("channel", ["email", "push"])
def test_holds_stop_email_and_notices(channel: str) -> None:
    assert decided(CN, situation(channel, holds=["complaint"]))[1] == ["CN-HOLD"]
    assert decided(CN, situation(channel, holds=["hardship"]))[0] == "allow"
    assert decided(US, situation(channel, holds=["dispute"]))[1] == ["US-HOLD"]


def test_push_is_a_channel_of_the_check_contract() -> None:
    parsed = parse_situation(situation("push"))
    assert parsed.action.channel == "push" and decide(CN, parsed).decision == "allow"
    refused = check(CN, situation("push") | {"action": {"channel": "fax"}})
    assert refused.decision == "error" and "push" in refused.reason_en
