"""All SQL of the payments core: orders, notifications, payment rows, the account a payment lands on.

Locks, in the order every writer takes them (so two never wait on each other in a cycle): the order
row (``FOR UPDATE`` on PostgreSQL), then the account row, then the audit chain's lock (taken by the
first audit append, which therefore comes last). On SQLite the transaction holds the database's
write lock from its start (``audit_transaction``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, and_, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from arrears.models import (
    CardAccount,
    DelinquencySnapshot,
    GatewayNotification,
    Payment,
    PaymentOrder,
    Statement,
    table_of,
)

ORDER = table_of(PaymentOrder)
NOTIFICATION = table_of(GatewayNotification)
PAYMENT = table_of(Payment)
ACCOUNT = table_of(CardAccount)
STATEMENT = table_of(Statement)
SNAPSHOT = table_of(DelinquencySnapshot)


# --- orders ---------------------------------------------------------------------------------------


def order_row(connection: Connection, out_trade_no: str, *, lock: bool = False) -> Row[Any] | None:
    query = select(ORDER).where(ORDER.c.out_trade_no == out_trade_no)
    return connection.execute(query.with_for_update() if lock else query).first()


def order_by_id(connection: Connection, order_id: int, *, lock: bool = False) -> Row[Any] | None:
    query = select(ORDER).where(ORDER.c.id == order_id)
    return connection.execute(query.with_for_update() if lock else query).first()


def insert_order(connection: Connection, values: dict[str, Any]) -> int:
    return int(connection.execute(insert(ORDER).values(values).returning(ORDER.c.id)).scalar_one())


def mark_paid(connection: Connection, *, order_id: int, trade_no: str, paid_at: datetime) -> bool:
    """created (or closed: the gateway took the money after all) -> paid; False when it was not."""
    done = connection.execute(
        update(ORDER)
        .where(ORDER.c.id == order_id, ORDER.c.status.in_(("created", "closed")))
        .values(status="paid", trade_no=trade_no, paid_at=paid_at)
    )
    return done.rowcount == 1


def close_order(connection: Connection, *, order_id: int, trade_no: str, at: datetime) -> bool:
    """created -> closed; False when it was not created."""
    done = connection.execute(
        update(ORDER)
        .where(ORDER.c.id == order_id, ORDER.c.status == "created")
        .values(status="closed", closed_at=at, trade_no=func.coalesce(ORDER.c.trade_no, trade_no))
    )
    return done.rowcount == 1


def settle_order(
    connection: Connection, *, order_id: int, payment_id: int, trade_no: str, paid_at: datetime
) -> None:
    """The order is paid by ``payment_id`` (kept when already marked paid with its trade)."""
    connection.execute(
        update(ORDER)
        .where(ORDER.c.id == order_id)
        .values(
            status="paid",
            payment_id=payment_id,
            trade_no=func.coalesce(ORDER.c.trade_no, trade_no),
            paid_at=func.coalesce(ORDER.c.paid_at, paid_at),
        )
    )


# --- notifications --------------------------------------------------------------------------------


def insert_notification(connection: Connection, values: dict[str, Any]) -> int:
    found = connection.execute(insert(NOTIFICATION).values(values).returning(NOTIFICATION.c.id))
    return int(found.scalar_one())


# --- payments -------------------------------------------------------------------------------------


def payment_by_ref(connection: Connection, payment_ref: str) -> Row[Any] | None:
    return connection.execute(select(PAYMENT).where(PAYMENT.c.payment_ref == payment_ref)).first()


def insert_payment_once(connection: Connection, values: dict[str, Any]) -> int | None:
    """The new payment's id, or None when a payment with the same ``payment_ref`` exists (the unique
    index decides: a concurrent insert waits for the other transaction, then inserts nothing)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(PAYMENT)
        .values(values)
        .on_conflict_do_nothing(index_elements=["payment_ref"])
        .returning(PAYMENT.c.id)
    )
    found = connection.execute(statement).scalar_one_or_none()
    return None if found is None else int(found)


def payments_of(connection: Connection, account_id: int) -> list[Row[Any]]:
    """The account's payments, newest first, with ``reversed_by`` (a reversal's id, or None)."""
    reversal = PAYMENT.alias("reversal")
    reversed_by = (
        select(func.min(reversal.c.id)).where(reversal.c.reverses_id == PAYMENT.c.id).scalar_subquery()
    )
    query = (
        select(PAYMENT, reversed_by.label("reversed_by"))
        .where(PAYMENT.c.account_id == account_id)
        .order_by(PAYMENT.c.paid_date.desc(), PAYMENT.c.id.desc())
    )
    return list(connection.execute(query))


# --- the account ----------------------------------------------------------------------------------


def account_row(connection: Connection, account_id: int, *, lock: bool = False) -> Row[Any] | None:
    query = select(ACCOUNT).where(ACCOUNT.c.id == account_id)
    return connection.execute(query.with_for_update() if lock else query).first()


def update_account(connection: Connection, account_id: int, values: dict[str, Any]) -> None:
    connection.execute(update(ACCOUNT).where(ACCOUNT.c.id == account_id).values(values))


class Arrears(NamedTuple):
    """What decides which statements and payments the daily run counts for an account."""

    id: int
    arrears_fen: int
    arrears_due_date: date | None
    arrears_as_of_date: date | None


def minimums_of(connection: Connection, account: Arrears) -> list[tuple[date, int]]:
    """(due date, minimum) of the account as the daily run counts them: the statements due after the
    arrears date, and the arrears brought forward (accounts.repository.DelinquencyRepository)."""
    after = account.arrears_as_of_date
    query = select(STATEMENT.c.due_date, STATEMENT.c.minimum_due_fen).where(
        STATEMENT.c.account_id == account.id
    )
    if after is not None:
        query = query.where(STATEMENT.c.due_date > after)
    found = [(row.due_date, int(row.minimum_due_fen)) for row in connection.execute(query)]
    if account.arrears_fen > 0 and account.arrears_due_date is not None:
        found.append((account.arrears_due_date, int(account.arrears_fen)))
    return found


def paid_of(connection: Connection, account: Arrears, *, as_of: date) -> list[tuple[date, int]]:
    """(paid date, amount) of the account's payments the daily run counts on ``as_of``: dated on or
    before it and after the arrears date."""
    conditions = [PAYMENT.c.account_id == account.id, PAYMENT.c.paid_date <= as_of]
    if account.arrears_as_of_date is not None:
        conditions.append(PAYMENT.c.paid_date > account.arrears_as_of_date)
    query = select(PAYMENT.c.paid_date, PAYMENT.c.amount_fen).where(and_(*conditions))
    return [(row.paid_date, int(row.amount_fen)) for row in connection.execute(query)]


def latest_snapshot_date(connection: Connection, account_id: int) -> date | None:
    query = select(func.max(SNAPSHOT.c.as_of_date)).where(SNAPSHOT.c.account_id == account_id)
    value = connection.execute(query).scalar_one_or_none()
    return value if isinstance(value, date) else None


def account_number(connection: Connection, account_id: int) -> str | None:
    found = connection.execute(select(ACCOUNT.c.account_no).where(ACCOUNT.c.id == account_id)).scalar()
    return None if found is None else str(found)
