"""The dashboard's SQL. Every figure is a GROUP BY in the database: Python only ever sees the groups
(a few dozen rows), never the accounts, actions or contacts themselves. Callers own the connection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, Date, and_, case, cast, func, literal, select, true

from arrears.models import (
    AppUser,
    CardAccount,
    CollectionAction,
    ContactEvent,
    DailyRun,
    DelinquencySnapshot,
    PromiseToPay,
    Team,
    table_of,
)

_ACCOUNT, _SNAPSHOT, _RUN = table_of(CardAccount), table_of(DelinquencySnapshot), table_of(DailyRun)
_ACTION, _EVENT, _PROMISE = table_of(CollectionAction), table_of(ContactEvent), table_of(PromiseToPay)
_USER, _TEAM = table_of(AppUser), table_of(Team)
SETTLED = ("kept", "partly_kept", "broken")


class BookGroup(NamedTuple):
    bucket: str
    regulatory_class: str
    accounts: int
    balance_fen: int
    overdue_fen: int


class RunRecord(NamedTuple):
    run_date: date
    completed_at: datetime | None
    model_version: str | None
    policy: str | None
    report: str | None  # JSON


class QueueGroup(NamedTuple):
    team_id: int | None
    team_code: str | None
    team_name: str | None
    status: str
    calls: int


class TeamDayCalls(NamedTuple):
    team_id: int | None
    team_code: str | None
    team_name: str | None
    day: date
    calls: int
    connected: int
    conversations: int


class PromiseGroup(NamedTuple):
    status: str
    promises: int
    amount_fen: int
    paid_fen: int


def _rpc() -> ColumnElement[bool]:
    """A right-party contact: a conversation with the debtor."""
    return and_(_EVENT.c.conversation, _EVENT.c.party == "debtor")


def _day(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


class DashboardRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def book(self, *, snapshot: date | None = None) -> list[BookGroup]:
        """By bucket and class: of the accounts' current state (one scan of ``card_account``), or of
        the snapshot of an earlier date (through its index on the date)."""
        a, s = _ACCOUNT, _SNAPSHOT
        where: ColumnElement[bool]
        if snapshot is None:
            table, where, balance = a, true(), a.c.principal_fen + a.c.interest_fen + a.c.fee_fen
        else:
            table, where, balance = s, s.c.as_of_date == snapshot, s.c.balance_fen
        bucket, regulatory_class, overdue = table.c.bucket, table.c.regulatory_class, table.c.overdue_fen
        query = (
            select(
                bucket,
                regulatory_class,
                func.count(),
                func.coalesce(func.sum(balance), 0),
                func.coalesce(func.sum(overdue), 0),
            )
            .where(where)
            .group_by(bucket, regulatory_class)
        )
        rows = self._connection.execute(query).all()
        return [BookGroup(str(b), str(c), int(n), int(bal), int(due)) for b, c, n, bal, due in rows]

    def snapshot_date(self, *, on_or_before: date | None = None) -> date | None:
        """The date of the latest delinquency snapshot (on or before the date): the accounts' current
        state is that of the latest one."""
        query = select(func.max(_SNAPSHOT.c.as_of_date))
        if on_or_before is not None:
            query = query.where(_SNAPSHOT.c.as_of_date <= on_or_before)
        value = self._connection.execute(query).scalar_one_or_none()
        return value if isinstance(value, date) else None

    def latest_run(self, *, on_or_before: date) -> RunRecord | None:
        """The latest completed daily run on or before the date (run_date is unique and indexed)."""
        r = _RUN
        query = (
            select(r.c.run_date, r.c.completed_at, r.c.model_version, r.c.policy, r.c.report)
            .where(r.c.status == "completed", r.c.run_date <= on_or_before)
            .order_by(r.c.run_date.desc())
            .limit(1)
        )
        row = self._connection.execute(query).first()
        return None if row is None else RunRecord(*row)

    def queue(self, run_date: date) -> list[QueueGroup]:
        """The run's calls by team and status; a null team is any team's queue."""
        x, t = _ACTION, _TEAM
        query = (
            select(t.c.id, t.c.code, t.c.name, x.c.status, func.count())
            .select_from(x.outerjoin(t, t.c.id == x.c.team_id))
            .where(x.c.run_date == run_date, x.c.channel == "call")
            .group_by(t.c.id, t.c.code, t.c.name, x.c.status)
        )
        rows = self._connection.execute(query).all()
        return [QueueGroup(team, code, name, str(status), int(n)) for team, code, name, status, n in rows]

    def calls(self, *, days: Sequence[date], bounds: Sequence[datetime], zone: str) -> list[TeamDayCalls]:
        """The calls logged per business day in ``zone`` and team, in one pass over the window (day
        ``i`` of ``days`` runs over ``[bounds[i], bounds[i + 1])``); the team is that of the user who
        logged the call, now (no user or no team: a null team). Only (team, day) pairs with calls."""
        e, u, t = _EVENT, _USER, _TEAM
        if self._connection.dialect.name == "postgresql":
            day: ColumnElement[Any] = cast(func.timezone(zone, e.c.at), Date)
        else:  # SQLite keeps UTC and knows no time zones: the day is found between the bounds
            day = case(
                *((e.c.at < end, literal(one.isoformat())) for one, end in zip(days, bounds[1:], strict=True))
            )
        calls = (
            select(
                t.c.id.label("team_id"),
                t.c.code,
                t.c.name,
                day.label("day"),
                e.c.connected,
                _rpc().label("rpc"),
            )
            .select_from(e.outerjoin(u, u.c.id == e.c.user_id).outerjoin(t, t.c.id == u.c.team_id))
            .where(e.c.channel == "call", e.c.at >= bounds[0], e.c.at < bounds[-1])
            .subquery()
        )  # grouped outside: PostgreSQL would not see two copies of the day's expression as the same
        query = select(
            calls.c.team_id,
            calls.c.code,
            calls.c.name,
            calls.c.day,
            func.count(),
            func.count().filter(calls.c.connected),
            func.count().filter(calls.c.rpc),
        ).group_by(calls.c.team_id, calls.c.code, calls.c.name, calls.c.day)
        rows = self._connection.execute(query).all()
        return [
            TeamDayCalls(team, code, name, _day(one), int(n), int(connected), int(rpc))
            for team, code, name, one, n, connected, rpc in rows
        ]

    def settled_promises(self, *, first: date, last: date) -> list[PromiseGroup]:
        """The promises settled (kept, partly kept, broken) from ``first`` to ``last``, by status."""
        p = _PROMISE
        query = (
            select(
                p.c.status,
                func.count(),
                func.coalesce(func.sum(p.c.amount_fen), 0),
                func.coalesce(func.sum(p.c.paid_fen), 0),
            )
            .where(p.c.settled_on >= first, p.c.settled_on <= last, p.c.status.in_(SETTLED))
            .group_by(p.c.status)
        )
        rows = self._connection.execute(query).all()
        return [PromiseGroup(str(status), int(n), int(amount), int(paid)) for status, n, amount, paid in rows]
