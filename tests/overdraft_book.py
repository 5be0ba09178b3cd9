"""Seeds for the malicious-overdraft tests: effective collections (a delivered demand letter, a
right-party call), a payment, something overdue. Shared by tests/integration/legal and web."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select, update

from arrears.models import CardAccount, ContactEvent, OutboxMessage, Payment, table_of

ZONE = ZoneInfo("Asia/Shanghai")


def local(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), ZONE).astimezone(UTC)


def owing(
    engine: Engine, account_id: int, *, overdue_fen: int = 52_000_00, principal_fen: int = 48_000_00
) -> None:
    a = table_of(CardAccount)
    with engine.begin() as connection:
        connection.execute(
            update(a).where(a.c.id == account_id).values(overdue_fen=overdue_fen, principal_fen=principal_fen,
                                                         dpd=200)
        )  # fmt: skip


def customer_of(engine: Engine, account_id: int) -> int:
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return int(connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar_one())


def letter(engine: Engine, account_id: int, on: date, *, tracking: str, delivered: bool = True) -> None:
    at = local(on)
    row = {
        "idempotency_key": f"od-{account_id}-{tracking}", "channel": "letter", "source": "run",
        "account_id": account_id, "customer_id": customer_of(engine, account_id), "template": "final_demand",
        "created_at": at - timedelta(days=3), "not_before": at - timedelta(days=3), "deadline_at": at,
        "next_attempt_at": at, "status": "delivered" if delivered else "sent",
        "sent_at": at - timedelta(days=2), "delivered_at": at if delivered else None, "tracking_no": tracking,
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table_of(OutboxMessage)).values(row))


def call(engine: Engine, account_id: int, on: date, *, reached: bool = True, hour: int = 10) -> None:
    row = {
        "account_id": account_id, "customer_id": customer_of(engine, account_id), "at": local(on, hour),
        "channel": "call", "party": "debtor", "connected": True, "conversation": reached,
        "outcome": "right_party" if reached else "no_answer",
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table_of(ContactEvent)).values(row))


def paid(engine: Engine, account_id: int, on: date, fen: int, *, ref: str) -> int:
    p = table_of(Payment)
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(p).values(payment_ref=ref, account_id=account_id, paid_date=on, amount_fen=fen,
                                 channel="app").returning(p.c.id)
            ).scalar_one()
        )  # fmt: skip


def eligible_account(engine: Engine, account_id: int, *, first: date, second: date) -> None:
    """An account owing, with a delivered demand letter on ``first`` and a right-party call on ``second``."""
    owing(engine, account_id)
    letter(engine, account_id, first, tracking=f"EMS{account_id}A")
    call(engine, account_id, second)
