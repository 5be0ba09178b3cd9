"""A user's work at a glance: the cases they hold, what they did today, what the queue holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from arrears.models import (
    AgencyPlacement,
    CardAccount,
    CollectionAction,
    ContactEvent,
    DailyRun,
    Team,
    table_of,
)
from arrears.users.service import StaffUser

_ACTION, _RUN, _EVENT, _ACCOUNT = (
    table_of(CollectionAction),
    table_of(DailyRun),
    table_of(ContactEvent),
    table_of(CardAccount),
)


def my_work(connection: Connection, user: StaffUser, *, now: datetime) -> dict[str, Any]:
    """The cases the user holds (claimed, lease running), the calls they logged in the last 24 hours,
    and the free calls left in the latest completed run's queue."""
    a, acc = _ACTION, _ACCOUNT
    latest = select(func.max(_RUN.c.run_date)).where(_RUN.c.status == "completed").scalar_subquery()
    held = connection.execute(
        select(a.c.account_id, acc.c.account_no, acc.c.dpd, acc.c.bucket, acc.c.overdue_fen, a.c.lease_until)
        .join(acc, acc.c.id == a.c.account_id)
        .where(a.c.claimed_by_id == user.id, a.c.status == "claimed", a.c.lease_until >= now)
        .order_by(a.c.lease_until)
    ).mappings().all()  # fmt: skip
    free = or_(a.c.status == "planned", and_(a.c.status == "claimed", a.c.lease_until < now))
    waiting = connection.execute(
        select(func.count()).where(a.c.run_date == latest, a.c.channel == "call", free)
    ).scalar_one()
    e = _EVENT
    logged = connection.execute(
        select(func.count()).where(e.c.user_id == user.id, e.c.at >= now - timedelta(hours=24))
    ).scalar_one()
    return {"held": [dict(row) for row in held], "waiting": int(waiting), "logged": int(logged),
            "placed": placed_with_agency(connection, user) if user.role == "agency_user" else []}  # fmt: skip


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
        .where(p.c.agency_code == agency, p.c.placed_on <= day, p.c.ends_on >= day)
        .order_by(acc.c.overdue_fen.desc())
        .limit(limit)
    ).mappings()
    return [dict(row) for row in rows]
