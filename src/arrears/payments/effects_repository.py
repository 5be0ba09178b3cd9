"""The SQL of what a posted payment (or its reversal) does at once (:mod:`arrears.payments.effects`):
the account's promises and plans with the payments that settle them, today's call queue items, queued
collection messages and visit stops. The caller owns the connection and its transaction."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, select, update

from arrears.accounts.repository import payment_stands
from arrears.arrangements import settlement
from arrears.kit.sql_lists import one_of
from arrears.messaging import outbox_sql
from arrears.models import (
    CardAccount,
    CollectionAction,
    DailyRun,
    OutboxEvent,
    OutboxMessage,
    Payment,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    VisitRoute,
    VisitStop,
    table_of,
)

WITHDRAWN = "withdrawn"  # a call queue item a payment took out of today's queue
PAID = "paid"  # the reason: the account is current, or a promise is kept
SKIPPED = "skipped"  # a visit stop the visitor need not make: outcome PAID says why
STOPPABLE_CALLS = ("planned", "claimed")

_ACCOUNT, _PAYMENT, _PROMISE = table_of(CardAccount), table_of(Payment), table_of(PromiseToPay)
_PLAN, _INSTALMENT, _ACTION = table_of(RepaymentPlan), table_of(PlanInstalment), table_of(CollectionAction)
_RUN, _MESSAGE, _EVENT = table_of(DailyRun), table_of(OutboxMessage), table_of(OutboxEvent)
_ROUTE, _STOP = table_of(VisitRoute), table_of(VisitStop)


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(query).mappings()]


def overdue_fen(connection: Connection, account_id: int) -> int:
    return overdue_of(connection, [account_id])[account_id]


def overdue_of(connection: Connection, account_ids: Iterable[int]) -> dict[int, int]:
    a = _ACCOUNT
    query = select(a.c.id, a.c.overdue_fen).where(one_of(connection, a.c.id, account_ids))
    return {int(row.id): int(row.overdue_fen) for row in connection.execute(query)}


def payment(connection: Connection, payment_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(_PAYMENT).where(_PAYMENT.c.id == payment_id)
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    return dict(row) if row else None


def counted_payments(
    connection: Connection, since: Mapping[int, date], *, until: date
) -> dict[int, list[settlement.Paid]]:
    """Each account's payments made from its ``since`` date to ``until`` that still stand (a reversal, a
    negative entry, and the payment it takes back both count for nothing), by account."""
    p = _PAYMENT
    found: dict[int, list[settlement.Paid]] = {account_id: [] for account_id in since}
    if not since:
        return found
    query = select(p.c.account_id, p.c.paid_date, p.c.amount_fen).where(
        one_of(connection, p.c.account_id, since), p.c.paid_date >= min(since.values()),
        p.c.paid_date <= until, payment_stands(p),
    )  # fmt: skip
    for row in connection.execute(query):
        if row.paid_date >= since[int(row.account_id)]:
            found[int(row.account_id)].append(settlement.Paid(row.paid_date, row.amount_fen))
    return found


# --- promises and plans ---------------------------------------------------------------------------


def promises(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    return promises_of(connection, [account_id])[account_id]


def promises_of(connection: Connection, account_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each account's promises (by id), by account."""
    p = _PROMISE
    found: dict[int, list[dict[str, Any]]] = {account_id: [] for account_id in account_ids}
    for row in _rows(connection, select(p).where(one_of(connection, p.c.account_id, found)).order_by(p.c.id)):
        found[int(row["account_id"])].append(row)
    return found


