"""Data scope: which accounts a user may open.

Collectors and visitors see the accounts they or their team took from the queue; agency users only
the accounts placed with their team's agency, while the placement runs; team leads, managers,
legal, compliance, customer service and admins see the book.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, exists, func, select
from sqlalchemy.sql.selectable import Exists

from arrears.models import AgencyPlacement, AppUser, CollectionAction, DailyRun, Team, table_of
from arrears.users.service import StaffUser

BOOK_WIDE = frozenset({"team_lead", "manager", "legal", "compliance", "customer_service", "admin"})
_ACTION, _USER, _TEAM, _PLACEMENT = (
    table_of(CollectionAction), table_of(AppUser), table_of(Team), table_of(AgencyPlacement)
)  # fmt: skip


def may_open(connection: Connection, user: StaffUser, account_id: int, *, on: date | None = None) -> bool:
    """Whether ``user`` may open the account (``on``: the day an agency placement must cover; by
    default the business date of the latest completed run)."""
    if user.role in BOOK_WIDE:
        return True
    if user.role in ("collector", "visitor"):
        return connection.execute(select(_worked_by_team(user, account_id))).scalar() is True
    if user.role == "agency_user" and user.team_id is not None:
        return connection.execute(select(_placed_with_agency(user, account_id, on))).scalar() is True
    return False


def _worked_by_team(user: StaffUser, account_id: int) -> Exists:
    x, u = _ACTION, _USER
    if user.team_id is None:
        return exists().where(x.c.account_id == account_id, x.c.claimed_by_id == user.id)
    team_member = select(u.c.id).where(u.c.team_id == user.team_id)
    return exists().where(x.c.account_id == account_id, x.c.claimed_by_id.in_(team_member))


def _placed_with_agency(user: StaffUser, account_id: int, on: date | None) -> Exists:
    p, t = _PLACEMENT, _TEAM
    day = on if on is not None else _business_date()
    agency = select(t.c.agency_code).where(t.c.id == user.team_id).scalar_subquery()
    return exists().where(
        p.c.account_id == account_id, p.c.agency_code == agency, p.c.placed_on <= day, p.c.ends_on >= day
    )


def _business_date() -> Any:
    run = table_of(DailyRun)
    return select(func.max(run.c.run_date)).where(run.c.status == "completed").scalar_subquery()
