"""All SQL of what comes back: the messages a receipt names, their status steps, the contact points a
reply comes from, opt-outs, failure counts, reply tasks and the inbound log. The caller owns the
connection and its transaction.

Nothing here logs: senders and replies are personal data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, literal, select, text, union_all, update

from arrears.models import (
    AppUser,
    Callback,
    CardAccount,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    InboundMessage,
    OutboxEvent,
    OutboxMessage,
    table_of,
)

CHUNK = 500  # values in one IN list
WORKER_ROLES = ("collector", "agency_user")  # who works an account's calls and gets its reply tasks
_MESSAGE, _EVENT, _INBOUND = table_of(OutboxMessage), table_of(OutboxEvent), table_of(InboundMessage)
_POINT, _CALLBACK, _USER = table_of(ContactPoint), table_of(Callback), table_of(AppUser)
_ACCOUNT, _ACTION, _CONTACT = table_of(CardAccount), table_of(CollectionAction), table_of(ContactEvent)


@dataclass(frozen=True, slots=True)
class MessageRef:
    """What a receipt needs of the message it names."""

    id: int
    key: str
    status: str
    provider_id: str | None
    transport: str | None
    account_id: int | None
    contact_point_id: int | None
    channel: str


@dataclass(frozen=True, slots=True)
class PointRef:
    id: int
    customer_id: int
    opted_out: bool


def _chunks(values: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _message(row: Any) -> MessageRef:
    return MessageRef(int(row.id), row.idempotency_key, row.status, row.provider_id, row.transport,
                      row.account_id, row.contact_point_id, row.channel)  # fmt: skip


def messages_for(
    connection: Connection, *, provider_ids: Sequence[str], keys: Sequence[str]
) -> list[MessageRef]:
    """The messages with one of the provider ids or idempotency keys, locked for the transaction
    (PostgreSQL): their ids are found first, then all are locked in one id order, so that two handlers
    (one naming A by provider id and B by key, the other the reverse) never wait on each other in a
    cycle."""
    m = _MESSAGE
    ids: set[int] = set()
    for column, values in (
        (m.c.provider_id, sorted(set(provider_ids))),
        (m.c.idempotency_key, sorted(set(keys))),
    ):
        for chunk in _chunks(values):
            ids.update(connection.execute(select(m.c.id).where(column.in_(chunk))).scalars())
    columns = (m.c.id, m.c.idempotency_key, m.c.status, m.c.provider_id, m.c.transport,
               m.c.account_id, m.c.contact_point_id, m.c.channel)  # fmt: skip
    found: list[MessageRef] = []
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        query = (
            select(*columns)
            .where(m.c.id.in_(ordered[start : start + CHUNK]))
            .order_by(m.c.id)
            .with_for_update()
        )
        found += [_message(row) for row in connection.execute(query)]
    return found


def advance(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Moves messages to a receipt's status: each row has ``_id``, ``_status``, ``_at`` (the
    receipt's time), ``_reason`` and ``_provider`` (kept when the message had no provider id yet)."""
    m = _MESSAGE
    delivered = [row for row in rows if row["_status"] == "delivered"]
    ended = [row for row in rows if row["_status"] != "delivered"]
    common = {
        "status": bindparam("_status"),
        "provider_id": func.coalesce(m.c.provider_id, bindparam("_provider")),
    }
    if delivered:
        values = common | {"delivered_at": bindparam("_at")}
        connection.execute(update(m).where(m.c.id == bindparam("_id")).values(values), delivered)
    if ended:
        values = common | {"finished_at": bindparam("_at"), "last_error": bindparam("_reason")}
        connection.execute(update(m).where(m.c.id == bindparam("_id")).values(values), ended)


