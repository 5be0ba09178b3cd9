"""Reversals (``arrears.payments.reversal.reverse_payment``) on SQLite and PostgreSQL: a negative entry,
the items restored, what the payment stopped reopened (the call back in the queue, the promise open
again, the visit planned again), cancelled messages left cancelled; a payment is reversed once."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from effects_support import (
    NOW,
    SETTINGS,
    TODAY,
    accounts,
    add_promise,
    calls,
    message,
    post_by_hand,
    queue_sms,
    row,
    rows,
)
from sqlalchemy import Engine, insert

from arrears.audit.repository import audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    CardAccount,
    Payment,
    PromiseToPay,
    VisitPair,
    VisitRoute,
    VisitStop,
    table_of,
)
from arrears.payments.reversal import ReversalRefused, reverse_payment
from arrears.users import passwords
from web_book import FAST_HASHER, build_book


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_book(engine, tmp_path, cipher)


def reverse(engine: Engine, payment_id: int, reason: str = "refunded at the cardholder's request") -> int:
    with audit_transaction(engine) as connection:
        return reverse_payment(connection, payment_id=payment_id, reason=reason, reference="R1",
                               now=NOW + timedelta(hours=1), settings=SETTINGS, actor="ops1")  # fmt: skip


def visit_today(engine: Engine, account_id: int, customer_id: int) -> int:
    with engine.begin() as connection:
        pair = connection.execute(
            insert(table_of(VisitPair)).values(code="P1", first_user_id=1, second_user_id=2).returning(
                table_of(VisitPair).c.id)
        ).scalar_one()  # fmt: skip
        route = connection.execute(
            insert(table_of(VisitRoute)).values(plan_date=TODAY, pair_id=pair, planned_start_at=NOW,
                                                planned_end_at=NOW + timedelta(hours=8), created_at=NOW)
            .returning(table_of(VisitRoute).c.id)
        ).scalar_one()  # fmt: skip
        return int(
            connection.execute(
                insert(table_of(VisitStop)).values(route_id=route, sequence=1, account_id=account_id,
                                                   customer_id=customer_id, lat=31.2, lon=121.5,
                                                   planned_arrival_at=NOW + timedelta(hours=2))
                .returning(table_of(VisitStop).c.id)
            ).scalar_one()
        )  # fmt: skip


def test_a_reversal_reopens_what_the_payment_stopped(book: Engine) -> None:
    first = accounts(book)[0]
    before = row(book, CardAccount, first["id"])
    promise = add_promise(book, first["id"], 30_000, promised=TODAY + timedelta(days=3))
    stop = visit_today(book, first["id"], first["customer_id"])
    sms = queue_sms(book, first["id"], first["customer_id"], key="run:1")
    payment_id = post_by_hand(book, first["id"], 30_000, overdue_after=0)
    assert [one["status"] for one in calls(book, first["id"])] == ["withdrawn"]
    flagged = row(book, VisitStop, stop)
    assert (flagged["status"], flagged["outcome"]) == ("skipped", "paid")
    assert row(book, PromiseToPay, promise)["status"] == "kept"

    entry = reverse(book, payment_id)

    negative = row(book, Payment, entry)
    assert (negative["amount_fen"], negative["source"], negative["reverses_id"]) == (
        -30_000,
        "reversal",
        payment_id,
    )
    assert negative["applied_principal_fen"] == -30_000 and negative["trade_no"] == "R1"
    restored = row(book, CardAccount, first["id"])
    assert restored["principal_fen"] == before["principal_fen"]
    assert restored["overdue_fen"] > 0
    assert [(one["status"], one["claimed_by_id"]) for one in calls(book, first["id"])] == [("planned", None)]
    reopened = row(book, PromiseToPay, promise)
    assert (reopened["status"], reopened["paid_fen"], reopened["settled_on"]) == ("open", 0, None)
    replanned = row(book, VisitStop, stop)
    assert (replanned["status"], replanned["outcome"]) == ("planned", None)
    assert message(book, sms)["status"] == "cancelled"  # not sent again of itself


def test_a_payment_is_reversed_once_and_a_reversal_never(book: Engine) -> None:
    first = accounts(book)[0]
    payment_id = post_by_hand(book, first["id"], 30_000, overdue_after=0)
    entry = reverse(book, payment_id)
    with pytest.raises(ReversalRefused):
        reverse(book, payment_id)
    with pytest.raises(ReversalRefused):
        reverse(book, entry)
    with pytest.raises(ReversalRefused):
        reverse(book, post_by_hand(book, first["id"], 1_000, overdue_after=0, ref="T2"), reason="  ")
    assert len(rows(book, Payment, source="reversal")) == 1


def test_the_next_snapshot_counts_neither_a_reversed_payment_nor_its_reversal(book: Engine) -> None:
    """The daily run's delinquency reads the payments that still stand: a reversal's negative row
    does not stop it, and the account is as overdue as before the payment."""
    from arrears.accounts.repository import DelinquencyRepository
    from arrears.accounts.service import refresh_delinquency

    account = accounts(book)[0]
    with book.connect() as connection:
        before = DelinquencyRepository(connection).payments(as_of=TODAY).height
    payment = post_by_hand(book, account["id"], 500_00, overdue_after=0)
    reverse(book, payment)
    with book.begin() as connection:
        after = DelinquencyRepository(connection).payments(as_of=TODAY + timedelta(days=1))
        result = refresh_delinquency(connection, as_of=TODAY + timedelta(days=1))
    assert after.height == before and result.accounts == len(accounts(book))
