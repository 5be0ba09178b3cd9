"""The call queue: the daily run's calls, claimed one at a time by collectors.

A claim holds for a lease (30 minutes); an expired claim puts the case back in the queue. Two
collectors never get the same case: on PostgreSQL the next case is locked with ``FOR UPDATE SKIP
LOCKED`` (concurrent claims take the following cases instead of waiting); on SQLite the claim runs
in a transaction that holds the write lock from its start (``audit_transaction``), so claims queue
up one behind the other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, or_, select, update

from arrears.models import CollectionAction, DailyRun, table_of

LEASE = timedelta(minutes=30)
_ACTION, _RUN = table_of(CollectionAction), table_of(DailyRun)


def claim_next(
    connection: Connection,
    *,
    user_id: int,
    now: datetime,
    team_id: int | None = None,
    lease: timedelta = LEASE,
) -> dict[str, Any] | None:
    """Claims the most valuable free call of the latest completed run in the user's team's queue:
    the calls assigned to ``team_id`` and those assigned to no team (None: the queue is empty). A
    call whose claim expired goes first (it was taken in its turn already), then the planned ones;
    each comes from a partial index in hand-out order, so a claim reads one entry, not the queue."""
    a = _ACTION
    latest = connection.execute(
        select(func.max(_RUN.c.run_date)).where(_RUN.c.status == "completed")
    ).scalar()
    if latest is None:
        return None

    def first(*condition: ColumnElement[bool]) -> int | None:
        query = (
            select(a.c.id)
            .where(a.c.run_date == latest, a.c.channel == "call", *condition)
            .where(or_(a.c.team_id.is_(None), a.c.team_id == team_id))
            .order_by(a.c.priority, a.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        found: int | None = connection.execute(query).scalar()
        return found

    found = first(a.c.status == "claimed", a.c.lease_until < now) or first(a.c.status == "planned")
    if found is None:
        return None
    claim = {"status": "claimed", "claimed_by_id": user_id, "claimed_at": now, "lease_until": now + lease}
    connection.execute(update(a).where(a.c.id == found).values(**claim))
    row = connection.execute(select(a).where(a.c.id == found)).mappings().one()
    return dict(row)
