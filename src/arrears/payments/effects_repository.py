"""The SQL of what a posted payment (or its reversal) does at once (:mod:`arrears.payments.effects`):
the account's promises and plans with the payments that settle them, today's call queue items, queued
collection messages and visit stops. The caller owns the connection and its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select, update

from arrears.accounts.repository import payment_stands
from arrears.arrangements import settlement
from arrears.messaging import report_repository
from arrears.models import (
    CardAccount,
    CollectionAction,
    DailyRun,
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
_RUN, _MESSAGE = table_of(DailyRun), table_of(OutboxMessage)
_ROUTE, _STOP = table_of(VisitRoute), table_of(VisitStop)


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(query).mappings()]


def overdue_fen(connection: Connection, account_id: int) -> int:
    a = _ACCOUNT
    return int(connection.execute(select(a.c.overdue_fen).where(a.c.id == account_id)).scalar_one())


def payment(connection: Connection, payment_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(_PAYMENT).where(_PAYMENT.c.id == payment_id)
    row = connection.execute(query.with_for_update() if lock else query).mappings().first()
    return dict(row) if row else None


def counted_payments(
    connection: Connection, account_id: int, *, since: date, until: date
) -> list[settlement.Paid]:
    """The account's payments made from ``since`` to ``until`` that still stand: a reversal (a negative
    entry) and the payment it takes back both count for nothing."""
    p = _PAYMENT
    query = select(p.c.paid_date, p.c.amount_fen).where(
        p.c.account_id == account_id, p.c.paid_date >= since, p.c.paid_date <= until, payment_stands(p)
    )
    return [settlement.Paid(row.paid_date, row.amount_fen) for row in connection.execute(query)]


# --- promises and plans ---------------------------------------------------------------------------


def promises(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    p = _PROMISE
    return _rows(connection, select(p).where(p.c.account_id == account_id).order_by(p.c.id))


def plans_in_force(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    """The account's active and completed plans, each with its instalments (by due date)."""
    plan, i = _PLAN, _INSTALMENT
    found = _rows(
        connection,
        select(plan.c.id, plan.c.agreed_on, plan.c.status)
        .where(plan.c.account_id == account_id, plan.c.status.in_(("active", "completed")))
        .order_by(plan.c.id),
    )
    for one in found:
        one["instalments"] = _rows(
            connection, select(i).where(i.c.plan_id == one["id"]).order_by(i.c.due_date, i.c.number)
        )
    return found


def update_rows(connection: Connection, table_name: str, changes: Sequence[dict[str, Any]]) -> None:
    """Updates rows of ``promise_to_pay``, ``plan_instalment`` or ``repayment_plan`` by ``id``."""
    table = {"promise": _PROMISE, "instalment": _INSTALMENT, "plan": _PLAN}[table_name]
    for change in changes:
        values = {key: value for key, value in change.items() if key != "id"}
        connection.execute(update(table).where(table.c.id == change["id"]).values(**values))


# --- today's collection ---------------------------------------------------------------------------


def latest_run_date(connection: Connection) -> date | None:
    value = connection.execute(select(func.max(_RUN.c.run_date)).where(_RUN.c.status == "completed")).scalar()
    return value if isinstance(value, date) else None


def withdraw_calls(connection: Connection, *, account_id: int, run_date: date) -> int:
    """The account's planned or claimed calls of the run withdrawn (the claim's holder is kept: the
    collector who has the case open still may, and sees why). The count withdrawn."""
    x = _ACTION
    query = (
        update(x)
        .where(x.c.account_id == account_id, x.c.run_date == run_date, x.c.channel == "call",
               x.c.status.in_(STOPPABLE_CALLS))
        .values(status=WITHDRAWN)
    )  # fmt: skip
    return int(connection.execute(query).rowcount or 0)


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


def queued_collection_messages(connection: Connection, account_id: int) -> list[int]:
    m = _MESSAGE
    query = select(m.c.id).where(
        m.c.account_id == account_id, m.c.kind == "collection", m.c.status == "queued"
    )
    return [int(one) for one in connection.execute(query.order_by(m.c.id)).scalars()]


def cancel_message(connection: Connection, *, message_id: int, now: datetime, detail: str) -> bool:
    """A queued message cancelled with an ``outbox_event`` saying why (False: no longer queued)."""
    if not report_repository.cancel(connection, message_id=message_id, now=now):
        return False
    connection.execute(update(_MESSAGE).where(_MESSAGE.c.id == message_id).values(last_error=detail[:500]))
    report_repository.add_event(connection, message_id=message_id, at=now, status="cancelled", detail=detail)
    return True


def _todays_stops(account_id: int, day: date) -> Any:
    r, s = _ROUTE, _STOP
    return and_(
        s.c.account_id == account_id,
        s.c.route_id.in_(select(r.c.id).where(r.c.plan_date == day, r.c.status != "cancelled")),
    )


def flag_visits(connection: Connection, *, account_id: int, day: date) -> int:
    """The account's visits still planned on ``day``'s routes marked skipped, outcome ``paid``."""
    s = _STOP
    query = (
        update(s)
        .where(_todays_stops(account_id, day), s.c.status == "planned")
        .values(status=SKIPPED, outcome=PAID)
    )
    return int(connection.execute(query).rowcount or 0)


def unflag_visits(connection: Connection, *, account_id: int, day: date) -> int:
    """The visits :func:`flag_visits` marked on ``day``'s routes planned again."""
    s = _STOP
    query = (
        update(s)
        .where(_todays_stops(account_id, day), s.c.status == SKIPPED, s.c.outcome == PAID)
        .values(status="planned", outcome=None)
    )
    return int(connection.execute(query).rowcount or 0)
