"""The gateway's notifications: only they post money (docs/payments.md, "The gateway contract").

:func:`receive_notification` decides what one notification does, in the caller's transaction (an
``audit_transaction``), and answers ``success`` or ``fail``:

- a bad signature, a field missing or malformed, an unknown order, or an amount different from the
  order's: ``fail`` (400), nothing posted; an amount mismatch is kept for review;
- TRADE_SUCCESS of a payable order: the order ``created`` -> ``paid`` (a conditional update, under
  the order row's lock), the payment posted (``posting.post_payment``), ``success``;
- the same ``trade_no`` again: ``success``, nothing posted; another ``trade_no`` for a paid order:
  ``success`` (the gateway stops sending), nothing posted, kept for review;
- TRADE_CLOSED of an order not paid: the order ``closed``, ``success``; of a paid order: nothing
  changes, kept for review, ``success``.

Every notification is written to ``gateway_notification`` (as received, never its ``sign``) and
audited (``payment.notification`` with its outcome). Two notifications of the same trade at once: the
second waits for the order row's lock (``FOR UPDATE`` on PostgreSQL, the write lock on SQLite), then
finds the order paid; the unique ``payment_ref`` stops any other path posting it twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row

from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.payments import repository
from arrears.payments.gateway import (
    TRADE_CLOSED,
    BadNotification,
    Notification,
    gateway_time,
    plausible_payment_time,
    read_notification,
    verify,
    yuan_text,
)
from arrears.payments.posting import post_payment

ACCEPTED = frozenset({"posted", "repeat", "closed", "closed_after_success", "second_trade"})
KEPT_FOR_REVIEW = frozenset({"amount_mismatch", "closed_after_success", "second_trade"})
_STORED = {"out_trade_no": 64, "trade_no": 64, "total_amount": 32, "trade_status": 32, "gmt_payment": 32}


@dataclass(frozen=True, slots=True)
class Received:
    """What a notification did: its outcome, the answer to give, the payment it posted or found."""

    outcome: str
    notification_id: int
    payment_id: int | None = None
    order_id: int | None = None

    @property
    def accepted(self) -> bool:
        return self.outcome in ACCEPTED

    @property
    def answer(self) -> str:
        """``success`` (HTTP 200) or ``fail`` (HTTP 400), as the gateway expects."""
        return "success" if self.accepted else "fail"

    @property
    def status_code(self) -> int:
        return 200 if self.accepted else 400


@dataclass(frozen=True, slots=True)
class _Decision:
    outcome: str
    detail: str | None = None
    payment_id: int | None = None
    order_id: int | None = None


def receive_notification(
    connection: Connection,
    fields: Mapping[str, str],
    *,
    secret: bytes,
    now: datetime,
    settings: Settings,
    gateway: str = "simulated",
    malformed: str | None = None,
) -> Received:
    """Verifies, applies, records and audits one notification (``fields`` as posted); ``malformed``
    says why the body itself is unusable (e.g. a field sent twice): answered ``fail``, recorded."""
    if malformed is not None:
        decision = _Decision("invalid", malformed)
    elif not verify(fields, secret):
        decision = _Decision("bad_signature", "the signature does not verify")
    else:
        decision = _decide(connection, fields, now=now, settings=settings)
    values = {name: _storable(fields.get(name), _STORED[name]) for name in _STORED}
    notification_id = repository.insert_notification(
        connection,
        values
        | {
            "gateway": gateway,
            "received_at": now,
            "outcome": decision.outcome,
            "review_status": "open" if decision.outcome in KEPT_FOR_REVIEW else None,
            "detail": decision.detail,
        },
    )
    AuditLog(connection).append(
        at=now, actor=f"gateway:{gateway}", action="payment.notification", subject_type="payment_order",
        subject_id=str(decision.order_id) if decision.order_id is not None else None,
        details={"outcome": decision.outcome, "notification_id": notification_id,
                 "payment_id": decision.payment_id, **{name: values[name] for name in _STORED}},
    )  # fmt: skip
    return Received(decision.outcome, notification_id, decision.payment_id, decision.order_id)


def _storable(value: str | None, size: int) -> str | None:
    """A field as received, cut to its column, a NUL shown as ``\\x00`` (PostgreSQL cannot store one
    in text, and an unsigned body may hold anything)."""
    return value.replace("\x00", "\\x00")[:size] if value else None


def _decide(
    connection: Connection, fields: Mapping[str, str], *, now: datetime, settings: Settings
) -> _Decision:
    try:
        note = read_notification(fields)
    except BadNotification as problem:
        return _Decision("invalid", problem.message_en)
    order = repository.order_row(connection, note.out_trade_no, lock=True)
    if order is None:
        return _Decision("unknown_order", "no order has this out_trade_no")
    if note.amount_fen != order.amount_fen:
        detail = f"total_amount {yuan_text(note.amount_fen)}, the order's {yuan_text(int(order.amount_fen))}"
        return _Decision("amount_mismatch", detail, order_id=order.id)
    if note.trade_status == TRADE_CLOSED:
        return _closed(connection, order, note, now=now)
    assert note.paid_at is not None  # read_notification requires gmt_payment for TRADE_SUCCESS
    ordered_at = order.created_at if order.created_at.tzinfo else order.created_at.replace(tzinfo=UTC)
    if not plausible_payment_time(note.paid_at, ordered_at=ordered_at, received_at=now):
        detail = f"gmt_payment {gateway_time(note.paid_at)} is before the order was made or after now"
        return _Decision("invalid", detail, order_id=order.id)
    return _success(connection, order, note, now=now, settings=settings)


def _closed(connection: Connection, order: Row[Any], note: Notification, *, now: datetime) -> _Decision:
    if order.status == "created" and repository.close_order(
        connection, order_id=order.id, trade_no=note.trade_no, at=now
    ):
        return _Decision("closed", order_id=order.id)
    if order.status == "closed":
        return _Decision("repeat", "the order is closed already", order_id=order.id)
    detail = f"TRADE_CLOSED for an order {order.status} (trade {order.trade_no}): nothing changed"
    return _Decision("closed_after_success", detail, payment_id=order.payment_id, order_id=order.id)


def _success(
    connection: Connection, order: Row[Any], note: Notification, *, now: datetime, settings: Settings
) -> _Decision:
    if order.status in ("paid", "refunded"):
        if order.trade_no == note.trade_no:
            return _Decision("repeat", payment_id=order.payment_id, order_id=order.id)
        detail = f"the order was paid by trade {order.trade_no}: this trade was not posted"
        return _Decision("second_trade", detail, payment_id=order.payment_id, order_id=order.id)
    assert note.paid_at is not None
    posted_before = repository.payment_by_ref(connection, note.trade_no)  # e.g. from a settlement file
    if not repository.mark_paid(connection, order_id=order.id, trade_no=note.trade_no, paid_at=note.paid_at):
        return _Decision("repeat", f"the order is {order.status}", order_id=order.id)  # pragma: no cover
    payment_id = post_payment(
        connection, account_id=order.account_id, amount_fen=note.amount_fen, paid_at=note.paid_at,
        trade_no=note.trade_no, source="gateway", now=now, settings=settings, order_id=order.id,
    )  # fmt: skip
    if posted_before is not None:
        repository.settle_order(
            connection, order_id=order.id, payment_id=payment_id, trade_no=note.trade_no, paid_at=note.paid_at
        )
        return _Decision("repeat", "the trade was posted before", payment_id=payment_id, order_id=order.id)
    return _Decision("posted", payment_id=payment_id, order_id=order.id)
