"""The agency register's SQL: agencies, their users (the users of the teams naming the agency's code)
and the accounts placed with them. SQL only."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from arrears.models import Agency, AgencyPlacement, AppUser, CardAccount, Team, table_of

_AGENCY, _PLACEMENT, _USER, _TEAM, _ACCOUNT = (
    table_of(Agency), table_of(AgencyPlacement), table_of(AppUser), table_of(Team), table_of(CardAccount),
)  # fmt: skip


def running_on(day: date) -> tuple[Any, ...]:
    """The placements an agency holds on ``day`` (and sees): in their period and not recalled."""
    p = _PLACEMENT
    return (p.c.placed_on <= day, p.c.ends_on >= day, p.c.recalled_on.is_(None))


class RegisterRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def agency(self, code: str, *, lock: bool = False) -> dict[str, Any] | None:
        query = select(_AGENCY).where(_AGENCY.c.code == code)
        row = self._connection.execute(query.with_for_update() if lock else query).mappings().first()
        return dict(row) if row else None

    def agencies(self) -> list[dict[str, Any]]:
        return [
            dict(row) for row in self._connection.execute(select(_AGENCY).order_by(_AGENCY.c.code)).mappings()
        ]

    def add(self, values: dict[str, Any]) -> int:
        return int(
            self._connection.execute(insert(_AGENCY).values(values).returning(_AGENCY.c.id)).scalar_one()
        )

    def change(self, code: str, values: dict[str, Any]) -> bool:
        done = self._connection.execute(update(_AGENCY).where(_AGENCY.c.code == code).values(values))
        return done.rowcount == 1

    def placed_counts(self, day: date) -> dict[str, int]:
        """The accounts each agency holds on ``day``, by agency code."""
        p = _PLACEMENT
        query = select(p.c.agency_code, func.count()).where(*running_on(day)).group_by(p.c.agency_code)
        return {str(code): int(count) for code, count in self._connection.execute(query)}

    def users(self, codes: list[str] | None = None) -> dict[str, list[dict[str, Any]]]:
        """The users of the teams naming each agency code (all codes, or those given), by code."""
        u, t = _USER, _TEAM
        query = (
            select(t.c.agency_code, t.c.code.label("team"), u.c.id, u.c.username, u.c.display_name, u.c.role,
                   u.c.is_active)
            .join(t, t.c.id == u.c.team_id)
            .where(t.c.agency_code.is_not(None))
            .order_by(t.c.agency_code, u.c.username)
        )  # fmt: skip
        if codes is not None:
            query = query.where(t.c.agency_code.in_(codes))
        found: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self._connection.execute(query).mappings():
            found[str(row["agency_code"])].append(dict(row))
        return dict(found)

    def teams(self, code: str) -> list[str]:
        t = _TEAM
        return [str(one) for one in self._connection.execute(
            select(t.c.code).where(t.c.agency_code == code).order_by(t.c.code)).scalars()]  # fmt: skip

    def placements(self, code: str, *, day: date, limit: int) -> list[dict[str, Any]]:
        """The accounts the agency holds on ``day``, the soonest ending first (at most ``limit``)."""
        p, a = _PLACEMENT, _ACCOUNT
        query = (
            select(p.c.id, p.c.account_id, a.c.account_no, a.c.bucket, a.c.overdue_fen, p.c.placed_on,
                   p.c.ends_on, p.c.batch_id)
            .join(a, a.c.id == p.c.account_id)
            .where(p.c.agency_code == code, *running_on(day))
            .order_by(p.c.ends_on, p.c.id)
            .limit(limit)
        )  # fmt: skip
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def recalled(self, code: str, *, limit: int) -> list[dict[str, Any]]:
        """The agency's latest recalled placements (the latest recall first)."""
        p, a = _PLACEMENT, _ACCOUNT
        query = (
            select(p.c.id, p.c.account_id, a.c.account_no, p.c.placed_on, p.c.ends_on, p.c.recalled_on,
                   p.c.recalled_at, p.c.recall_reason)
            .join(a, a.c.id == p.c.account_id)
            .where(p.c.agency_code == code, p.c.recalled_on.is_not(None))
            .order_by(p.c.recalled_at.desc(), p.c.id.desc())
            .limit(limit)
        )  # fmt: skip
        return [dict(row) for row in self._connection.execute(query).mappings()]
