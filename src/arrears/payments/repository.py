"""All SQL of the payments core: orders, notifications, payment rows, the account a payment lands on.

Locks, in the order every writer takes them (so two never wait on each other in a cycle): the order
row (``FOR UPDATE`` on PostgreSQL), then the account row, then the audit chain's lock (taken by the
first audit append, which therefore comes last). On SQLite the transaction holds the database's
write lock from its start (``audit_transaction``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Row, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from arrears.kit.sql_lists import one_of
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


def orders_locked(connection: Connection, out_trade_nos: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The orders of ``out_trade_nos`` (those that exist), each row locked (``FOR UPDATE``) in
    ``out_trade_no`` order, the order the reconciliation locks them in (so a batch and a settlement file
    naming the same orders never wait on each other in a cycle); by ``out_trade_no``."""
    wanted = sorted(set(out_trade_nos))
    if not wanted:
        return {}
    query = (
        select(ORDER)
        .where(one_of(connection, ORDER.c.out_trade_no, wanted))
        .order_by(ORDER.c.out_trade_no)
        .with_for_update()
    )
    return {row.out_trade_no: dict(row._mapping) for row in connection.execute(query)}


def lock_orders(connection: Connection, order_ids: Iterable[int]) -> None:
    """The orders' rows locked in id order (``FOR UPDATE``)."""
    wanted = sorted(set(order_ids))
    if wanted:
        connection.execute(
            select(ORDER.c.id)
            .where(one_of(connection, ORDER.c.id, wanted))
            .order_by(ORDER.c.id)
            .with_for_update()
        )


def insert_order(connection: Connection, values: dict[str, Any]) -> int:
    return int(connection.execute(insert(ORDER).values(values).returning(ORDER.c.id)).scalar_one())


def mark_paid(connection: Connection, paid: Sequence[tuple[int, str, datetime]]) -> None:
    """Each (order id, trade_no, paid at): created (or closed: the gateway took the money after all) ->
    paid; an order in another status is left as it is (the caller read it locked)."""
    if paid:
        query = (
            update(ORDER)
            .where(
                ORDER.c.id == bindparam("order_id"),
                or_(ORDER.c.status == "created", ORDER.c.status == "closed"),
            )
            .values(status="paid", trade_no=bindparam("new_trade_no"), paid_at=bindparam("new_paid_at"))
        )
        connection.execute(
            query, [{"order_id": i, "new_trade_no": t, "new_paid_at": at} for i, t, at in paid]
        )


def close_orders(connection: Connection, closed: Sequence[tuple[int, str]], *, at: datetime) -> None:
    """Each (order id, trade_no): created -> closed (an order in another status is left as it is)."""
    if closed:
        query = (
            update(ORDER)
            .where(ORDER.c.id == bindparam("order_id"), ORDER.c.status == "created")
            .values(status="closed", closed_at=at,
                    trade_no=func.coalesce(ORDER.c.trade_no, bindparam("new_trade_no")))
        )  # fmt: skip
        connection.execute(query, [{"order_id": i, "new_trade_no": t} for i, t in closed])


def settle_orders(connection: Connection, settled: Sequence[tuple[int, int, str, datetime]]) -> None:
    """Each (order id, payment id, trade_no, paid at): the order is paid by the payment (its trade and
    time kept when already marked paid)."""
    if settled:
        query = (
            update(ORDER)
            .where(ORDER.c.id == bindparam("order_id"))
            .values(
                status="paid",
                payment_id=bindparam("new_payment_id"),
                trade_no=func.coalesce(ORDER.c.trade_no, bindparam("new_trade_no")),
                paid_at=func.coalesce(ORDER.c.paid_at, bindparam("new_paid_at")),
            )
        )
        rows = [{"order_id": o, "new_payment_id": p, "new_trade_no": t, "new_paid_at": at}
                for o, p, t, at in settled]  # fmt: skip
        connection.execute(query, rows)


# --- notifications --------------------------------------------------------------------------------


def kept_for_review(connection: Connection, out_trade_nos: Iterable[str | None]) -> set[tuple[Any, ...]]:
    """(out_trade_no, trade_no, outcome) of the notifications of these orders kept for review before."""
    n = NOTIFICATION
    query = select(n.c.out_trade_no, n.c.trade_no, n.c.outcome).where(
        one_of(connection, n.c.out_trade_no, [one for one in out_trade_nos if one]),
        n.c.review_status.is_not(None),
    )
    return {tuple(row) for row in connection.execute(query)}


def insert_notifications(connection: Connection, rows: Sequence[dict[str, Any]]) -> list[int]:
    """The rows inserted in one statement; their ids, in the rows' order."""
    query = insert(NOTIFICATION).returning(NOTIFICATION.c.id, sort_by_parameter_order=True)
    return [int(one) for one in connection.execute(query, list(rows)).scalars()]


# --- payments -------------------------------------------------------------------------------------


def payment_by_ref(connection: Connection, payment_ref: str) -> Row[Any] | None:
    return connection.execute(select(PAYMENT).where(PAYMENT.c.payment_ref == payment_ref)).first()


def payment_ids_by_ref(connection: Connection, payment_refs: Iterable[str]) -> dict[str, int]:
    """The ids of the payments of ``payment_refs`` that exist, by ``payment_ref``."""
    wanted = sorted(set(payment_refs))
    if not wanted:
        return {}
    query = select(PAYMENT.c.payment_ref, PAYMENT.c.id).where(
        one_of(connection, PAYMENT.c.payment_ref, wanted)
    )
    return {row.payment_ref: int(row.id) for row in connection.execute(query)}