def record_sends(
    connection: Connection, messages: Sequence[MessageRef], *, transport: str, now: datetime
) -> None:
    """Messages whose receipt came before their send was recorded (the dispatcher still recording it,
    dead with it in hand, or told "transient" by a provider that took it): sent by ``transport`` at
    ``now`` (a try counted for one still being sent), their claim released, and a ``contact_event``
    (outcome ``sent``) for a collection message about an account, so that the caps and cadences count
    it. The dispatcher holding one no longer finds it ``sending``: it records nothing more."""
    m = _MESSAGE
    sent_at = func.coalesce(m.c.sent_at, literal(now, m.c.sent_at.type))  # typed: stored in UTC
    for status, tried in (("sending", 1), ("queued", 0)):
        ids = sorted(message.id for message in messages if message.status == status)
        if ids:
            values = {"sent_at": sent_at, "attempts": m.c.attempts + tried, "claimed_by": None,
                      "transport": func.coalesce(m.c.transport, transport), "claim_until": None}  # fmt: skip
            connection.execute(update(m).where(m.c.id.in_(ids)).values(values))
    _add_contacts(connection, sorted(message.id for message in messages), now=now)


def _add_contacts(connection: Connection, message_ids: Sequence[int], *, now: datetime) -> None:
    """A ``contact_event`` (outcome ``sent``) per collection message about an account, as the dispatcher
    writes for the messages it sends."""
    m = _MESSAGE
    query = select(m.c.account_id, m.c.customer_id, m.c.user_id, m.c.channel, m.c.contact_point_id,
                   m.c.template, m.c.body.label("notes")).where(
        m.c.id.in_(message_ids), m.c.kind == "collection", m.c.account_id.is_not(None),
        m.c.customer_id.is_not(None),
    )  # fmt: skip
    sent = {"at": now, "party": "debtor", "connected": False, "conversation": False, "outcome": "sent"}
    rows = [dict(row._mapping) | sent for row in connection.execute(query)]
    if rows:
        connection.execute(insert(_CONTACT), rows)


def add_events(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(_EVENT), list(rows))


def add_inbound(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection.execute(insert(_INBOUND), list(rows))


def lock_replies(connection: Connection, *, transport: str, provider_ids: Sequence[str]) -> None:
    """Makes handlers of the same replies (one reply posted several times at once, each call signed
    anew) wait for each other, so that the second sees the first's row: an advisory transaction lock
    per reply on PostgreSQL, taken in one order; SQLite's single writer serialises them already."""
    if connection.dialect.name != "postgresql":
        return
    for provider_id in sorted(set(provider_ids)):
        connection.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:name, 0))"),
            {"name": f"reply:{transport}:{provider_id}"},
        )


def reply_seen(connection: Connection, *, transport: str, provider_id: str, since: datetime) -> bool:
    """Whether this reply was handled already since ``since`` (a webhook delivered twice, a gateway
    that resends); the window keeps the look-up on the received-time index."""
    i = _INBOUND
    query = select(i.c.id).where(
        i.c.received_at >= since,
        i.c.kind == "reply",
        i.c.transport == transport,
        i.c.provider_id == provider_id,
    )
    return connection.execute(query.limit(1)).first() is not None


def reset_failures(connection: Connection, point_ids: Sequence[int]) -> None:
    """A delivery: the points' permanent failures in a row start again from 0."""
    p = _POINT
    for start in range(0, len(point_ids), CHUNK):
        chunk = point_ids[start : start + CHUNK]
        connection.execute(update(p).where(p.c.id.in_(chunk), p.c.failed_sends > 0).values(failed_sends=0))


def count_failure(connection: Connection, point_id: int) -> tuple[int, datetime | None] | None:
    """Adds one permanent failure to the point; its count and invalid time after (None: no point)."""
    p = _POINT
    query = (
        update(p)
        .where(p.c.id == point_id)
        .values(failed_sends=p.c.failed_sends + 1)
        .returning(p.c.failed_sends, p.c.invalid_at)
    )
    row = connection.execute(query).first()
    return None if row is None else (int(row.failed_sends), row.invalid_at)


