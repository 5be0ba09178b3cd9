"""All SQL of the outbox: claiming due messages, what the re-check reads, recording what became of each
message (with an ``outbox_event`` per step), the dispatchers' heartbeats, and counts for the pages.

Claims: on PostgreSQL the due rows are locked with ``FOR UPDATE SKIP LOCKED`` (concurrent dispatchers
take the following rows instead of waiting); on SQLite the claim runs in a transaction that holds the
write lock from its start (:func:`writer`), so claims queue up one behind the other. A claim marks
the rows ``sending`` with ``claimed_by`` and ``claim_until`` and is committed before anything is sent.
A row still ``sending`` after its claim ran out lost its dispatcher mid-send: it is *in doubt*, and
the next claim takes it first, to be sent again with the same idempotency key (the provider answers
the first send's id). Nothing here logs: recipients are personal data.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from arrears.debtsale.exclusion import sold_of
from arrears.messaging import outbox_sql
from arrears.messaging.rules import Held, Holds, Pending, PointFacts
from arrears.models import (
    ContactEvent,
    ContactPoint,
    Customer,
    DispatcherWorker,
    Hold,
    OutboxEvent,
    OutboxMessage,
    table_of,
)

_MESSAGE, _EVENT, _WORKER = table_of(OutboxMessage), table_of(OutboxEvent), table_of(DispatcherWorker)
_POINT, _HOLD, _CUSTOMER = table_of(ContactPoint), table_of(Hold), table_of(Customer)
_CONTACT = table_of(ContactEvent)
_CLAIMED = ("id", "idempotency_key", "channel", "kind", "source", "account_id", "customer_id",
            "contact_point_id", "user_id", "template", "locale", "subject", "body", "target",
            "attempts", "retries", "deadline_at", "run_date", "status")  # fmt: skip


@contextmanager
def writer(engine: Engine) -> Iterator[Connection]:
    """A transaction that writes: on SQLite it takes the write lock at its start (``BEGIN
    IMMEDIATE``), so a claim's read and update are one step for every process; other writers wait up
    to the busy timeout. On PostgreSQL an ordinary transaction. Commits on success."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            connection.begin()
        try:
            yield connection
            connection.commit()
        except BaseException:
            connection.rollback()
            raise


@dataclass(frozen=True, slots=True)
class Claimed:
    """A message a dispatcher holds: what it needs to re-check and send it."""

    id: int
    key: str
    channel: str
    kind: str
    source: str
    account_id: int | None
    customer_id: int | None
    contact_point_id: int | None
    user_id: int | None
    template: str | None
    locale: str
    subject: str | None
    body: str | None
    target: str | None
    attempts: int
    retries: int  # manual retries after the message ended: it goes out under send_key(key, retries)
    deadline_at: datetime
    run_date: date | None
    in_doubt: bool  # its earlier dispatcher died while it was being sent

    def pending(self) -> Pending:
        return Pending(self.id, self.channel, self.kind, self.customer_id, self.account_id,
                       self.contact_point_id, self.deadline_at)  # fmt: skip


@dataclass(frozen=True, slots=True)
class SendFacts:
    """What the re-check and the recipients need for a claimed batch, read at once."""

    points: dict[int, PointFacts]
    addresses: dict[int, bytes]  # contact point id -> value_enc
    holds: Holds
    customer_numbers: dict[int, str]  # customer id -> the customer's number at the bank (push)
    sold: frozenset[int] = frozenset()  # the batch's accounts that were sold (debt sale)


@dataclass(frozen=True, slots=True)
class Settled:
    """What became of a claimed message. ``status``: sent, queued (waits until ``until``), failed,
    expired or cancelled; ``event``: the step recorded (sent, retry, waiting, released, failed,
    expired, cancelled); ``attempted``: the try counts against the bounded tries."""

    message_id: int
    status: str
    event: str
    provider_id: str | None = None
    until: datetime | None = None
    rules: tuple[str, ...] = ()
    reason: str | None = None
    attempted: bool = False


