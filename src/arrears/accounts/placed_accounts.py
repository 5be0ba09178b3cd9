"""The accounts placed with an agency on a day, a page at a time, with their count and sums (the agency
user's first screen). SQL only; read only."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, select

from arrears.models import AgencyPlacement, CardAccount, Team, table_of

ENDING_DAYS = 7  # a placement ending this soon is flagged
_PLACEMENT, _ACCOUNT, _TEAM = table_of(AgencyPlacement), table_of(CardAccount), table_of(Team)


def agency_of_team(connection: Connection, team_id: int | None) -> str | None:
    """The agency code of the user's team (None: no team, or not an agency's)."""
    if team_id is None:
        return None
    found = connection.execute(select(_TEAM.c.agency_code).where(_TEAM.c.id == team_id)).scalar()
    return None if found is None else str(found)


def placed_page(
    connection: Connection, *, agency_code: str, day: date, offset: int, limit: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The accounts placed with ``agency_code`` whose placement runs on ``day`` and was not recalled, the
    most overdue first (``offset``, ``limit``), and the totals of all of them: ``accounts``,
    ``overdue_fen``, ``ending`` (placements ending within ``ENDING_DAYS`` of ``day``)."""
    p, a = _PLACEMENT, _ACCOUNT
    running = (p.c.agency_code == agency_code, p.c.placed_on <= day, p.c.ends_on >= day,
               p.c.recalled_on.is_(None))  # fmt: skip
    ending = case((p.c.ends_on <= day + timedelta(days=ENDING_DAYS), 1), else_=0)
    totals = connection.execute(
        select(func.count(), func.coalesce(func.sum(a.c.overdue_fen), 0), func.coalesce(func.sum(ending), 0))
        .select_from(p)
        .join(a, a.c.id == p.c.account_id)
        .where(*running)
    ).one()
    rows = connection.execute(
        select(
            a.c.id.label("account_id"),
            a.c.account_no,
            a.c.account_tail,
            a.c.dpd,
            a.c.bucket,
            a.c.overdue_fen,
            a.c.status,
            p.c.placed_on,
            p.c.ends_on,
        )
        .join(a, a.c.id == p.c.account_id)
        .where(*running)
        .order_by(a.c.overdue_fen.desc(), a.c.id)
        .offset(offset)
        .limit(limit)
    ).mappings()
    found = [dict(row) | {"days_left": (row["ends_on"] - day).days} for row in rows]
    return found, {"accounts": int(totals[0]), "overdue_fen": int(totals[1]), "ending": int(totals[2])}