def plans_in_force(connection: Connection, account_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """Each account's active and completed plans, each with its instalments (by due date), by account."""
    plan, i = _PLAN, _INSTALMENT
    found: dict[int, list[dict[str, Any]]] = {account_id: [] for account_id in account_ids}
    plans = _rows(
        connection,
        select(plan.c.id, plan.c.account_id, plan.c.agreed_on, plan.c.status)
        .where(one_of(connection, plan.c.account_id, found), plan.c.status.in_(("active", "completed")))
        .order_by(plan.c.id),
    )
    by_id = {one["id"]: one | {"instalments": []} for one in plans}
    if by_id:
        query = (
            select(i)
            .where(one_of(connection, i.c.plan_id, by_id))
            .order_by(i.c.plan_id, i.c.due_date, i.c.number)
        )
        for row in _rows(connection, query):
            by_id[row["plan_id"]]["instalments"].append(row)
    for one in by_id.values():
        found[int(one.pop("account_id"))].append(one)
    return found


def update_rows(connection: Connection, table_name: str, changes: Sequence[dict[str, Any]]) -> None:
    """Updates rows of ``promise_to_pay``, ``plan_instalment`` or ``repayment_plan`` by ``id``: one
    statement for the changes of the same columns."""
    table = {"promise": _PROMISE, "instalment": _INSTALMENT, "plan": _PLAN}[table_name]
    alike: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for change in changes:
        alike.setdefault(tuple(sorted(key for key in change if key != "id")), []).append(change)
    for columns, rows in alike.items():
        query = update(table).where(table.c.id == bindparam("row_id"))
        query = query.values({name: bindparam(f"new_{name}") for name in columns})
        connection.execute(
            query, [{"row_id": row["id"], **{f"new_{name}": row[name] for name in columns}} for row in rows]
        )


# --- today's collection ---------------------------------------------------------------------------


def latest_run_date(connection: Connection) -> date | None:
    value = connection.execute(select(func.max(_RUN.c.run_date)).where(_RUN.c.status == "completed")).scalar()
    return value if isinstance(value, date) else None


def withdraw_calls(connection: Connection, *, account_ids: Iterable[int], run_date: date) -> Counter[int]:
    """The accounts' planned or claimed calls of the run withdrawn (the claim's holder is kept: the
    collector who has the case open still may, and sees why). The count withdrawn, by account."""
    x = _ACTION
    query = (
        update(x)
        .where(one_of(connection, x.c.account_id, account_ids), x.c.run_date == run_date,
               x.c.channel == "call", x.c.status.in_(STOPPABLE_CALLS))
        .values(status=WITHDRAWN)
        .returning(x.c.account_id)
    )  # fmt: skip
    return Counter(int(one) for one in connection.execute(query).scalars())


def reopen_calls(connection: Connection, *, account_id: int, run_date: date) -> int:
    """The account's withdrawn calls of the run back in the queue, free for anyone (planned)."""
    x = _ACTION
    query = (
        update(x)
        .where(x.c.account_id == account_id, x.c.run_date == run_date, x.c.channel == "call",
               x.c.status == WITHDRAWN)
        .values(status="planned", claimed_by_id=None, claimed_at=None, lease_until=None)
    )  # fmt: skip
    return int(connection.execute(query).rowcount or 0)


def cancel_collection_messages(
    connection: Connection, details: Mapping[int, str], *, now: datetime
) -> Counter[int]:
    """The accounts' queued collection messages (every channel) cancelled, each with an ``outbox_event``
    saying why (``details``: the reason, by account). The count cancelled, by account."""
    m = _MESSAGE
    if not details:
        return Counter()
    query = (
        update(m)
        .where(one_of(connection, m.c.account_id, details), m.c.kind == "collection", m.c.status == "queued")
        .values(status="cancelled", finished_at=now, claimed_by=None, claim_until=None)
        .returning(m.c.id, m.c.account_id)
    )
    cancelled = sorted((int(row.id), int(row.account_id)) for row in connection.execute(query))
    if cancelled:
        reasons = [{"message_id": one, "reason": details[account_id][:500]} for one, account_id in cancelled]
        connection.execute(
            update(m).where(m.c.id == bindparam("message_id")).values(last_error=bindparam("reason")), reasons
        )
        outbox_sql.insert_rows(
            connection,
            _EVENT,
            [{"message_id": one, "at": now, "status": "cancelled", "detail": details[account_id]}
             for one, account_id in cancelled],
        )  # fmt: skip
    return Counter(account_id for _, account_id in cancelled)


def _todays_stops(account_ids: Iterable[int], day: date) -> Any:
    r, s = _ROUTE, _STOP
    return and_(
        s.c.account_id.in_(sorted(set(account_ids))),
        s.c.route_id.in_(select(r.c.id).where(r.c.plan_date == day, r.c.status != "cancelled")),
    )


def flag_visits(connection: Connection, *, account_ids: Iterable[int], day: date) -> Counter[int]:
    """The accounts' visits still planned on ``day``'s routes marked skipped, outcome ``paid``; the count
    by account."""
    s = _STOP
    query = (
        update(s)
        .where(_todays_stops(account_ids, day), s.c.status == "planned")
        .values(status=SKIPPED, outcome=PAID)
        .returning(s.c.account_id)
    )
    return Counter(int(one) for one in connection.execute(query).scalars())


def unflag_visits(connection: Connection, *, account_id: int, day: date) -> int:
    """The visits :func:`flag_visits` marked on ``day``'s routes planned again."""
    s = _STOP
    query = (
        update(s)
        .where(_todays_stops([account_id], day), s.c.status == SKIPPED, s.c.outcome == PAID)
        .values(status="planned", outcome=None)
    )
    return int(connection.execute(query).rowcount or 0)
