"""Data scope: which accounts a user may open.

Only a role with ``account:read`` opens any account. Collectors and visitors open the accounts of
their current work: a claim of theirs or of a team mate that is still open (its lease running), a
call of the current business date (the latest completed run's) that they or a team mate worked
(``done``) or held when a payment withdrew it (``withdrawn``), and an open callback of their own due
within ``CALLBACK_DAYS`` of now. A lapsed claim, an earlier day's work, a claim taken over by someone
else or a callback far from now grants nothing. Agency users open only the accounts placed with their
team's agency, while the placement runs and until it is recalled; lawyers only the accounts whose open
legal case is assigned to their law firm; team leads, managers, legal, compliance and customer service
see the book.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, exists, func, or_, select
from sqlalchemy.sql.selectable import Exists

from arrears.contacts.call_rules import CALLBACK_DAYS
from arrears.kit.clock import now as clock_now
from arrears.models import (
    AgencyPlacement,
    AppUser,
    Callback,
    CollectionAction,
    DailyRun,
    LegalCase,
    Team,
    table_of,
)
from arrears.users.permissions import allowed
from arrears.users.service import StaffUser

_CASE = table_of(LegalCase)
BOOK_WIDE = frozenset({"team_lead", "manager", "legal", "compliance", "customer_service", "admin"})
_ACTION, _USER, _TEAM, _PLACEMENT, _CALLBACK = (
    table_of(CollectionAction), table_of(AppUser), table_of(Team), table_of(AgencyPlacement),
    table_of(Callback),
)  # fmt: skip


def may_open(
    connection: Connection,
    user: StaffUser,
    account_id: int,
    *,
    on: date | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether ``user`` may open the account (``on``: the day an agency placement must cover; by
    default the business date of the latest completed run; ``now``: the instant a claim's lease must
    cover, by default the clock's)."""
    if not allowed(user.role, "account:read"):
        return False
    if user.role in BOOK_WIDE:
        return True
    if user.role in ("collector", "visitor"):
        moment = now if now is not None else clock_now()
        return connection.execute(select(_current_work(user, account_id, moment))).scalar() is True
    if user.role == "agency_user" and user.team_id is not None:
        return connection.execute(select(_placed_with_agency(user, account_id, on))).scalar() is True
    if user.role == "lawyer" and user.team_id is not None:
        return connection.execute(select(_firms_case(user, account_id))).scalar() is True
    return False


def _firms_case(user: StaffUser, account_id: int) -> Exists:
    """An open legal case on the account assigned to the user's law firm."""
    c = _CASE
    return exists().where(
        c.c.account_id == account_id, c.c.firm_team_id == user.team_id, c.c.stage != "closed"
    )


def _current_work(user: StaffUser, account_id: int, now: datetime) -> ColumnElement[bool]:
    x, u, c = _ACTION, _USER, _CALLBACK
    if user.team_id is None:
        workers: Any = x.c.claimed_by_id == user.id
    else:
        workers = x.c.claimed_by_id.in_(select(u.c.id).where(u.c.team_id == user.team_id))
    open_claim = and_(x.c.status == "claimed", x.c.lease_until >= now)
    # worked, or withdrawn by a payment (arrears.payments.effects) while claimed: still opens, shows why
    worked_today = and_(x.c.status.in_(("done", "withdrawn")), x.c.run_date == _business_date())
    claimed: Exists = exists().where(x.c.account_id == account_id, workers, or_(open_claim, worked_today))
    horizon = timedelta(days=CALLBACK_DAYS)  # an open callback due near now; not one long past or far ahead
    callback: Exists = exists().where(
        c.c.account_id == account_id, c.c.user_id == user.id, c.c.status == "open",
        c.c.due_at.between(now - horizon, now + horizon),
    )  # fmt: skip
    return or_(claimed, callback)


def _placed_with_agency(user: StaffUser, account_id: int, on: date | None) -> Exists:
    p, t = _PLACEMENT, _TEAM
    day = on if on is not None else _business_date()
    agency = select(t.c.agency_code).where(t.c.id == user.team_id).scalar_subquery()
    return exists().where(
        p.c.account_id == account_id, p.c.agency_code == agency, p.c.placed_on <= day, p.c.ends_on >= day,
        p.c.recalled_on.is_(None),  # a recalled account leaves the agency at once
    )  # fmt: skip


def _business_date() -> Any:
    run = table_of(DailyRun)
    return select(func.max(run.c.run_date)).where(run.c.status == "completed").scalar_subquery()
