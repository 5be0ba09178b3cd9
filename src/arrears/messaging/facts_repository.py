"""The SQL of the daily run's messages: the run's message actions, the facts their templates state for
many accounts at once, and the contact point each customer is reached at. Callers own the
transaction; nothing here logs (names are personal data)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, case, func, select

from arrears.models import (
    CardAccount,
    CollectionAction,
    ContactPoint,
    Customer,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    Statement,
    table_of,
)

_ACTION, _ACCOUNT, _CUSTOMER = table_of(CollectionAction), table_of(CardAccount), table_of(Customer)
_POINT, _STATEMENT, _PROMISE = table_of(ContactPoint), table_of(Statement), table_of(PromiseToPay)
_PLAN, _INSTALMENT = table_of(RepaymentPlan), table_of(PlanInstalment)
CHUNK = 5_000


@dataclass(frozen=True, slots=True)
class RunAction:
    id: int
    account_id: int
    customer_id: int
    channel: str
    template: str | None
    scheduled_at: datetime


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """What a message may say of an account (``name`` in clear: the caller masks it)."""

    name: str
    account_no: str
    overdue_fen: int
    arrears_fen: int
    dpd: int
    due_date: date | None
    promise_fen: int | None = None
    promised_date: date | None = None
    instalments: int | None = None
    next_instalment_fen: int | None = None
    next_due_date: date | None = None


def _chunks(values: Sequence[int]) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def run_actions(connection: Connection, *, run_date: date, channels: Sequence[str]) -> list[RunAction]:
    """The run's actions of the message channels, in id order."""
    x = _ACTION
    query = (
        select(x.c.id, x.c.account_id, x.c.customer_id, x.c.channel, x.c.template, x.c.scheduled_at)
        .where(x.c.run_date == run_date, x.c.channel.in_(channels))
        .order_by(x.c.id)
    )
    return [RunAction(*row) for row in connection.execute(query)]


def reached_points(connection: Connection, customer_ids: Sequence[int], *, kind: str) -> dict[int, int]:
    """Each customer's point of ``kind`` the run contacts: never an invalid one; the primary first,
    then the oldest (as the run picks it)."""
    p, found = _POINT, dict[int, int]()
    primary = func.min(case((p.c.is_primary, p.c.id), else_=None))
    for part in _chunks(customer_ids):
        query = (
            select(p.c.customer_id, func.coalesce(primary, func.min(p.c.id)))
            .where(p.c.customer_id.in_(part), p.c.kind == kind, p.c.invalid_at.is_(None))
            .group_by(p.c.customer_id)
        )
        found |= {int(customer): int(point) for customer, point in connection.execute(query)}
    return found


def account_facts(connection: Connection, account_ids: Sequence[int]) -> dict[int, AccountFacts]:
    """The facts of the accounts: amounts, the last due date, the open promise and the active plan's
    next instalment (a few queries for all of them)."""
    found: dict[int, AccountFacts] = {}
    for part in _chunks(account_ids):
        promises, plans = _promises(connection, part), _plans(connection, part)
        for row in _accounts(connection, part):
            found[int(row.id)] = AccountFacts(
                name=row.name, account_no=row.account_no, overdue_fen=int(row.overdue_fen),
                arrears_fen=int(row.arrears_fen), dpd=int(row.dpd),
                due_date=row.due_date or row.arrears_due_date,
                **promises.get(int(row.id), {}), **plans.get(int(row.id), {}),
            )  # fmt: skip
    return found


def _accounts(connection: Connection, part: Sequence[int]) -> list[Any]:
    a, c, s = _ACCOUNT, _CUSTOMER, _STATEMENT
    due = (
        select(s.c.account_id, func.max(s.c.due_date).label("due_date"))
        .where(s.c.account_id.in_(part))
        .group_by(s.c.account_id)
        .subquery()
    )
    query = (
        select(a.c.id, c.c.name, a.c.account_no, a.c.overdue_fen, a.c.arrears_fen, a.c.dpd,
               a.c.arrears_due_date, due.c.due_date)
        .join(c, c.c.id == a.c.customer_id)
        .outerjoin(due, due.c.account_id == a.c.id)
        .where(a.c.id.in_(part))
    )  # fmt: skip
    return list(connection.execute(query))


def _promises(connection: Connection, part: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The latest open promise of each account."""
    p, found = _PROMISE, {}
    query = (
        select(p.c.account_id, p.c.amount_fen, p.c.promised_date)
        .where(p.c.account_id.in_(part), p.c.status == "open")
        .order_by(p.c.account_id, p.c.promised_date, p.c.id)
    )
    for row in connection.execute(query):
        found[int(row.account_id)] = {"promise_fen": int(row.amount_fen), "promised_date": row.promised_date}
    return found


def _plans(connection: Connection, part: Sequence[int]) -> dict[int, dict[str, Any]]:
    """The latest active plan of each account: its number of instalments and the first one due."""
    plan, i = _PLAN, _INSTALMENT
    query = (
        select(plan.c.account_id, plan.c.id, i.c.number, i.c.due_date, i.c.amount_fen, i.c.status)
        .join(i, i.c.plan_id == plan.c.id)
        .where(plan.c.account_id.in_(part), plan.c.status == "active")
        .order_by(plan.c.account_id, plan.c.agreed_on.desc(), plan.c.id.desc(), i.c.number)
    )
    rows: dict[int, list[Any]] = {}
    for row in connection.execute(query):
        mine = rows.setdefault(int(row.account_id), [])
        if not mine or mine[0].id == row.id:  # the latest plan only
            mine.append(row)
    found = {}
    for account_id, instalments in rows.items():
        due = [row for row in instalments if row.status == "due"]
        if due:
            next_one = due[0]
            found[account_id] = {
                "instalments": len(instalments),
                "next_instalment_fen": int(next_one.amount_fen),
                "next_due_date": next_one.due_date,
            }
    return found
