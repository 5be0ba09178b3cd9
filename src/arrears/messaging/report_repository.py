"""All SQL of the pages that show messages: the outbox page's figures for a day (messages by channel
and status, failures, retries, expired ones, unknown receipts, opt-outs, invalid points, reply tasks,
the dispatchers), an account's messages and replies for its case timeline, and the manager's retry
and cancel. The caller owns the connection and its transaction.

Nothing here logs; the only personal data read are masked copies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from arrears.messaging.inbound_rules import REPLY_TAG
from arrears.models import (
    Callback,
    CardAccount,
    ContactPoint,
    DispatcherWorker,
    InboundMessage,
    OutboxEvent,
    OutboxMessage,
    table_of,
)

LISTED = 100  # rows of one list on the outbox page
ACCOUNT_MESSAGES = 100  # messages (and as many replies) on a case timeline
_MESSAGE, _EVENT, _INBOUND = table_of(OutboxMessage), table_of(OutboxEvent), table_of(InboundMessage)
_POINT, _ACCOUNT, _CALLBACK = table_of(ContactPoint), table_of(CardAccount), table_of(Callback)
_WORKER = table_of(DispatcherWorker)


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(query).mappings()]


# --- the outbox page ------------------------------------------------------------------------------


def counts_by_channel_status(
    connection: Connection, *, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The messages made in [start, end): channel, status, count."""
    m = _MESSAGE
    query = (
        select(m.c.channel, m.c.status, func.count().label("count"))
        .where(m.c.created_at >= start, m.c.created_at < end)
        .group_by(m.c.channel, m.c.status)
    )
    return _rows(connection, query)


def _listed(*where: Any, order: Any) -> Any:
    m, a = _MESSAGE, _ACCOUNT
    return (
        select(
            m.c.id,
            m.c.channel,
            m.c.kind,
            m.c.status,
            m.c.template,
            m.c.attempts,
            m.c.created_at,
            m.c.next_attempt_at,
            m.c.deadline_at,
            m.c.finished_at,
            m.c.last_error,
            m.c.blocked_rules,
            m.c.provider_id,
            m.c.transport,
            m.c.account_id,
            a.c.account_no,
        )
        .outerjoin(a, a.c.id == m.c.account_id)
        .where(*where)
        .order_by(order, m.c.id.desc())
        .limit(LISTED)
    )


