"""All SQL of the agenda and the floor: a collector's callbacks, promises, plan instalments, held and
reserved cases and day's figures; a team's members, claims, queue and targets. Callers own the
connection and its transaction. Every list is bounded; the figures are counted in the database.

Nothing here logs: notes and names are personal data.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, and_, case, delete, func, insert, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from arrears.floor.rules import ATTRIBUTION_DAYS, QUEUE_ROLES, Figures, Received, Target, Touch
from arrears.kit.errors import ConfigurationError
from arrears.models import (
    AppUser,
    Callback,
    CardAccount,
    CollectionAction,
    ContactEvent,
    DailyRun,
    DayTarget,
    Payment,
    PlanInstalment,
    PortalRequest,
    PromiseToPay,
    RepaymentPlan,
    StrategyVersion,
    Team,
    table_of,
)
from arrears.strategy.load import BUILT_IN, load_strategy, parse_strategy

_ACTION, _ACCOUNT, _CALLBACK = table_of(CollectionAction), table_of(CardAccount), table_of(Callback)
_EVENT, _PROMISE, _PAYMENT = table_of(ContactEvent), table_of(PromiseToPay), table_of(Payment)
_PLAN, _INSTALMENT = table_of(RepaymentPlan), table_of(PlanInstalment)
_USER, _TEAM, _TARGET = table_of(AppUser), table_of(Team), table_of(DayTarget)
_RUN, _VERSION, _REQUEST = table_of(DailyRun), table_of(StrategyVersion), table_of(PortalRequest)
LISTED = 200  # rows of any one list


def _rpc() -> ColumnElement[bool]:
    """A right-party contact: a conversation with the debtor (as the dashboard counts it)."""
    return and_(_EVENT.c.conversation, _EVENT.c.party == "debtor")


def _users(users: Sequence[int]) -> list[int]:
    return sorted(set(users))


class FloorRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self._connection.execute(query).mappings()]

    # --- people ---------------------------------------------------------------------------------

    def person(self, user_id: int) -> dict[str, Any] | None:
        u = _USER
        query = select(u.c.id, u.c.username, u.c.display_name, u.c.role, u.c.team_id, u.c.is_active)
        found = self._connection.execute(query.where(u.c.id == user_id)).mappings().first()
        return dict(found) if found else None

    def members(self, team_id: int) -> list[dict[str, Any]]:
        """The team's active people who work its queue, by name."""
        u = _USER
        query = (
            select(u.c.id, u.c.username, u.c.display_name, u.c.role)
            .where(u.c.team_id == team_id, u.c.is_active, u.c.role.in_(sorted(QUEUE_ROLES)))
            .order_by(u.c.display_name, u.c.id)
        )
        return self._rows(query)

    def teams(self) -> list[dict[str, Any]]:
        """The teams whose people work a call queue (phone teams), by code."""
        t, u = _TEAM, _USER
        working = select(u.c.team_id).where(u.c.role.in_(sorted(QUEUE_ROLES)), u.c.is_active)
        return self._rows(select(t.c.id, t.c.code, t.c.name).where(t.c.id.in_(working)).order_by(t.c.code))

    def team(self, team_id: int) -> dict[str, Any] | None:
        t = _TEAM
        found = self._connection.execute(select(t.c.id, t.c.code, t.c.name).where(t.c.id == team_id))
        row = found.mappings().first()
        return dict(row) if row else None

    # --- callbacks, promises, instalments --------------------------------------------------------

    def open_callbacks(
        self, users: Sequence[int], *, due_before: datetime | None = None
    ) -> list[dict[str, Any]]:
        """The users' open callbacks, the soonest first (those due before ``due_before`` only), each
        with the kind of the cardholder's portal request that asked for it (``request_kind``, None for
        a callback a person set or a reply)."""
        b, a, r = _CALLBACK, _ACCOUNT, _REQUEST
        asked = select(r.c.kind).where(r.c.callback_id == b.c.id).order_by(r.c.id).limit(1).scalar_subquery()
        query = (
            select(b.c.id, b.c.account_id, b.c.customer_id, b.c.user_id, b.c.due_at, b.c.note, a.c.account_no,
                   asked.label("request_kind"))
            .join(a, a.c.id == b.c.account_id)
            .where(b.c.user_id.in_(_users(users)), b.c.status == "open")
        )  # fmt: skip
        if due_before is not None:
            query = query.where(b.c.due_at < due_before)
        return self._rows(query.order_by(b.c.due_at, b.c.id).limit(LISTED))

    def promises(
        self, users: Sequence[int], *, promised_on: date, statuses: Sequence[str]
    ) -> list[dict[str, Any]]:
        """The promises the users took that fall due on ``promised_on`` and stand in ``statuses``."""
        p, a = _PROMISE, _ACCOUNT
        query = (
            select(p.c.id, p.c.account_id, p.c.amount_fen, p.c.paid_fen, p.c.promised_date, p.c.status,
                   p.c.taken_by_id, a.c.account_no, a.c.overdue_fen)
            .join(a, a.c.id == p.c.account_id)
            .where(p.c.taken_by_id.in_(_users(users)), p.c.promised_date == promised_on,
                   p.c.status.in_(list(statuses)))
            .order_by(p.c.amount_fen.desc(), p.c.id)
            .limit(LISTED)
        )  # fmt: skip
        return self._rows(query)

    def instalments_due(self, user_id: int, *, first: date, last: date) -> list[dict[str, Any]]:
        """The unsettled instalments from ``first`` to ``last`` of the active plans the user proposed."""
        i, plan, a = _INSTALMENT, _PLAN, _ACCOUNT
        query = (
            select(i.c.id, i.c.number, i.c.due_date, i.c.amount_fen, i.c.paid_fen, plan.c.id.label("plan_id"),
                   plan.c.kind, plan.c.account_id, a.c.account_no)
            .join(plan, plan.c.id == i.c.plan_id)
            .join(a, a.c.id == plan.c.account_id)
            .where(plan.c.proposed_by_id == user_id, plan.c.status == "active", i.c.status == "due",
                   i.c.due_date >= first, i.c.due_date <= last)
            .order_by(i.c.due_date, i.c.id)
            .limit(LISTED)
        )  # fmt: skip
        return self._rows(query)

    # --- the queue -----------------------------------------------------------------------------

    def held(self, users: Sequence[int], *, now: datetime) -> list[dict[str, Any]]:
        """The cases the users hold (claims whose lease runs), the longest held first."""
        x, a, u = _ACTION, _ACCOUNT, _USER
        query = (
            select(x.c.id.label("action_id"), x.c.account_id, x.c.claimed_by_id, x.c.claimed_at,
                   x.c.lease_until, x.c.segment, x.c.team_id, a.c.account_no, a.c.bucket, a.c.dpd,
                   a.c.overdue_fen, u.c.display_name.label("holder"))
            .join(a, a.c.id == x.c.account_id)
            .join(u, u.c.id == x.c.claimed_by_id)
            .where(x.c.claimed_by_id.in_(_users(users)), x.c.status == "claimed", x.c.lease_until >= now)
            .order_by(x.c.claimed_at, x.c.id)
            .limit(LISTED)
        )  # fmt: skip
        return self._rows(query)

    def reserved(self, users: Sequence[int], *, run_date: date, now: datetime) -> list[dict[str, Any]]:
        """The calls of the run reserved for the users and not held by them now, in hand-out order."""
        x, a = _ACTION, _ACCOUNT
        free = or_(x.c.status == "planned", and_(x.c.status == "claimed", x.c.lease_until < now))
        query = (
            select(x.c.id.label("action_id"), x.c.account_id, x.c.assigned_to_id, x.c.segment,
                   a.c.account_no, a.c.bucket, a.c.dpd, a.c.overdue_fen)
            .join(a, a.c.id == x.c.account_id)
            .where(x.c.assigned_to_id.in_(_users(users)), x.c.run_date == run_date, x.c.channel == "call",
                   free)
            .order_by(x.c.priority, x.c.id)
            .limit(LISTED)
        )  # fmt: skip
        return self._rows(query)

    def reserved_counts(self, users: Sequence[int], *, run_date: date, now: datetime) -> dict[int, int]:
        """How many of the run's calls are reserved for each of the users and not held now."""
        x = _ACTION
        free = or_(x.c.status == "planned", and_(x.c.status == "claimed", x.c.lease_until < now))
        query = (
            select(x.c.assigned_to_id, func.count())
            .where(
                x.c.assigned_to_id.in_(_users(users)), x.c.run_date == run_date, x.c.channel == "call", free
            )
            .group_by(x.c.assigned_to_id)
        )
        return {int(user): int(n) for user, n in self._connection.execute(query)}

    def waiting(self, *, user_id: int, team_id: int | None, run_date: date, now: datetime) -> int:
        """The run's calls the user could take next: free (planned, or a lapsed claim), of their team's
        queue or no team's, reserved for no one else."""
        x = _ACTION
        free = or_(x.c.status == "planned", and_(x.c.status == "claimed", x.c.lease_until < now))
        query = select(func.count()).where(
            x.c.run_date == run_date,
            x.c.channel == "call",
            free,
            or_(x.c.team_id.is_(None), x.c.team_id == team_id),
            or_(x.c.assigned_to_id.is_(None), x.c.assigned_to_id == user_id),
        )
        return int(self._connection.execute(query).scalar_one())

    def queue(self, *, team_id: int | None, run_date: date, now: datetime) -> list[dict[str, Any]]:
        """The run's calls of the team's queue (and no team's) by bucket, segment and state: free,
        reserved (for a collector), held (a claim running) and done (worked or withdrawn)."""
        x, a = _ACTION, _ACCOUNT
        state = case(
            (x.c.status.in_(("done", "withdrawn")), "done"),
            (and_(x.c.status == "claimed", x.c.lease_until >= now), "held"),
            (x.c.assigned_to_id.is_not(None), "reserved"),
            else_="free",
        ).label("state")
        rows = (
            select(a.c.bucket, x.c.segment, state)
            .join(a, a.c.id == x.c.account_id)
            .where(x.c.run_date == run_date, x.c.channel == "call",
                   or_(x.c.team_id.is_(None), x.c.team_id == team_id))
            .subquery()
        )  # fmt: skip
        query = (
            select(rows.c.bucket, rows.c.segment, rows.c.state, func.count().label("calls"))
            .group_by(rows.c.bucket, rows.c.segment, rows.c.state)
            .order_by(rows.c.bucket, rows.c.segment)
        )
        return self._rows(query)

    def segment_labels(self, run_date: date) -> dict[str, tuple[str, str]]:
        """The segments' labels (zh, en): those of the strategy the run used, over the built-in ones
        (a run that names no strategy, or whose text no longer parses, shows the built-in labels)."""
        r, v = _RUN, _VERSION
        found = self._connection.execute(
            select(v.c.sha256, v.c.text)
            .join(r, r.c.strategy_version_id == v.c.id)
            .where(r.c.run_date == run_date)
        ).first()
        return _built_in_labels() | ({} if found is None else _labels(found.sha256, found.text))

    # --- the day's figures ---------------------------------------------------------------------

    def figures(self, users: Sequence[int], *, start: datetime, end: datetime, first: date, last: date
                ) -> dict[int, Figures]:  # fmt: skip
        """Each user's calls and right-party contacts from ``start`` to ``end``, and the promises they
        took from ``first`` to ``last``, with their amount (collected: see :meth:`touches`)."""
        e, p, wanted = _EVENT, _PROMISE, _users(users)
        calls = select(e.c.user_id, func.count(), func.count().filter(_rpc())).where(
            e.c.user_id.in_(wanted), e.c.channel == "call", e.c.at >= start, e.c.at < end
        )
        promises = select(p.c.taken_by_id, func.count(), func.coalesce(func.sum(p.c.amount_fen), 0)).where(
            p.c.taken_by_id.in_(wanted), p.c.taken_on >= first, p.c.taken_on <= last
        )
        found = {one: Figures() for one in wanted}
        for user, n, rpcs in self._connection.execute(calls.group_by(e.c.user_id)):
            found[user] = found[user] + Figures(calls=int(n), rpcs=int(rpcs))
        for user, n, amount in self._connection.execute(promises.group_by(p.c.taken_by_id)):
            found[user] = found[user] + Figures(promises=int(n), promised_fen=int(amount))
        return found

    def _spoken(self, users: Sequence[int], *, since: datetime, until: datetime) -> Any:
        """The accounts the users had a right-party contact with from ``since`` to ``until``."""
        e = _EVENT
        return select(e.c.account_id).where(
            e.c.user_id.in_(_users(users)), e.c.at >= since, e.c.at < until, _rpc()
        )

    def paid_days(self, users: Sequence[int], *, first: date, last: date, since: datetime, until: datetime
                  ) -> list[date]:  # fmt: skip
        """The days from ``first`` to ``last`` with payments on the accounts the users spoke with the
        debtor of from ``since`` to ``until`` (usually one: the business date)."""
        pay = _PAYMENT
        query = select(pay.c.paid_date).distinct().where(
            pay.c.account_id.in_(self._spoken(users, since=since, until=until)),
            pay.c.paid_date >= first, pay.c.paid_date <= last,
        )  # fmt: skip
        return sorted(self._connection.execute(query).scalars())

    def payments_on(self, users: Sequence[int], *, day: date, since: datetime, until: datetime
                    ) -> tuple[list[Received], list[Touch]]:  # fmt: skip
        """The payments of ``day`` on the accounts the users spoke with the debtor of from ``since`` to
        ``until`` (the day's end), and for each of those accounts the last right-party contacts by
        anyone in that time (the ones a payment may be credited to; several only at the same instant),
        each with its UTC day (``Touch.on``: the caller moves it to the local day)."""
        pay, e = _PAYMENT, _EVENT
        paid = pay.c.account_id.in_(self._spoken(users, since=since, until=until)), pay.c.paid_date == day
        payments = self._connection.execute(select(pay.c.account_id, pay.c.amount_fen).where(*paid))
        received = [Received(int(account), int(fen), day) for account, fen in payments]
        if not received:
            return [], []
        spoke = (e.c.user_id.is_not(None), e.c.at >= since, e.c.at < until, _rpc())
        last = (
            select(e.c.account_id, func.max(e.c.at).label("at"))
            .where(e.c.account_id.in_(select(pay.c.account_id).where(*paid)), *spoke)
            .group_by(e.c.account_id)
            .subquery()
        )
        query = (
            select(e.c.account_id, e.c.user_id, e.c.at)
            .join(last, and_(e.c.account_id == last.c.account_id, e.c.at == last.c.at))
            .where(*spoke)
        )
        touches = [Touch(int(a), int(u), at, at.date()) for a, u, at in self._connection.execute(query)]
        return received, touches

    # --- targets ---------------------------------------------------------------------------------

    def targets(
        self, *, team_id: int, users: Sequence[int], on: date
    ) -> tuple[Target | None, dict[int, Target]]:
        """The day's target of the team and those of the users (by user id)."""
        g = _TARGET
        query = select(g.c.user_id, g.c.calls, g.c.rpcs, g.c.promises, g.c.collected_fen).where(
            g.c.target_date == on,
            or_(and_(g.c.user_id.is_(None), g.c.team_id == team_id), g.c.user_id.in_(_users(users))),
        )
        team, own = None, {}
        for user, *figures in self._connection.execute(query):
            if user is None:
                team = _target(figures)
            else:
                own[int(user)] = _target(figures)
        return team, own

    def target_row(self, *, on: date, team_id: int, user_id: int | None) -> int | None:
        """The id of the day's target row of the team (``user_id`` None) or of the user."""
        g = _TARGET
        mine = (
            g.c.user_id == user_id
            if user_id is not None
            else and_(g.c.user_id.is_(None), g.c.team_id == team_id)
        )
        found = self._connection.execute(select(g.c.id).where(g.c.target_date == on, mine)).scalar()
        return None if found is None else int(found)

    def put_target(self, *, row_id: int | None, values: dict[str, Any]) -> None:
        g = _TARGET
        if row_id is None:
            self._connection.execute(insert(g).values(**values))
        else:
            self._connection.execute(update(g).where(g.c.id == row_id).values(**values))

    def drop_target(self, row_id: int) -> None:
        self._connection.execute(delete(_TARGET).where(_TARGET.c.id == row_id))

    def lock_team(self, team_id: int) -> None:
        """Queues up the writes of one team's targets (PostgreSQL; SQLite holds its write lock)."""
        self._connection.execute(select(_TEAM.c.id).where(_TEAM.c.id == team_id).with_for_update())


@lru_cache(maxsize=1)
def _built_in_labels() -> dict[str, tuple[str, str]]:
    found: dict[str, tuple[str, str]] = {}
    for name in BUILT_IN:
        strategy = load_strategy(name)
        found |= _labels(strategy.sha256, strategy.text)
    return found


@lru_cache(maxsize=16)
def _labels(sha256: str, text: str) -> dict[str, tuple[str, str]]:
    try:
        strategy = parse_strategy(text, f"strategy {sha256[:8]}").strategy
    except ConfigurationError:
        return {}
    return {one.id: (one.label.zh, one.label.en) for one in strategy.segments}


def _target(figures: Sequence[Any]) -> Target:
    calls, rpcs, promises, collected = figures
    return Target(calls, rpcs, promises, None if collected is None else int(collected))


ATTRIBUTION = timedelta(days=ATTRIBUTION_DAYS + 1)  # the window's start, a day's margin for time zones
