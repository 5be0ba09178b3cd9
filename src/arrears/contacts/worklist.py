"""The accounts an agency user works: those placed with their agency on the business date."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from arrears.models import (
    AgencyPlacement,
    CardAccount,
    DailyRun,
    Team,
    table_of,
)
from arrears.users.service import StaffUser

_RUN, _ACCOUNT = table_of(DailyRun), table_of(CardAccount)


def placed_with_agency(connection: Connection, user: StaffUser, *, limit: int = 200) -> list[dict[str, Any]]:
    """The accounts placed with the user's agency on the business date, the most overdue first."""
    p, t, acc = table_of(AgencyPlacement), table_of(Team), _ACCOUNT
    day = select(func.max(_RUN.c.run_date)).where(_RUN.c.status == "completed").scalar_subquery()
    agency = select(t.c.agency_code).where(t.c.id == user.team_id).scalar_subquery()
    rows = connection.execute(
        select(
            acc.c.id.label("account_id"),
            acc.c.account_no,
            acc.c.dpd,
            acc.c.bucket,
            acc.c.overdue_fen,
            p.c.ends_on,
        )
        .join(acc, acc.c.id == p.c.account_id)
        .where(p.c.agency_code == agency, p.c.placed_on <= day, p.c.ends_on >= day, p.c.recalled_on.is_(None))
        .order_by(acc.c.overdue_fen.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]
