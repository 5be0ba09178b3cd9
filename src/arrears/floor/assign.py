"""A team lead moves work on the floor, through the call queue's own claims (``contacts.queue``):

- **reassign** a call of the day's queue to a collector: they hold it at once (a claim with a fresh
  lease, as if they had taken it), or, when they hold as many cases as they may, it is reserved for
  them and is their next case. It stays reserved for them after the claim lapses.
- **share** n free calls of a bucket and segment with a collector: reserved for them, handed out to
  them first by "next case" and to no one else.

Both are audited (``queue.reassigned``, ``queue.shared``) and refused for a collector outside the
lead's team. Parallel moves are safe: the call's row is locked (``FOR UPDATE``; a share skips the
rows others hold, ``SKIP LOCKED``) and updated only if it is still as it was read; the collector's
row is locked while their held cases are counted, as a claim does. On SQLite the transaction holds
the write lock from its start (``audit_transaction``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy import Connection, and_, or_, select, update

from arrears.audit.repository import AuditLog
from arrears.contacts.queue import LEASE, held_cases
from arrears.floor.rules import AssignmentRefused, Person, check_assignee, check_share
from arrears.kit.errors import NotFound
from arrears.models import AppUser, CardAccount, CollectionAction, table_of
from arrears.users.service import StaffUser

_ACTION, _ACCOUNT, _USER = table_of(CollectionAction), table_of(CardAccount), table_of(AppUser)


class StaleView(AssignmentRefused):
    """The call changed since the lead's page showed it (another lead moved it, the collector logged it)."""


@dataclass(frozen=True, slots=True)
class Moved:
    account_id: int
    account_no: str
    to: str  # the collector's display name
    outcome: Literal["claimed", "reserved"]


def _person(connection: Connection, user_id: int, *, lock: bool = False) -> Person:
    u = _USER
    query = select(u.c.id, u.c.role, u.c.team_id, u.c.is_active).where(u.c.id == user_id)
    row = connection.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise AssignmentRefused(f"no user {user_id}", f"没有用户 {user_id}")
    return Person(int(row.id), row.role, row.team_id, bool(row.is_active))


def _actor(user: StaffUser) -> Person:
    return Person(user.id, user.role, user.team_id)


def _call(connection: Connection, action_id: int) -> Any:
    x, a = _ACTION, _ACCOUNT
    query = (
        select(x.c.id, x.c.run_date, x.c.channel, x.c.status, x.c.claimed_by_id, x.c.lease_until,
               x.c.team_id, x.c.account_id, x.c.assigned_to_id, a.c.account_no)
        .join(a, a.c.id == x.c.account_id)
        .where(x.c.id == action_id)
        .with_for_update(of=x)
    )  # fmt: skip
    row = connection.execute(query).first()
    if row is None or row.channel != "call":
        raise NotFound(f"no call {action_id} in the queue", f"队列中没有电话 {action_id}")
    return row


def call_of_account(connection: Connection, *, account_no: str, run_date: date) -> int:
    """The day's call of the account numbered ``account_no`` (as typed, trimmed); NotFound if none."""
    x, a = _ACTION, _ACCOUNT
    found = connection.execute(
        select(x.c.id)
        .join(a, a.c.id == x.c.account_id)
        .where(a.c.account_no == account_no.strip(), x.c.run_date == run_date, x.c.channel == "call")
        .order_by(x.c.id.desc())
        .limit(1)
    ).scalar()
    if found is None:
        raise NotFound(f"the account {account_no.strip()!r} has no call in the day's queue",
                       f"账户 {account_no.strip()!r} 在当日队列中没有电话任务")  # fmt: skip
    return int(found)


def holder(connection: Connection, *, action_id: int, now: datetime) -> int | None:
    """Who holds the call now (a claim whose lease runs), None when no one does."""
    x = _ACTION
    row = connection.execute(
        select(x.c.status, x.c.claimed_by_id, x.c.lease_until).where(x.c.id == action_id)
    ).first()
    if row is None or row.status != "claimed" or row.lease_until < now:
        return None
    return int(row.claimed_by_id)


