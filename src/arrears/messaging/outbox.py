"""The transactional outbox: a message is written in the same transaction as the decision that made
it (a daily run's action, a collector's send, a one-time code), with an idempotency key that names
what it is. Writing the same key again is a no-op, so a decision replayed never sends twice.

The dispatcher (:mod:`arrears.messaging.dispatcher`) sends what is queued. A message that could not be
made (its template did not fill for the account) is written ``failed`` with the reason, so the
failure shows beside the others and the rest of the batch goes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from arrears.kit.errors import ArrearsError
from arrears.messaging import outbox_sql
from arrears.models import OutboxEvent, OutboxMessage, table_of
from arrears.models.outbox import MESSAGE_CHANNELS, MESSAGE_KINDS

_MESSAGE, _EVENT = table_of(OutboxMessage), table_of(OutboxEvent)
CHUNK = 2_000
KEY_LENGTH = 120


class OutboxError(ArrearsError):
    """A message that cannot be queued as given (a bug in its producer, not the cardholder's data)."""


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message to queue. ``key`` names it for good (``run:<date>:<channel>:<account>:<template>``,
    ``ws:<request>``): the same key is queued once. ``body`` holds masked data only; a letter's is
    empty (it is rendered later). ``failed_reason``: the message could not be made; it is kept as
    failed with that reason."""

    key: str
    channel: str
    source: str  # run, workspace, portal, system
    not_before: datetime
    deadline_at: datetime
    kind: str = "collection"
    account_id: int | None = None
    customer_id: int | None = None
    contact_point_id: int | None = None
    action_id: int | None = None
    run_date: date | None = None
    user_id: int | None = None
    template: str | None = None
    template_version: int | None = None
    locale: str = "zh"
    subject: str | None = None
    body: str | None = None
    target: str | None = None
    failed_reason: str | None = None
    legal_case_id: int | None = None  # a legal case's document: its own litigation hold does not stop it


_FIELDS = tuple(field.name for field in fields(NewMessage))


def _checked(message: NewMessage) -> NewMessage:
    if message.channel not in MESSAGE_CHANNELS or message.kind not in MESSAGE_KINDS:
        raise OutboxError(
            f"a message of channel {message.channel} and kind {message.kind} cannot be queued",
            f"无法排队渠道为 {message.channel}、类型为 {message.kind} 的消息",
        )
    if not message.key or len(message.key) > KEY_LENGTH:
        raise OutboxError(
            f"an idempotency key has 1 to {KEY_LENGTH} characters", f"幂等键须为 1 至 {KEY_LENGTH} 个字符"
        )
    return message


def _row(message: NewMessage, now: datetime) -> dict[str, Any]:
    values = {name: getattr(message, name) for name in _FIELDS}  # shallow: asdict deep-copies
    failed = values.pop("failed_reason")
    values["idempotency_key"] = values.pop("key")
    values |= {"created_at": now, "next_attempt_at": message.not_before, "attempts": 0}
    if failed is None:
        return values | {"status": "queued", "finished_at": None, "last_error": None}
    return values | {"status": "failed", "finished_at": now, "last_error": failed[:500]}


def enqueue(connection: Connection, *, messages: Sequence[NewMessage], now: datetime) -> int:
    """Queues the messages whose key is new (the others are left as they are) with a ``queued`` event
    each (``failed`` with the reason for one that could not be made). Returns how many were new."""
    added = 0
    for start in range(0, len(messages), CHUNK):
        rows = [_row(_checked(message), now) for message in messages[start : start + CHUNK]]
        new = outbox_sql.insert_new_messages(connection, rows)
        if new:
            events = [
                {"message_id": row.id, "at": now, "status": row.status, "detail": row.last_error}
                for row in new
            ]
            outbox_sql.insert_rows(connection, _EVENT, events)
        added += len(new)
    return added
