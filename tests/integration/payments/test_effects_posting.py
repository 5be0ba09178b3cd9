"""What a posted payment does at once (``arrears.payments.effects.after_posting``), on SQLite and
PostgreSQL: one that brings the account current withdraws today's call and cancels the queued
collection SMS (a service message stays); one that does not leaves them; a promise kept; an instalment
settled; counts only in the audit."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from effects_support import (
    NOW,
    TODAY,
    accounts,
    add_plan,
    add_promise,
    calls,
    claim,
    message,
    post_by_hand,
    queue_sms,
    row,
    rows,
    set_overdue,
)
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, PlanInstalment, PromiseToPay, RepaymentPlan, table_of
from arrears.users import passwords
from web_book import FAST_HASHER, build_book


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_book(engine, tmp_path, cipher)


def test_a_payment_that_brings_the_account_current_stops_todays_collection(book: Engine) -> None:
    first, other = accounts(book)[:2]
    set_overdue(book, first["id"], 50_000)
    claim(book, first["id"], user_id=1)
    sms = queue_sms(book, first["id"], first["customer_id"], key="run:1")
    service = queue_sms(book, first["id"], first["customer_id"], key="otp:1", kind="service")
    elsewhere = queue_sms(book, other["id"], other["customer_id"], key="run:2")

    payment_id = post_by_hand(book, first["id"], 50_000, overdue_after=0)

    [call] = calls(book, first["id"])
    assert call["status"] == "withdrawn"
    assert call["claimed_by_id"] == 1  # the collector who has it open still opens it
    cancelled = message(book, sms)
    assert cancelled["status"] == "cancelled"
    assert ("cancelled", f"paid: payment {payment_id}") in cancelled["events"]
    assert message(book, service)["status"] == "queued"
    assert message(book, elsewhere)["status"] == "queued"
    assert [one["status"] for one in calls(book, other["id"])] == ["planned"]


def test_a_payment_that_leaves_an_overdue_amount_stops_nothing(book: Engine) -> None:
    first = accounts(book)[0]
    set_overdue(book, first["id"], 50_000)
    sms = queue_sms(book, first["id"], first["customer_id"], key="run:1")

    post_by_hand(book, first["id"], 20_000, overdue_after=30_000)

    assert [one["status"] for one in calls(book, first["id"])] == ["planned"]
    assert message(book, sms)["status"] == "queued"


def test_a_promise_paid_in_full_is_kept_at_once_and_stops_the_collection(book: Engine) -> None:
    first = accounts(book)[0]
    set_overdue(book, first["id"], 90_000)
    promise = add_promise(book, first["id"], 30_000, promised=TODAY + timedelta(days=3))
    later = add_promise(book, first["id"], 40_000, promised=TODAY + timedelta(days=10))
    sms = queue_sms(book, first["id"], first["customer_id"], key="run:1")

    post_by_hand(book, first["id"], 50_000, overdue_after=40_000)

    kept = row(book, PromiseToPay, promise)
    assert (kept["status"], kept["paid_fen"], kept["settled_on"]) == ("kept", 30_000, TODAY)
    open_one = row(book, PromiseToPay, later)  # 20,000 of its 40,000: open until its date
    assert (open_one["status"], open_one["paid_fen"], open_one["settled_on"]) == ("open", 20_000, None)
    assert [one["status"] for one in calls(book, first["id"])] == ["withdrawn"]
    assert message(book, sms)["status"] == "cancelled"


def test_a_promise_paid_in_part_stays_open_and_the_collection_goes_on(book: Engine) -> None:
    first = accounts(book)[0]
    set_overdue(book, first["id"], 90_000)
    promise = add_promise(book, first["id"], 30_000, promised=TODAY + timedelta(days=3))

    post_by_hand(book, first["id"], 10_000, overdue_after=80_000)

    found = row(book, PromiseToPay, promise)
    assert (found["status"], found["paid_fen"]) == ("open", 10_000)
    assert [one["status"] for one in calls(book, first["id"])] == ["planned"]


def test_instalments_are_settled_at_once_and_a_plan_paid_in_full_completes(book: Engine) -> None:
    first, second = accounts(book)[:2]
    plan = add_plan(
        book, first["id"], [10_000, 10_000, 10_000], first_due=TODAY, agreed=TODAY - timedelta(days=5)
    )

    post_by_hand(book, first["id"], 15_000, overdue_after=5_000)

    found = rows(book, PlanInstalment, plan_id=plan)
    assert [(one["status"], one["paid_fen"]) for one in found] == [
        ("kept", 10_000),
        ("due", 5_000),
        ("due", 0),
    ]
    assert found[0]["settled_on"] == TODAY
    assert row(book, RepaymentPlan, plan)["status"] == "active"

    whole = add_plan(book, second["id"], [10_000, 10_000], first_due=TODAY + timedelta(days=2), agreed=TODAY)
    post_by_hand(book, second["id"], 20_000, overdue_after=0, ref="T2")
    assert [one["status"] for one in rows(book, PlanInstalment, plan_id=whole)] == ["kept", "kept"]
    assert row(book, RepaymentPlan, whole)["status"] == "completed"


def test_the_audit_says_what_was_done_with_counts_only(book: Engine) -> None:
    first = accounts(book)[0]
    queue_sms(book, first["id"], first["customer_id"], key="run:1")
    payment_id = post_by_hand(book, first["id"], 50_000, overdue_after=0)
    e = table_of(AuditEvent)
    with book.connect() as connection:
        entry = connection.execute(
            select(e.c.actor, e.c.subject_id, e.c.details).where(e.c.action == "payment.effects")
        ).one()
    details = entry.details if isinstance(entry.details, dict) else json.loads(entry.details)
    assert entry.actor == "system:payments" and entry.subject_id == str(payment_id)
    assert details["calls_withdrawn"] == 1 and details["messages_cancelled"] == 1
    assert details["current"] is True
    assert all(isinstance(value, (int, bool, str)) for value in details.values())
    assert NOW.year == 2026