def _claimed(row: Any, in_doubt: bool) -> Claimed:
    return Claimed(
        id=int(row.id), key=row.idempotency_key, channel=row.channel, kind=row.kind, source=row.source,
        account_id=row.account_id, customer_id=row.customer_id, contact_point_id=row.contact_point_id,
        user_id=row.user_id, template=row.template, locale=row.locale, subject=row.subject,
        body=row.body, target=row.target, attempts=int(row.attempts), retries=int(row.retries),
        deadline_at=row.deadline_at, run_date=row.run_date, in_doubt=in_doubt,
    )  # fmt: skip


def _text(value: str | None, size: int) -> str | None:
    return value[:size] if value else None


class OutboxRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- claims ---------------------------------------------------------------------------------

    def claim(
        self, *, channel: str, worker: str, now: datetime, limit: int, claim_for: timedelta
    ) -> list[Claimed]:
        """Claims up to ``limit`` messages of the channel: the in-doubt ones first (their claim ran
        out while ``sending``), then the queued ones whose time has come, oldest due first."""
        m = _MESSAGE
        doubtful = self._take(
            (m.c.status == "sending", m.c.channel == channel, m.c.claim_until < now),
            (m.c.claim_until, m.c.id), limit, worker, now + claim_for,
        )  # fmt: skip
        if doubtful:
            self.add_events([{"message_id": one.id, "at": now, "status": "in_doubt",
                              "detail": "sent again with the same key"} for one in doubtful])  # fmt: skip
        due = self._take(
            (m.c.status == "queued", m.c.channel == channel, m.c.next_attempt_at <= now),
            (m.c.next_attempt_at, m.c.id), limit - len(doubtful), worker, now + claim_for,
        )  # fmt: skip
        return [*(_claimed(row, True) for row in doubtful), *(_claimed(row, False) for row in due)]

    def _take(self, where: Any, order: Any, limit: int, worker: str, until: datetime) -> list[Any]:
        if limit <= 0:
            return []
        m = _MESSAGE
        ids = select(m.c.id).where(*where).order_by(*order).limit(limit).with_for_update(skip_locked=True)
        statement = (
            update(m)
            .where(m.c.id.in_(ids.scalar_subquery()))
            .values(status="sending", claimed_by=worker, claim_until=until)
            .returning(*(m.c[name] for name in _CLAIMED))
        )
        return sorted(self._connection.execute(statement).all(), key=lambda row: row.id)

    def mine(self, ids: Sequence[int], *, worker: str) -> set[int]:
        """Of ``ids``, the messages the worker still holds (locked for the transaction on PostgreSQL):
        a claim that ran out and was taken by another dispatcher is that one's to record."""
        m, found = _MESSAGE, set()
        for start in range(0, len(ids), 5_000):
            query = (
                select(m.c.id)
                .where(
                    m.c.id.in_(ids[start : start + 5_000]), m.c.status == "sending", m.c.claimed_by == worker
                )
                .with_for_update()
            )
            found |= {int(one) for one in self._connection.execute(query).scalars()}
        return found

    # --- what the re-check and the recipients read ----------------------------------------------

    def facts(self, messages: Sequence[Claimed], *, now: datetime) -> SendFacts:
        """The contact points, active holds, (for push) customer numbers and the accounts sold of a
        claimed batch."""
        points, addresses = self._points(sorted({m.contact_point_id for m in messages if m.contact_point_id}))
        holds = self._holds(sorted({m.customer_id for m in messages if m.customer_id is not None}), now)
        sold = sold_of(self._connection, {m.account_id for m in messages if m.account_id is not None})
        return SendFacts(points, addresses, holds, self._customer_numbers(messages), sold)

    def _points(self, point_ids: list[int]) -> tuple[dict[int, PointFacts], dict[int, bytes]]:
        p = _POINT
        points: dict[int, PointFacts] = {}
        addresses: dict[int, bytes] = {}
        if not point_ids:
            return points, addresses
        columns = (p.c.id, p.c.customer_id, p.c.kind, p.c.opted_out, p.c.invalid_at,
                   p.c.consent_outside_hours, p.c.value_enc)  # fmt: skip
        for row in self._connection.execute(select(*columns).where(p.c.id.in_(point_ids))):
            points[row.id] = PointFacts(
                id=row.id, customer_id=row.customer_id, kind=row.kind, opted_out=bool(row.opted_out),
                invalid=row.invalid_at is not None, consent_outside_hours=bool(row.consent_outside_hours),
            )  # fmt: skip
            addresses[row.id] = row.value_enc
        return points, addresses

    def _holds(self, customers: list[int], now: datetime) -> Holds:
        h = _HOLD
        by_customer: dict[int, set[str]] = {}
        by_account: dict[int, set[str]] = {}
        if not customers:
            return Holds()
        held: list[Held] = []
        query = select(h.c.id, h.c.customer_id, h.c.account_id, h.c.kind).where(
            h.c.customer_id.in_(customers),
            h.c.placed_at <= now,
            or_(h.c.lifted_at.is_(None), h.c.lifted_at > now),
            or_(h.c.expires_at.is_(None), h.c.expires_at > now),
        )
        for row in self._connection.execute(query):
            held.append(Held(int(row.id), int(row.customer_id), row.account_id, row.kind))
            if row.account_id is None:
                by_customer.setdefault(row.customer_id, set()).add(row.kind)
            else:
                by_account.setdefault(row.account_id, set()).add(row.kind)
        return Holds(
            {key: tuple(kinds) for key, kinds in by_customer.items()},
            {key: tuple(kinds) for key, kinds in by_account.items()},
            tuple(held),
        )

    def _customer_numbers(self, messages: Sequence[Claimed]) -> dict[int, str]:
        wanted = sorted({m.customer_id for m in messages if m.channel == "push" and m.customer_id})
        if not wanted:
            return {}
        c = _CUSTOMER
        rows = self._connection.execute(select(c.c.id, c.c.customer_no).where(c.c.id.in_(wanted)))
        return {int(row.id): str(row.customer_no) for row in rows}

    # --- what became of each message ------------------------------------------------------------

    def settle(self, items: Sequence[Settled], *, transport: str, now: datetime) -> None:
        """Records the outcomes (the caller checked with :meth:`mine` that they are its to record)."""
        m = _MESSAGE
        free = {"claimed_by": None, "claim_until": None}
        tried = m.c.attempts + bindparam("_tried")
        sent = [(one.message_id, one.provider_id) for one in items if one.status == "sent"]
        outbox_sql.mark_sent(self._connection, sent, transport=transport, now=now)
        later = [one for one in items if one.status == "queued"]
        if later:
            self._connection.execute(
                update(m).where(m.c.id == bindparam("_id")).values(
                    status="queued", next_attempt_at=bindparam("_until"), attempts=tried,
                    last_error=bindparam("_reason"), blocked_rules=bindparam("_rules"), **free,
                ),
                [self._params(one) | {"_until": one.until} for one in later],
            )  # fmt: skip
        ended = [one for one in items if one.status in ("failed", "expired", "cancelled")]
        if ended:
            self._connection.execute(
                update(m).where(m.c.id == bindparam("_id")).values(
                    status=bindparam("_status"), finished_at=now, attempts=tried,
                    last_error=bindparam("_reason"), blocked_rules=bindparam("_rules"), **free,
                ),
                [self._params(one) | {"_status": one.status} for one in ended],
            )  # fmt: skip
        self.add_events([self._event(one, now) for one in items])

    @staticmethod
    def _params(one: Settled) -> dict[str, Any]:
        return {"_id": one.message_id, "_tried": int(one.attempted), "_reason": _text(one.reason, 500),
                "_rules": _text(",".join(one.rules), 200)}  # fmt: skip

    @staticmethod
    def _event(one: Settled, now: datetime) -> dict[str, Any]:
        parts = [
            ",".join(one.rules) if one.rules else None,
            f"until {one.until.isoformat()}" if one.until is not None else None,
            one.reason,
        ]
        detail = "; ".join(part for part in parts if part) or None
        return {"message_id": one.message_id, "at": now, "status": one.event,
                "provider_id": one.provider_id, "detail": _text(detail, 500)}  # fmt: skip

    def add_events(self, events: Sequence[dict[str, Any]]) -> None:
        rows = [{"provider_id": None, "detail": None} | event for event in events]
        outbox_sql.insert_rows(self._connection, _EVENT, rows)

    def add_contacts(self, messages: Sequence[Claimed], *, now: datetime) -> None:
        """A ``contact_event`` (outcome ``sent``) per collection message sent about an account: the
        caps and cadences of the rulebook and the next run count what really went out."""
        rows = [
            {"account_id": m.account_id, "customer_id": m.customer_id, "user_id": m.user_id, "at": now,
             "channel": m.channel, "contact_point_id": m.contact_point_id, "party": "debtor",
             "connected": False, "conversation": False, "outcome": "sent", "template": m.template,
             "notes": m.body}
            for m in messages
            if m.kind == "collection" and m.account_id is not None and m.customer_id is not None
        ]  # fmt: skip
        outbox_sql.insert_rows(self._connection, _CONTACT, rows)

    # --- heartbeats -----------------------------------------------------------------------------

    def heartbeat(
        self,
        *,
        name: str,
        channels: str,
        now: datetime,
        counts: dict[str, int] | None = None,
        last_error: str | None = None,
        stopped: bool = False,
    ) -> None:
        """Records that the worker is alive (and its counts since the last beat, added up)."""
        w, added = _WORKER, {"sent": 0, "failed": 0, "retried": 0} | (counts or {})
        dialect = postgresql if self._connection.dialect.name == "postgresql" else sqlite
        values = {"name": name, "channels": channels, "started_at": now, "seen_at": now,
                  "stopped_at": now if stopped else None, "last_error": _text(last_error, 500),
                  **added}  # fmt: skip
        statement = dialect.insert(w).values(**values)
        changes: dict[str, Any] = {"seen_at": now, "stopped_at": values["stopped_at"], "channels": channels}
        changes |= {name: w.c[name] + statement.excluded[name] for name in ("sent", "failed", "retried")}
        if last_error is not None:
            changes["last_error"] = values["last_error"]
        self._connection.execute(statement.on_conflict_do_update(index_elements=["name"], set_=changes))

    # --- what the pages show --------------------------------------------------------------------

    def status_counts(self, *, since: datetime) -> list[dict[str, Any]]:
        """Messages created since ``since`` by channel and status."""
        m = _MESSAGE
        query = (
            select(m.c.channel, m.c.status, func.count().label("messages"))
            .where(m.c.created_at >= since)
            .group_by(m.c.channel, m.c.status)
            .order_by(m.c.channel, m.c.status)
        )
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def problems(self, *, since: datetime, limit: int = 100) -> list[dict[str, Any]]:
        """The latest messages that failed, expired, were cancelled or are waiting for a retry."""
        m = _MESSAGE
        retrying = (m.c.status == "queued") & (m.c.attempts > 0)
        query = (
            select(m.c.id, m.c.channel, m.c.kind, m.c.status, m.c.account_id, m.c.template, m.c.attempts,
                   m.c.next_attempt_at, m.c.finished_at, m.c.last_error, m.c.blocked_rules)
            .where(m.c.created_at >= since, m.c.status.in_(("failed", "expired", "cancelled")) | retrying)
            .order_by(m.c.id.desc())
            .limit(limit)
        )  # fmt: skip
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def due_run_dates(self, *, channel: str, now: datetime) -> list[date]:
        """The run dates of the channel's queued messages whose time has come (letters: the batches)."""
        m = _MESSAGE
        query = (
            select(m.c.run_date)
            .where(m.c.status == "queued", m.c.channel == channel, m.c.next_attempt_at <= now,
                   m.c.run_date.is_not(None))
            .distinct()
            .order_by(m.c.run_date)
        )  # fmt: skip
        return list(self._connection.execute(query).scalars())

    def workers(self) -> list[dict[str, Any]]:
        w = _WORKER
        query = select(w).order_by(w.c.seen_at.desc())
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def message(self, message_id: int) -> dict[str, Any] | None:
        row = self._connection.execute(select(_MESSAGE).where(_MESSAGE.c.id == message_id)).mappings().first()
        return dict(row) if row else None

    def message_by_key(self, key: str) -> dict[str, Any] | None:
        m = _MESSAGE
        row = self._connection.execute(select(m).where(m.c.idempotency_key == key)).mappings().first()
        return dict(row) if row else None

    def events(self, message_id: int) -> list[dict[str, Any]]:
        e = _EVENT
        query = select(e).where(e.c.message_id == message_id).order_by(e.c.at, e.c.id)
        return [dict(row) for row in self._connection.execute(query).mappings()]
