"""The call queue: the daily run's calls, claimed one at a time by collectors.

A claim holds for a lease (30 minutes); an expired claim puts the case back in the queue. A collector
holds at most ``max_held`` cases at once (``ARREARS_MAX_HELD_CASES``): the user's row is locked while
their held cases are counted, so parallel claims of one user cannot pass the cap together. Two
collectors never get the same case: on PostgreSQL the next case is locked with ``FOR UPDATE SKIP
LOCKED`` (concurrent claims take the following cases instead of waiting); on SQLite the claim runs
in a transaction that holds the write lock from its start (``audit_transaction``), so claims queue
up one behind the other.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, exists, func, or_, select, update

from arrears.contacts.hold_scope import naming
from arrears.debtsale.exclusion import unsold
from arrears.kit.errors import ArrearsError
from arrears.models import AppUser, CollectionAction, DailyRun, Hold, table_of

LEASE = timedelta(minutes=30)
_ACTION, _RUN, _USER = table_of(CollectionAction), table_of(DailyRun), table_of(AppUser)
_HOLD = table_of(Hold)


class QueueCapReached(ArrearsError):
    """The collector holds as many cases as they may: a call must be logged on one first."""


def held_cases(connection: Connection, *, user_id: int, now: datetime) -> int:
    """The cases the user holds: claims whose lease still runs."""
    a = _ACTION
    count = connection.execute(
        select(func.count())
        .select_from(a)
        .where(a.c.claimed_by_id == user_id, a.c.status == "claimed", a.c.lease_until >= now)
    ).scalar_one()
    return int(count)


def _check_cap(connection: Connection, *, user_id: int, now: datetime, max_held: int) -> None:
    # the user's row lock queues up one user's claims (PostgreSQL; SQLite holds its write lock)
    connection.execute(select(_USER.c.id).where(_USER.c.id == user_id).with_for_update())
    if held_cases(connection, user_id=user_id, now=now) >= max_held:
        raise QueueCapReached(
            f"you hold {max_held} cases already: log a call on one of them before taking the next",
            f"您已持有 {max_held} 个案件：请先在其中一个案件上记录通话，再领取下一个",
        )


def claim_next(
    connection: Connection,
    *,
    user_id: int,
    now: datetime,
    max_held: int,
    team_id: int | None = None,
    lease: timedelta = LEASE,
) -> dict[str, Any] | None:
    """Claims the most valuable free call of the latest completed run in the user's team's queue:
    the calls assigned to ``team_id`` and those assigned to no team (None: the queue is empty). The
    calls a team lead reserved for the user go first (``arrears.floor.assign``), and those reserved
    for someone else are skipped; then a call whose claim expired (it was taken in its turn already),
    then the planned ones;
    each comes from a partial index in hand-out order, so a claim reads one entry, not the queue.
    Raises :class:`QueueCapReached` when the user holds ``max_held`` cases already."""
    a = _ACTION
    _check_cap(connection, user_id=user_id, now=now, max_held=max_held)
    latest = connection.execute(
        select(func.max(_RUN.c.run_date)).where(_RUN.c.status == "completed")
    ).scalar()
    if latest is None:
        return None

    h = _HOLD  # a hold naming the user (a complaint against them) keeps the account from them
    barred = select(h.c.id).where(
        h.c.customer_id == a.c.customer_id,
        or_(h.c.account_id.is_(None), h.c.account_id == a.c.account_id),
        naming(h, user_id),
        h.c.placed_at <= now,
        or_(h.c.lifted_at.is_(None), h.c.lifted_at > now),
        or_(h.c.expires_at.is_(None), h.c.expires_at > now),
    )

    def first(*condition: ColumnElement[bool]) -> int | None:
        query = (
            select(a.c.id)
            .where(a.c.run_date == latest, a.c.channel == "call", *condition)
            .where(or_(a.c.team_id.is_(None), a.c.team_id == team_id))
            .where(~exists(barred), unsold(a.c.account_id))  # a sold account is the buyer's to collect
            .order_by(a.c.priority, a.c.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        found: int | None = connection.execute(query).scalar()
        return found

    # the calls a team lead reserved for the user come first; those reserved for others are not theirs
    mine_or_free = or_(a.c.assigned_to_id.is_(None), a.c.assigned_to_id == user_id)
    found = (
        first(a.c.assigned_to_id == user_id, a.c.status == "planned")
        or first(a.c.status == "claimed", a.c.lease_until < now, mine_or_free)
        or first(a.c.status == "planned", a.c.assigned_to_id.is_(None))
    )
    if found is None:
        return None
    claim = {"status": "claimed", "claimed_by_id": user_id, "claimed_at": now, "lease_until": now + lease}
    connection.execute(update(a).where(a.c.id == found).values(**claim))
    row = connection.execute(select(a).where(a.c.id == found)).mappings().one()
    return dict(row)