def insert_payments_once(connection: Connection, rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    """The rows inserted in one statement, except those whose ``payment_ref`` exists (the unique index
    decides: a concurrent insert waits for the other transaction, then inserts nothing); the new ids
    by ``payment_ref``."""
    if not rows:
        return {}
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(PAYMENT)
        .on_conflict_do_nothing(index_elements=["payment_ref"])
        .returning(PAYMENT.c.payment_ref, PAYMENT.c.id)
    )
    return {row.payment_ref: int(row.id) for row in connection.execute(statement, list(rows))}


def delete_payments(connection: Connection, payment_ids: Iterable[int]) -> None:
    """Payments this transaction inserted, taken out again before it commits."""
    connection.execute(delete(PAYMENT).where(PAYMENT.c.id.in_(sorted(set(payment_ids)))))


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


def accounts_locked(connection: Connection, account_ids: Iterable[int]) -> dict[int, Row[Any]]:
    """The accounts' rows, locked (``FOR UPDATE``) in id order; by id (an unknown id is absent)."""
    wanted = sorted(set(account_ids))
    query = (
        select(ACCOUNT)
        .where(one_of(connection, ACCOUNT.c.id, wanted))
        .order_by(ACCOUNT.c.id)
        .with_for_update()
    )
    return {int(row.id): row for row in connection.execute(query)}


def update_account(connection: Connection, account_id: int, values: dict[str, Any]) -> None:
    connection.execute(update(ACCOUNT).where(ACCOUNT.c.id == account_id).values(values))


def update_accounts(connection: Connection, changes: Sequence[dict[str, Any]]) -> None:
    """Each change (``id`` and the same columns in every one) in one statement."""
    if changes:
        columns = [name for name in changes[0] if name != "id"]
        query = update(ACCOUNT).where(ACCOUNT.c.id == bindparam("account_id"))
        query = query.values({name: bindparam(f"new_{name}") for name in columns})
        rows = [
            {"account_id": one["id"], **{f"new_{name}": one[name] for name in columns}} for one in changes
        ]
        connection.execute(query, rows)


class Arrears(NamedTuple):
    """What decides which statements and payments the daily run counts for an account."""

    id: int
    arrears_fen: int
    arrears_due_date: date | None
    arrears_as_of_date: date | None


def counted_minimums(statements: Sequence[tuple[date, int]], account: Arrears) -> list[tuple[date, int]]:
    """(due date, minimum) of the account as the daily run counts them, of its statements' (due date,
    minimum): those due after the arrears date, and the arrears brought forward
    (accounts.repository.DelinquencyRepository)."""
    after = account.arrears_as_of_date
    found = [(due, minimum) for due, minimum in statements if after is None or due > after]
    if account.arrears_fen > 0 and account.arrears_due_date is not None:
        found.append((account.arrears_due_date, int(account.arrears_fen)))
    return found


def counted_paid(
    payments: Sequence[tuple[date, int]], account: Arrears, *, as_of: date
) -> list[tuple[date, int]]:
    """(paid date, amount) of the account's payments the daily run counts on ``as_of``: dated on or
    before it and after the arrears date."""
    after = account.arrears_as_of_date
    return [(day, amount) for day, amount in payments if day <= as_of and (after is None or day > after)]


def statements_of(connection: Connection, account_ids: Iterable[int]) -> dict[int, list[tuple[date, int]]]:
    """(due date, minimum) of every statement of the accounts, by account."""
    found: dict[int, list[tuple[date, int]]] = {account_id: [] for account_id in account_ids}
    s = STATEMENT
    query = select(s.c.account_id, s.c.due_date, s.c.minimum_due_fen).where(
        one_of(connection, s.c.account_id, found)
    )
    for row in connection.execute(query):
        found[int(row.account_id)].append((row.due_date, int(row.minimum_due_fen)))
    return found


def payments_of_accounts(
    connection: Connection, account_ids: Iterable[int]
) -> dict[int, list[tuple[date, int]]]:
    """(paid date, amount) of every payment row of the accounts (reversals as negative rows), by account."""
    found: dict[int, list[tuple[date, int]]] = {account_id: [] for account_id in account_ids}
    p = PAYMENT
    query = select(p.c.account_id, p.c.paid_date, p.c.amount_fen).where(
        one_of(connection, p.c.account_id, found)
    )
    for row in connection.execute(query):
        found[int(row.account_id)].append((row.paid_date, int(row.amount_fen)))
    return found


def minimums_of(connection: Connection, account: Arrears) -> list[tuple[date, int]]:
    """:func:`counted_minimums` of the account, read."""
    return counted_minimums(statements_of(connection, [account.id])[account.id], account)


def paid_of(connection: Connection, account: Arrears, *, as_of: date) -> list[tuple[date, int]]:
    """:func:`counted_paid` of the account, read."""
    return counted_paid(payments_of_accounts(connection, [account.id])[account.id], account, as_of=as_of)


def latest_snapshot_dates(connection: Connection, account_ids: Iterable[int]) -> dict[int, date]:
    """The date of each account's latest delinquency snapshot (an account without one is absent)."""
    query = (
        select(SNAPSHOT.c.account_id, func.max(SNAPSHOT.c.as_of_date))
        .where(one_of(connection, SNAPSHOT.c.account_id, account_ids))
        .group_by(SNAPSHOT.c.account_id)
    )
    return {int(account_id): day for account_id, day in connection.execute(query) if isinstance(day, date)}


def latest_snapshot_date(connection: Connection, account_id: int) -> date | None:
    return latest_snapshot_dates(connection, [account_id]).get(account_id)


def account_number(connection: Connection, account_id: int) -> str | None:
    found = connection.execute(select(ACCOUNT.c.account_no).where(ACCOUNT.c.id == account_id)).scalar()
    return None if found is None else str(found)