def reassign(
    connection: Connection,
    *,
    action_id: int,
    to_user_id: int,
    expected_holder: int | None,
    actor: StaffUser,
    run_date: date,
    now: datetime,
    max_held: int,
    lease: timedelta = LEASE,
) -> Moved:
    """Gives the call ``action_id`` of the ``run_date`` queue to ``to_user_id``: held by them (a claim)
    or, at their cap, reserved for them. ``expected_holder`` is who held it when the lead's page was
    drawn (None: no one); if that changed, :class:`StaleView`. Audited."""
    call = _call(connection, action_id)
    if call.run_date != run_date:
        raise AssignmentRefused("the call is from an earlier day's queue", "该电话任务不属于当日队列")
    if call.status not in ("planned", "claimed"):
        raise StaleView("the call was worked already", "该电话任务已处理")
    holder = call.claimed_by_id if call.status == "claimed" and call.lease_until >= now else None
    if holder != expected_holder:
        raise StaleView(
            "the case changed since the page was shown: look again",
            "案件在页面显示后已有变动，请刷新后再操作",
        )
    if holder == to_user_id:
        raise AssignmentRefused("the collector holds the case already", "该催收员已持有此案件")
    held_by = _person(connection, holder) if holder is not None else None
    assignee = _person(connection, to_user_id, lock=True)  # queues up the collector's own claims
    check_assignee(actor=_actor(actor), assignee=assignee, queue_team=call.team_id, holder=held_by)
    at_cap = held_cases(connection, user_id=to_user_id, now=now) >= max_held
    values: dict[str, Any] = (
        {"status": "planned", "claimed_by_id": None, "claimed_at": None, "lease_until": None}
        if at_cap
        else {"status": "claimed", "claimed_by_id": to_user_id, "claimed_at": now, "lease_until": now + lease}
    )
    x = _ACTION
    unchanged = and_(x.c.id == action_id, x.c.status == call.status,
                     x.c.claimed_by_id.is_(None) if call.claimed_by_id is None
                     else x.c.claimed_by_id == call.claimed_by_id)  # fmt: skip
    done = connection.execute(update(x).where(unchanged).values(assigned_to_id=to_user_id, **values))
    if done.rowcount != 1:
        raise StaleView(
            "the case changed since the page was shown: look again",
            "案件在页面显示后已有变动，请刷新后再操作",
        )
    outcome: Literal["claimed", "reserved"] = "reserved" if at_cap else "claimed"
    names = _names(connection, [to_user_id, *([holder] if holder else [])])
    AuditLog(connection).append(
        at=now, actor=actor.username, action="queue.reassigned", subject_type="collection_action",
        subject_id=str(action_id),
        details={"account_id": int(call.account_id), "from": names.get(holder) if holder else None,
                 "to": names[to_user_id], "outcome": outcome, "run_date": run_date.isoformat()},
    )  # fmt: skip
    return Moved(int(call.account_id), str(call.account_no), _display(connection, to_user_id), outcome)


def share(
    connection: Connection,
    *,
    to_user_id: int,
    count: int,
    bucket: str | None,
    segment: str | None,
    actor: StaffUser,
    run_date: date,
    now: datetime,
) -> int:
    """Reserves up to ``count`` free calls of the ``run_date`` queue (of ``bucket`` and ``segment``
    when given; the most valuable first) for ``to_user_id``; how many were reserved. Refused when
    none is free. Audited."""
    check_share(count)
    assignee = _person(connection, to_user_id)
    check_assignee(actor=_actor(actor), assignee=assignee, queue_team=None)
    x, a = _ACTION, _ACCOUNT
    free = and_(
        x.c.assigned_to_id.is_(None),
        or_(x.c.status == "planned", and_(x.c.status == "claimed", x.c.lease_until < now)),
    )
    query = (
        select(x.c.id)
        .join(a, a.c.id == x.c.account_id)
        .where(x.c.run_date == run_date, x.c.channel == "call", free,
               or_(x.c.team_id.is_(None), x.c.team_id == assignee.team_id))
        .order_by(x.c.priority, x.c.id)
        .limit(count)
        .with_for_update(of=x, skip_locked=True)
    )  # fmt: skip
    if bucket:
        query = query.where(a.c.bucket == bucket)
    if segment:
        query = query.where(x.c.segment == segment)
    ids = [int(one) for one in connection.execute(query).scalars()]
    reserved = 0
    if ids:
        reserved = connection.execute(
            update(x).where(x.c.id.in_(ids), free).values(assigned_to_id=to_user_id)
        ).rowcount
    if not reserved:
        raise AssignmentRefused("no free case of that bucket and segment is left in the queue",
                                "队列中已没有该账龄和分群的空闲案件")  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=actor.username, action="queue.shared", subject_type="app_user",
        subject_id=str(to_user_id),
        details={"to": _names(connection, [to_user_id])[to_user_id], "asked": count, "reserved": reserved,
                 "bucket": bucket, "segment": segment, "run_date": run_date.isoformat()},
    )  # fmt: skip
    return int(reserved)


def _names(connection: Connection, user_ids: list[int]) -> dict[int | None, str]:
    u = _USER
    rows = connection.execute(select(u.c.id, u.c.username).where(u.c.id.in_(user_ids)))
    return {int(one): str(name) for one, name in rows}


def _display(connection: Connection, user_id: int) -> str:
    u = _USER
    return str(connection.execute(select(u.c.display_name).where(u.c.id == user_id)).scalar_one())
