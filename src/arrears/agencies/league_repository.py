"""The SQL of the agencies' league table beyond what commissions read: the promises the agencies' users
took on placed accounts, the complaints and complaint holds on placed accounts, the rulebook's blocks
of the agencies' actions. Read only; the caller owns the transaction."""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, and_, func, select

from arrears.agencies.commission_repository import last_day_held, local_bounds
from arrears.kit.sql_lists import one_of
from arrears.models import (
    AgencyPlacement,
    AppUser,
    AuditEvent,
    CardAccount,
    Hold,
    PromiseToPay,
    ServiceCase,
    ServiceCaseHold,
    Team,
    table_of,
)

_PLACEMENT, _PROMISE, _USER, _TEAM = (
    table_of(AgencyPlacement),
    table_of(PromiseToPay),
    table_of(AppUser),
    table_of(Team),
)
_CASE, _HOLD, _CASE_HOLD = table_of(ServiceCase), table_of(Hold), table_of(ServiceCaseHold)
_AUDIT, _ACCOUNT = table_of(AuditEvent), table_of(CardAccount)
DECISION = "compliance.decision"  # arrears.compliance.record.DECISION


class LeagueRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def promises(self, first: date, last: date) -> dict[str, dict[str, int]]:
        """Per agency, the promises by status that its users took on accounts placed with it (taken while
        placed) falling due in the month."""
        p, t, u, pl = _PROMISE, _TEAM, _USER, _PLACEMENT
        query = (
            select(pl.c.agency_code, p.c.status, func.count())
            .select_from(p)
            .join(u, u.c.id == p.c.taken_by_id)
            .join(t, t.c.id == u.c.team_id)
            .join(pl, and_(pl.c.account_id == p.c.account_id, pl.c.agency_code == t.c.agency_code,
                           pl.c.placed_on <= p.c.taken_on, last_day_held() >= p.c.taken_on))
            .where(p.c.promised_date >= first, p.c.promised_date <= last)
            .group_by(pl.c.agency_code, p.c.status)
        )  # fmt: skip
        found: dict[str, dict[str, int]] = {}
        for code, status, count in self._connection.execute(query):
            found.setdefault(str(code), {})[str(status)] = int(count)
        return found

    def complaints(self, first: date, last: date, zone: ZoneInfo) -> list[tuple[int, date]]:
        """The month's complaints as ``(account_id, local day)``: service cases of kind complaint, and
        complaint holds no service case placed (a hold on the whole customer: each of their accounts)."""
        start, end = local_bounds(first, last, zone)
        c, h, ch, a = _CASE, _HOLD, _CASE_HOLD, _ACCOUNT
        found = [
            (int(account), at.astimezone(zone).date())
            for account, at in self._connection.execute(
                select(c.c.account_id, c.c.received_at).where(
                    c.c.kind == "complaint", c.c.received_at >= start, c.c.received_at < end
                )
            )
        ]
        of_case = select(ch.c.hold_id).where(ch.c.hold_id == h.c.id).exists()
        holds = self._connection.execute(
            select(h.c.account_id, h.c.customer_id, h.c.placed_at).where(
                h.c.kind == "complaint", h.c.placed_at >= start, h.c.placed_at < end, ~of_case
            )
        ).all()
        customers = {int(row.customer_id) for row in holds if row.account_id is None}
        accounts_of: dict[int, list[int]] = {}
        if customers:
            for account, customer in self._connection.execute(
                select(a.c.id, a.c.customer_id).where(one_of(self._connection, a.c.customer_id, customers))
            ):
                accounts_of.setdefault(int(customer), []).append(int(account))
        for row in holds:
            day = row.placed_at.astimezone(zone).date()
            accounts = (
                [int(row.account_id)] if row.account_id is not None else accounts_of.get(row.customer_id, [])
            )
            found.extend((account, day) for account in accounts)
        return found

    def agency_users(self) -> dict[str, str]:
        """The agencies' users: username -> agency code."""
        u, t = _USER, _TEAM
        query = (
            select(u.c.username, t.c.agency_code)
            .join(t, t.c.id == u.c.team_id)
            .where(t.c.agency_code.is_not(None))
        )
        return {str(name): str(code) for name, code in self._connection.execute(query)}

    def blocks(self, first: date, last: date, zone: ZoneInfo, users: dict[str, str]) -> dict[str, int]:
        """Per agency, the rulebook decisions recorded in the month that blocked it: actor ``agency:CODE``
        or one of the agency's users."""
        start, end = local_bounds(first, last, zone)
        e = _AUDIT
        found: dict[str, int] = {}
        rows = self._connection.execute(
            select(e.c.actor, e.c.details).where(e.c.at >= start, e.c.at < end, e.c.action == DECISION)
        )
        for actor, details in rows:
            code = actor.split(":", 1)[1] if actor.startswith("agency:") else users.get(actor)
            if code and _blocked(details):
                found[code] = found.get(code, 0) + 1
        return found


def _blocked(details: str) -> bool:
    try:
        parsed: Any = json.loads(details)
    except ValueError:
        return False
    return isinstance(parsed, dict) and parsed.get("decision") == "block"