def ended(connection: Connection, *, status: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The messages that ended with ``status`` (failed, expired) in [start, end), the latest first."""
    m = _MESSAGE
    query = _listed(
        m.c.status == status, m.c.finished_at >= start, m.c.finished_at < end, order=m.c.finished_at.desc()
    )
    return _rows(connection, query)


def ended_count(connection: Connection, *, status: str, start: datetime, end: datetime) -> int:
    m = _MESSAGE
    query = select(func.count()).where(m.c.status == status, m.c.finished_at >= start, m.c.finished_at < end)
    return int(connection.execute(query).scalar_one())


def failure_reasons(connection: Connection, *, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The failures of [start, end) by channel and reason, the most frequent first."""
    m = _MESSAGE
    window = (m.c.status == "failed", m.c.finished_at >= start, m.c.finished_at < end)
    query = (
        select(m.c.channel, m.c.last_error.label("reason"), func.count().label("count"))
        .where(*window)
        .group_by(m.c.channel, m.c.last_error)
        .order_by(func.count().desc(), m.c.channel)
        .limit(20)
    )
    return _rows(connection, query)


def retries_waiting(connection: Connection) -> tuple[int, list[dict[str, Any]]]:
    """The queued messages tried already (a transient failure): how many, and the soonest due."""
    m = _MESSAGE
    waiting = (m.c.status == "queued", m.c.attempts > 0)
    count = int(connection.execute(select(func.count()).where(*waiting)).scalar_one())
    return count, _rows(connection, _listed(*waiting, order=m.c.next_attempt_at.asc()))


def queued_untried(connection: Connection) -> list[dict[str, Any]]:
    """The queued messages not tried yet (made by a run or a collector, or retried by a manager), the
    soonest due first."""
    m = _MESSAGE
    return _rows(
        connection, _listed(m.c.status == "queued", m.c.attempts == 0, order=m.c.next_attempt_at.asc())
    )


def latest_made(connection: Connection) -> datetime | None:
    """When the latest message was made (None: no message yet)."""
    latest: datetime | None = connection.execute(select(func.max(_MESSAGE.c.created_at))).scalar_one()
    return latest


def queued_count(connection: Connection, *, now: datetime) -> dict[str, int]:
    """The messages waiting to go: due now, and waiting for a later time (the rulebook's hours)."""
    m = _MESSAGE
    due = m.c.next_attempt_at <= now
    query = select(func.count().filter(due), func.count().filter(~due)).where(m.c.status == "queued")
    now_due, later = connection.execute(query).one()
    return {"due": int(now_due), "later": int(later)}


def inbound_counts(connection: Connection, *, start: datetime, end: datetime) -> dict[str, int]:
    """What came back in [start, end) by kind and outcome (``receipt:unknown``, ``reply:opt_out``...)."""
    i = _INBOUND
    query = (
        select(i.c.kind, i.c.outcome, func.count())
        .where(i.c.received_at >= start, i.c.received_at < end)
        .group_by(i.c.kind, i.c.outcome)
    )
    return {f"{kind}:{outcome}": int(count) for kind, outcome, count in connection.execute(query)}


def points_marked(
    connection: Connection, *, column: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The contact points opted out (``opted_out_at``) or made invalid (``invalid_at``) in [start, end),
    masked, the latest first."""
    p = _POINT
    at = p.c[column]
    query = (
        select(p.c.id, p.c.kind, p.c.value_masked, p.c.failed_sends, at.label("at"), p.c.customer_id)
        .where(at >= start, at < end)
        .order_by(at.desc(), p.c.id)
        .limit(LISTED)
    )
    return _rows(connection, query)


def unassigned_reply_tasks(connection: Connection) -> int:
    """Reply tasks nobody was given (no collector worked the account): they wait for the team."""
    c = _CALLBACK
    query = select(func.count()).where(
        c.c.status == "open", c.c.user_id.is_(None), c.c.note.like(f"{REPLY_TAG}%")
    )
    return int(connection.execute(query).scalar_one())


def dispatchers(connection: Connection) -> list[dict[str, Any]]:
    """Every dispatcher's heartbeat row, the latest seen first."""
    w = _WORKER
    return _rows(connection, select(w).order_by(w.c.seen_at.desc(), w.c.name).limit(LISTED))


# --- the manager's actions ------------------------------------------------------------------------


def message_state(connection: Connection, message_id: int) -> tuple[str, datetime] | None:
    """The message's status and deadline (None: no such message)."""
    m = _MESSAGE
    row = connection.execute(select(m.c.status, m.c.deadline_at).where(m.c.id == message_id)).first()
    return None if row is None else (row.status, row.deadline_at)


def requeue(connection: Connection, *, message_id: int, now: datetime, deadline: datetime) -> bool:
    """A failed or expired message queued again, due now, its tries counted afresh and its reason
    cleared (its status steps keep why it ended) (False: it was in another status by then)."""
    m = _MESSAGE
    query = (
        update(m)
        .where(m.c.id == message_id, m.c.status.in_(("failed", "expired")))
        .values(
            status="queued",
            attempts=0,
            retries=m.c.retries + 1,
            next_attempt_at=now,
            deadline_at=deadline,
            finished_at=None,
            claimed_by=None,
            claim_until=None,
            last_error=None,
            blocked_rules=None,
        )
    )
    return connection.execute(query).rowcount == 1


def cancel(connection: Connection, *, message_id: int, now: datetime) -> bool:
    """A queued message cancelled (False: it was no longer queued, e.g. being sent)."""
    m = _MESSAGE
    query = (
        update(m)
        .where(m.c.id == message_id, m.c.status == "queued")
        .values(status="cancelled", finished_at=now, claimed_by=None, claim_until=None)
    )
    return connection.execute(query).rowcount == 1


def add_event(connection: Connection, *, message_id: int, at: datetime, status: str, detail: str) -> None:
    connection.execute(insert(_EVENT).values(message_id=message_id, at=at, status=status, detail=detail))


# --- an account's messages and replies (the case timeline) ----------------------------------------


def account_messages(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    """The account's latest messages, each with its status steps (``history``, oldest first)."""
    m, e = _MESSAGE, _EVENT
    query = (
        select(
            m.c.id,
            m.c.channel,
            m.c.kind,
            m.c.template,
            m.c.template_version,
            m.c.status,
            m.c.created_at,
            m.c.provider_id,
            m.c.transport,
            m.c.last_error,
            m.c.tracking_no,
            m.c.target,
            m.c.body,
        )
        .where(m.c.account_id == account_id)
        .order_by(m.c.created_at.desc(), m.c.id.desc())
        .limit(ACCOUNT_MESSAGES)
    )
    messages = _rows(connection, query)
    steps: dict[int, list[dict[str, Any]]] = {message["id"]: [] for message in messages}
    if steps:
        events = select(e.c.message_id, e.c.at, e.c.status, e.c.provider_id, e.c.detail).where(
            e.c.message_id.in_(list(steps))
        )
        for event in _rows(connection, events.order_by(e.c.at, e.c.id)):
            steps[event.pop("message_id")].append(event)
    return [message | {"history": steps[message["id"]]} for message in messages]


def account_replies(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    """The replies that came back about the account (text masked), the latest first."""
    i, p = _INBOUND, _POINT
    query = (
        select(
            i.c.id, i.c.received_at, i.c.transport, i.c.outcome, i.c.text_masked, p.c.kind.label("point_kind")
        )
        .outerjoin(p, p.c.id == i.c.contact_point_id)
        .where(i.c.account_id == account_id, i.c.kind == "reply")
        .order_by(i.c.received_at.desc(), i.c.id.desc())
        .limit(ACCOUNT_MESSAGES)
    )
    return _rows(connection, query)
