"""The next day's bank extract and a payment posted from the gateway, on SQLite and PostgreSQL: the
extract's row of that payment (its payment_id is the gateway's trade_no) lands on the same payment row,
so the payment is counted once by the delinquency of the import and of the daily run, and what the
posting recorded (source, trade_no, posted_at, how it was applied) is kept."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from reconcile_book import (
    DAY,
    SETTINGS,
    account,
    account_ids,
    add_order,
    import_book,
    paid_at,
    payments,
    post_gateway,
)
from sqlalchemy import Engine, select

from arrears.accounts.service import refresh_delinquency
from arrears.audit.repository import audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.models import DelinquencySnapshot
from arrears.payments.posting import post_payment

KEPT = ("id", "source", "trade_no", "posted_at", "applied_fee_fen", "applied_interest_fen",
        "applied_principal_fen", "account_id", "amount_fen")  # fmt: skip


def extract_row(
    account_no: str, *, paid: date = DAY, amount: str = "600.00", ref: str = "T100"
) -> dict[str, str]:
    return {"payment_id": ref, "account_id": account_no, "paid_date": paid.isoformat(), "amount": amount,
            "channel": "app"}  # fmt: skip


def snapshot_overdue(engine: Engine, account_id: int, as_of: date) -> int:
    s = DelinquencySnapshot.__table__
    with engine.connect() as connection:
        query = select(s.c.overdue_fen).where(s.c.account_id == account_id, s.c.as_of_date == as_of)
        return int(connection.execute(query).scalar_one())


@pytest.fixture
def paid(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> dict[str, Any]:
    """One account 1,000.00 overdue (two minimums of 500.00) that pays 600.00 online on 2026-11-24."""
    import_book(engine, tmp_path / "day1", cipher, accounts=1)
    (account_id,) = account_ids(engine)
    order_id = add_order(engine, account_id, "O100", 600_00)
    post_gateway(engine, account_id, "T100", 600_00, order_id=order_id, at=paid_at(10))
    (row,) = payments(engine)
    return {"account_id": account_id, "account_no": account(engine, account_id)["account_no"], "payment": row}


def test_the_extract_row_of_a_gateway_payment_lands_on_its_row_and_counts_once(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, paid: dict[str, Any]
) -> None:
    assert account(engine, paid["account_id"])["overdue_fen"] == 400_00  # posted at once

    import_book(
        engine, tmp_path / "day2", cipher, as_of=DAY, accounts=1, payments=[extract_row(paid["account_no"])]
    )

    (row,) = payments(engine)
    assert {name: row[name] for name in KEPT} == {name: paid["payment"][name] for name in KEPT}
    assert row["source"] == "gateway" and row["payment_ref"] == "T100" and row["channel"] == "app"
    # counted once: 1,000.00 - 600.00 (twice would leave nothing overdue)
    assert account(engine, paid["account_id"])["overdue_fen"] == 400_00
    assert snapshot_overdue(engine, paid["account_id"], DAY) == 400_00
    with engine.begin() as connection:  # the daily run's delinquency step
        refresh_delinquency(connection, as_of=DAY)
    assert account(engine, paid["account_id"])["overdue_fen"] == 400_00


def test_the_bank_booking_it_a_day_later_still_counts_it_once(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, paid: dict[str, Any]
) -> None:
    later = date(2026, 11, 25)
    row = extract_row(paid["account_no"], paid=later)

    import_book(engine, tmp_path / "day2", cipher, as_of=later, accounts=1, payments=[row])
    import_book(engine, tmp_path / "day2-again", cipher, as_of=later, accounts=1, payments=[row])

    (stored,) = payments(engine)
    assert (
        stored["paid_date"] == later
        and stored["source"] == "gateway"
        and stored["id"] == paid["payment"]["id"]
    )
    assert account(engine, paid["account_id"])["overdue_fen"] == 400_00
    assert snapshot_overdue(engine, paid["account_id"], later) == 400_00


def test_a_notification_after_the_extract_brought_the_payment_posts_nothing(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    """The other order: the bank's extract has the payment (payment_id = trade_no) before the gateway's
    notification is handled: the posting finds the row and posts nothing."""
    import_book(engine, tmp_path / "day1", cipher, accounts=1)
    (account_id,) = account_ids(engine)
    account_no = account(engine, account_id)["account_no"]
    order_id = add_order(engine, account_id, "O100", 600_00)
    import_book(engine, tmp_path / "day2", cipher, as_of=DAY, accounts=1, payments=[extract_row(account_no)])
    (before,) = payments(engine)

    with audit_transaction(engine) as connection:
        found = post_payment(
            connection, account_id=account_id, amount_fen=600_00, paid_at=paid_at(10), trade_no="T100",
            source="gateway", now=paid_at(10), settings=SETTINGS, order_id=order_id,
        )  # fmt: skip

    (after,) = payments(engine)
    assert found == before["id"] and after == before and after["source"] == "extract"
    assert account(engine, account_id)["overdue_fen"] == 400_00
