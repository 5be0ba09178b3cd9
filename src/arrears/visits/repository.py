"""All SQL of visit planning: the day's candidates (visit actions, requests, appointments) with their
addresses, visitor profiles and pairs, and the day's routes and stops. The caller owns the
connection and its transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, exists, func, insert, or_, select, update

from arrears.contacts.hold_scope import unscoped
from arrears.debtsale.exclusion import unsold
from arrears.models import (
    AccountScore,
    AppUser,
    CardAccount,
    CaseRequest,
    CollectionAction,
    ContactPoint,
    DailyRun,
    Hold,
    Team,
    VisitAppointment,
    VisitAvailability,
    VisitorProfile,
    VisitPair,
    VisitRoute,
    VisitStop,
    table_of,
)

_ACCOUNT, _SCORE, _USER, _TEAM = (
    table_of(CardAccount),
    table_of(AccountScore),
    table_of(AppUser),
    table_of(Team),
)
_ACTION, _REQUEST, _POINT, _RUN = (
    table_of(CollectionAction),
    table_of(CaseRequest),
    table_of(ContactPoint),
    table_of(DailyRun),
)
_APPOINTMENT, _PROFILE, _PAIR = table_of(VisitAppointment), table_of(VisitorProfile), table_of(VisitPair)
_ROUTE, _STOP, _AVAILABILITY = table_of(VisitRoute), table_of(VisitStop), table_of(VisitAvailability)
_HOLD = table_of(Hold)
ADDRESS_KINDS = ("home_address", "work_address")  # in order of preference
REPLACEABLE = ("planned", "cancelled")  # route statuses that planning again may replace


class VisitRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- the day's candidates ----------------------------------------------------------------------

    def last_completed_run(self, *, on_or_before: date) -> date | None:
        query = select(func.max(_RUN.c.run_date)).where(
            _RUN.c.status == "completed", _RUN.c.run_date <= on_or_before
        )
        found: date | None = self._connection.execute(query).scalar()
        return found

    def visit_actions(self, *, run_date: date) -> list[dict[str, Any]]:
        """The run's visit candidates: account, customer, account number and expected value."""
        a, c = _ACTION, _ACCOUNT
        query = (
            select(a.c.account_id, a.c.customer_id, a.c.value_fen, c.c.account_no)
            .join(c, c.c.id == a.c.account_id)
            .where(a.c.run_date == run_date, a.c.channel == "visit", a.c.status != "cancelled")
            .where(unsold(a.c.account_id))
            .order_by(a.c.account_id)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def open_visit_requests(self) -> list[dict[str, Any]]:
        """Open visit requests with the account's overdue amount and its latest probability of default
        (None when the account was never scored)."""
        r, c, s = _REQUEST, _ACCOUNT, _SCORE
        query = (
            select(r.c.account_id, r.c.customer_id, c.c.account_no, c.c.overdue_fen, s.c.p_default)
            .join(c, c.c.id == r.c.account_id)
            .outerjoin(s, s.c.account_id == r.c.account_id)
            .where(r.c.kind == "visit", r.c.status == "open", unsold(r.c.account_id))
            .order_by(r.c.account_id)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def open_appointments(self, *, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """Open appointments starting in [start, end) (UTC), with the account's customer, number, overdue
        amount and latest probability of default."""
        p, c, s = _APPOINTMENT, _ACCOUNT, _SCORE
        query = (
            select(
                p.c.id,
                p.c.account_id,
                p.c.starts_at,
                p.c.ends_at,
                c.c.customer_id,
                c.c.account_no,
                c.c.overdue_fen,
                s.c.p_default,
            )
            .join(c, c.c.id == p.c.account_id)
            .outerjoin(s, s.c.account_id == p.c.account_id)
            .where(p.c.status == "open", p.c.starts_at >= start, p.c.starts_at < end, unsold(p.c.account_id))
            .order_by(p.c.starts_at, p.c.id)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def availability(self, customer_ids: Sequence[int], *, weekday: int) -> dict[int, list[tuple[int, int]]]:
        """The customers' availability windows (start, end minutes) on the weekday or every day."""
        if not customer_ids:
            return {}
        a = _AVAILABILITY
        query = (
            select(a.c.customer_id, a.c.start_minute, a.c.end_minute)
            .where(
                a.c.customer_id.in_(sorted(set(customer_ids))),
                (a.c.weekday == weekday) | a.c.weekday.is_(None),
            )
            .order_by(a.c.customer_id, a.c.start_minute, a.c.end_minute, a.c.id)
        )
        found: dict[int, list[tuple[int, int]]] = {}
        for customer_id, start, end in self._connection.execute(query):
            found.setdefault(customer_id, []).append((start, end))
        return found

    def active_holds(
        self, customer_ids: Sequence[int], *, at: datetime
    ) -> dict[int, list[tuple[int | None, str]]]:
        """Per customer, the holds active at ``at``: (account id, None for all the customer's accounts;
        kind)."""
        if not customer_ids:
            return {}
        h = _HOLD
        query = (
            select(h.c.customer_id, h.c.account_id, h.c.kind)
            .where(
                h.c.customer_id.in_(sorted(set(customer_ids))),
                unscoped(h),  # a hold naming one collector or agency does not stop a visit
                h.c.placed_at <= at,
                or_(h.c.lifted_at.is_(None), h.c.lifted_at > at),
                or_(h.c.expires_at.is_(None), h.c.expires_at > at),
            )
            .order_by(h.c.customer_id, h.c.id)
        )
        found: dict[int, list[tuple[int | None, str]]] = {}
        for customer_id, account_id, kind in self._connection.execute(query):
            found.setdefault(customer_id, []).append((account_id, kind))
        return found

    def addresses(self, customer_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        """Per customer, the address to visit: the primary home address with coordinates first, then a
        work address (only addresses with coordinates; the masked text, never the clear one)."""
        if not customer_ids:
            return {}
        p = _POINT
        query = (
            select(p.c.id, p.c.customer_id, p.c.kind, p.c.district, p.c.lat, p.c.lon, p.c.value_masked)
            .where(
                p.c.customer_id.in_(sorted(set(customer_ids))),
                p.c.kind.in_(ADDRESS_KINDS),
                p.c.lat.is_not(None),
                p.c.lon.is_not(None),
            )
            .order_by(p.c.customer_id, p.c.is_primary.desc(), p.c.id)
        )
        found: dict[int, dict[str, Any]] = {}
        for row in self._connection.execute(query).mappings():
            best = found.get(row["customer_id"])
            if best is None or ADDRESS_KINDS.index(row["kind"]) < ADDRESS_KINDS.index(best["kind"]):
                found[row["customer_id"]] = dict(row)
        return found

    # --- visitors and pairs ----------------------------------------------------------------------

    def user(self, username: str) -> dict[str, Any] | None:
        u = _USER
        query = select(u.c.id, u.c.username, u.c.role, u.c.is_active).where(u.c.username == username)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def team_id(self, code: str) -> int | None:
        found: int | None = self._connection.execute(select(_TEAM.c.id).where(_TEAM.c.code == code)).scalar()
        return found

    def account(self, account_no: str) -> dict[str, Any] | None:
        query = select(_ACCOUNT.c.id, _ACCOUNT.c.customer_id).where(_ACCOUNT.c.account_no == account_no)
        row = self._connection.execute(query).mappings().first()
        return dict(row) if row else None

    def save_profile(self, values: dict[str, Any]) -> None:
        """Creates or replaces the visitor's profile."""
        user_id = values["user_id"]
        changed = self._connection.execute(
            update(_PROFILE).where(_PROFILE.c.user_id == user_id).values(**values)
        ).rowcount
        if changed == 0:
            self._connection.execute(insert(_PROFILE).values(**values))

    def pair_code_taken(self, code: str) -> bool:
        return self._connection.execute(select(_PAIR.c.id).where(_PAIR.c.code == code)).first() is not None

    def add_pair(self, values: dict[str, Any]) -> int:
        return int(
            self._connection.execute(insert(_PAIR).values(**values).returning(_PAIR.c.id)).scalar_one()
        )

    def add_appointment(self, values: dict[str, Any]) -> int:
        new = insert(_APPOINTMENT).values(**values).returning(_APPOINTMENT.c.id)
        return int(self._connection.execute(new).scalar_one())

    def add_availability(self, values: dict[str, Any]) -> int:
        new = insert(_AVAILABILITY).values(**values).returning(_AVAILABILITY.c.id)
        return int(self._connection.execute(new).scalar_one())

    def active_pairs(self) -> list[dict[str, Any]]:
        """Active pairs with each member's username, whether active, and profile (None columns when the
        member has no profile)."""
        rows = self._connection.execute(
            select(_PAIR.c.id, _PAIR.c.code, _PAIR.c.first_user_id, _PAIR.c.second_user_id)
            .where(_PAIR.c.is_active.is_(True))
            .order_by(_PAIR.c.code)
        ).mappings()
        pairs = [dict(row) for row in rows]
        members = {m for p in pairs for m in (p["first_user_id"], p["second_user_id"])}
        people = self._members(members)
        for pair in pairs:
            pair["first"] = people.get(pair["first_user_id"])
            pair["second"] = people.get(pair["second_user_id"])
        return pairs

    def _members(self, user_ids: set[int]) -> dict[int, dict[str, Any]]:
        if not user_ids:
            return {}
        u, p = _USER, _PROFILE
        query = (
            select(u.c.id, u.c.username, u.c.is_active, p)
            .outerjoin(p, p.c.user_id == u.c.id)
            .where(u.c.id.in_(sorted(user_ids)))
        )
        return {row["id"]: dict(row) for row in self._connection.execute(query).mappings()}

    # --- routes ----------------------------------------------------------------------------------

    def started_routes(self, *, plan_date: date) -> list[dict[str, Any]]:
        """The day's routes that planning must keep: started or finished, or with a stop under way."""
        r = _ROUTE
        query = select(r.c.id, r.c.pair_id).where(r.c.plan_date == plan_date, ~self._replaceable())
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def accounts_on_routes(self, route_ids: Sequence[int]) -> set[int]:
        if not route_ids:
            return set()
        query = select(_STOP.c.account_id).where(_STOP.c.route_id.in_(list(route_ids)))
        return {int(one) for one in self._connection.execute(query).scalars()}

    def delete_replaceable_routes(self, *, plan_date: date) -> int:
        """Deletes the day's routes that have not started (their stops first: SQLite may not cascade)."""
        r = _ROUTE
        ids = list(
            self._connection.execute(
                select(r.c.id).where(r.c.plan_date == plan_date, self._replaceable())
            ).scalars()
        )
        if ids:
            self._connection.execute(delete(_STOP).where(_STOP.c.route_id.in_(ids)))
            self._connection.execute(delete(r).where(r.c.id.in_(ids)))
        return len(ids)

    def _replaceable(self) -> Any:
        under_way = exists().where(_STOP.c.route_id == _ROUTE.c.id, _STOP.c.status != "planned")
        return and_(_ROUTE.c.status.in_(REPLACEABLE), ~under_way)

    def add_route(self, values: dict[str, Any], stops: list[dict[str, Any]]) -> int:
        new = insert(_ROUTE).values(**values).returning(_ROUTE.c.id)
        route_id = int(self._connection.execute(new).scalar_one())
        if stops:
            self._connection.execute(insert(_STOP), [{**stop, "route_id": route_id} for stop in stops])
        return route_id

    def day_routes(self, *, plan_date: date) -> list[dict[str, Any]]:
        """The day's routes by pair code, each with its stops in order (masked address, district)."""
        r, pair = _ROUTE, _PAIR
        routes = [
            {**row, "stops": []}
            for row in self._connection.execute(
                select(r, pair.c.code.label("pair_code"), pair.c.first_user_id)
                .join(pair, pair.c.id == r.c.pair_id)
                .where(r.c.plan_date == plan_date)
                .order_by(pair.c.code)
            ).mappings()
        ]
        by_id = {route["id"]: route for route in routes}
        if not by_id:
            return routes
        s, c, p = _STOP, _ACCOUNT, _POINT
        requested = exists().where(
            _REQUEST.c.account_id == s.c.account_id, _REQUEST.c.kind == "visit", _REQUEST.c.status == "open"
        )
        query = (
            select(
                s,
                c.c.account_no,
                p.c.district,
                p.c.value_masked.label("address_masked"),
                requested.label("requested"),
            )
            .join(c, c.c.id == s.c.account_id)
            .outerjoin(p, p.c.id == s.c.contact_point_id)
            .where(s.c.route_id.in_(list(by_id)))
            .order_by(s.c.route_id, s.c.sequence)
        )
        for row in self._connection.execute(query).mappings():
            by_id[row["route_id"]]["stops"].append(dict(row))
        return routes

    def bases(self, user_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
        if not user_ids:
            return {}
        query = select(_PROFILE).where(_PROFILE.c.user_id.in_(sorted(set(user_ids))))
        return {row["user_id"]: dict(row) for row in self._connection.execute(query).mappings()}
