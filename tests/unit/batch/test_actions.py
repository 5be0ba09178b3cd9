"""Due actions of the default strategy: the day of the treatment, days, deadlines and cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import polars as pl

from arrears.batch.portfolio import CONTACT
from arrears.batch.steps.actions import due_actions
from arrears.strategy.load import load_strategy
from arrears.strategy.segment import segment
from conftest import AS_OF

DEFAULT = load_strategy("default").strategy


def contact(channel: str, days_ago: int) -> dict[str, Any]:
    at = datetime.combine(AS_OF - timedelta(days=days_ago), datetime.min.time(), UTC) + timedelta(hours=3)
    return {
        "at": at,
        "channel": channel,
        "contact_point": "m1",
        "party": "debtor",
        "connected": False,
        "conversation": False,
    }


def frame(
    dpd: int, contacts: list[dict[str, Any]], *, broken: bool = False, account: str = "A1"
) -> pl.DataFrame:
    columns = {
        "account_id": [account],
        "dpd": [dpd],
        "balance_fen": [1_000_000],
        "hold": [False],
        "ability": [0],  # the score's ability component: the average cardholder's
        "promise_broken": [broken],
        "p_default": [0.25],
        "recent_contacts": [contacts],
    }
    return pl.DataFrame(columns, schema_overrides={"recent_contacts": pl.List(CONTACT)})


def due(dpd: int, contacts: list[dict[str, Any]], *, broken: bool = False, account: str = "A1") -> set[str]:
    accounts = segment(frame(dpd, contacts, broken=broken, account=account), strategy=DEFAULT)
    return set(due_actions(accounts, strategy=DEFAULT, as_of=AS_OF)["channel"])


def champion(dpd: int) -> str:
    """An account id in the champion arm of ``early``."""
    for number in range(100):
        if segment(frame(dpd, [], account=f"A{number}"), strategy=DEFAULT)["arm"].item() == "champion":
            return f"A{number}"
    raise AssertionError("no champion account")


def test_reminders_on_the_days_of_the_treatment() -> None:
    # early: 3-15 DPD, an app notice on days 1 and 7 of the segment (3 and 9 DPD), an e-mail on day 2
    # (4 DPD), SMS on days 3, 5 and 10 (5, 7 and 12 DPD)
    account = champion(3)
    assert due(3, [], account=account) == {"push"}
    assert due(4, [], account=account) == {"email"}
    assert due(5, [], account=account) == {"sms"}
    assert due(6, [], account=account) == set()
    assert due(7, [], account=account) == {"sms"}
    assert due(9, [], account=account) == {"push"}
    assert due(12, [], account=account) == {"sms"}


def test_a_deadline_step_is_due_until_the_channel_was_used_in_the_segment() -> None:
    # late_m1 (16-30 DPD): SMS on day 1; calls within 2 days and every 3 days after; e-mail weekly
    mailed = contact("email", 1)
    assert due(16, []) == {"sms", "call", "email"}
    assert due(18, [contact("call", 1), mailed]) == set()  # called yesterday, in the segment
    assert due(18, [contact("call", 3), mailed]) == {"call"}  # called 3 days ago: before the segment
    assert due(25, [contact("call", 3), mailed]) == {"call"}  # every 3 days
    assert due(25, [contact("call", 2), mailed]) == set()
    assert due(25, [contact("call", 2), contact("email", 7)]) == {"email"}  # every 7 days


def test_a_broken_promise_escalates_to_the_next_treatment() -> None:
    # late_m1 escalates to phone_m2: calls every 2 days, SMS weekly, a letter within 5 days
    assert due(20, [contact("call", 1), contact("sms", 1)], broken=True) == {"letter"}


def test_values_follow_balance_lift_probability_and_cost() -> None:
    found = due_actions(segment(frame(16, []), strategy=DEFAULT), strategy=DEFAULT, as_of=AS_OF)
    values = dict(found.select("channel", "value_fen").iter_rows())
    assert values == {
        "sms": round(1_000_000 * 0.02 * 0.75) - 5,
        "call": round(1_000_000 * 0.08 * 0.75) - 400,
        "email": round(1_000_000 * 0.015 * 0.75) - 2,
    }