def invalidate(connection: Connection, *, point_id: int, now: datetime) -> dict[str, Any]:
    """Marks the point invalid at ``now``; what the audit entry names of it."""
    p = _POINT
    connection.execute(update(p).where(p.c.id == point_id).values(invalid_at=now))
    row = connection.execute(
        select(p.c.customer_id, p.c.kind, p.c.failed_sends).where(p.c.id == point_id)
    ).one()
    return {"customer_id": int(row.customer_id), "kind": row.kind, "failed_sends": int(row.failed_sends)}


def points_by_hash(connection: Connection, *, hashes: Sequence[str], kinds: Sequence[str]) -> list[PointRef]:
    """The contact points of those kinds whose keyed hash is one of ``hashes`` (a number may be on file
    for more than one customer)."""
    if not hashes:
        return []
    p = _POINT
    query = (
        select(p.c.id, p.c.customer_id, p.c.opted_out)
        .where(p.c.value_hash.in_(list(hashes)), p.c.kind.in_(list(kinds)))
        .order_by(p.c.id)
    )
    return [PointRef(int(r.id), int(r.customer_id), bool(r.opted_out)) for r in connection.execute(query)]


def opt_out(connection: Connection, *, point_ids: Sequence[int], now: datetime) -> list[int]:
    """Opts the points out; the ids of those this changed (one opted out meanwhile by another handler
    is not among them: the update waits for that handler and then finds it opted out)."""
    p = _POINT
    changed = connection.execute(
        update(p)
        .where(p.c.id.in_(sorted(point_ids)), p.c.opted_out.is_(False))
        .values(opted_out=True, opted_out_at=now)
        .returning(p.c.id)
    )
    return sorted(int(found) for found in changed.scalars())


def reply_account(
    connection: Connection, *, point_ids: Sequence[int], customer_ids: Sequence[int]
) -> int | None:
    """The account a reply is about: that of the latest message sent to one of the points, else the
    customer's most overdue account."""
    m, a = _MESSAGE, _ACCOUNT
    latest = (
        select(m.c.account_id)
        .where(m.c.contact_point_id.in_(list(point_ids)), m.c.account_id.is_not(None))
        .order_by(m.c.created_at.desc(), m.c.id.desc())
        .limit(1)
    )
    found = connection.execute(latest).scalar()
    if found is None:
        query = (
            select(a.c.id)
            .where(a.c.customer_id.in_(list(customer_ids)))
            .order_by(a.c.overdue_fen.desc(), a.c.id)
            .limit(1)
        )
        found = connection.execute(query).scalar()
    return None if found is None else int(found)


def account_customer(connection: Connection, account_id: int) -> int:
    return int(
        connection.execute(select(_ACCOUNT.c.customer_id).where(_ACCOUNT.c.id == account_id)).scalar_one()
    )


def last_worker(connection: Connection, *, account_id: int) -> int | None:
    """The active collector who last worked the account: logged a contact on it or claimed its call."""
    e, x, u = _CONTACT, _ACTION, _USER
    logged = select(e.c.user_id.label("user_id"), e.c.at.label("at")).where(
        e.c.account_id == account_id, e.c.user_id.is_not(None)
    )
    claimed = select(x.c.claimed_by_id.label("user_id"), x.c.claimed_at.label("at")).where(
        x.c.account_id == account_id, x.c.claimed_by_id.is_not(None), x.c.claimed_at.is_not(None)
    )
    worked = union_all(logged, claimed).subquery()
    query = (
        select(worked.c.user_id)
        .join(u, u.c.id == worked.c.user_id)
        .where(u.c.is_active.is_(True), u.c.role.in_(WORKER_ROLES))
        .order_by(worked.c.at.desc())
        .limit(1)
    )
    found = connection.execute(query).scalar()
    return None if found is None else int(found)


def add_callback(connection: Connection, values: dict[str, Any]) -> int:
    return int(connection.execute(insert(_CALLBACK).values(values).returning(_CALLBACK.c.id)).scalar_one())
