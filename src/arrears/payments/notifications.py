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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog, Pending
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
from arrears.payments.posting import Posting, post_payments

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
    trade_no: str | None = None  # the trade whose payment it names (its id known once the batch posts)


@dataclass(frozen=True, slots=True)
class Incoming:
    """One notification as posted: its fields, and why the body itself is unusable when it is (e.g. a
    field sent twice)."""

    fields: Mapping[str, str]
    malformed: str | None = None


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
    found = receive_notifications(
        connection, [Incoming(fields, malformed)], secret=secret, now=now, settings=settings, gateway=gateway
    )
    return found[0]


def receive_notifications(
    connection: Connection,
    incoming: Sequence[Incoming],
    *,
    secret: bytes,
    now: datetime,
    settings: Settings,
    gateway: str = "simulated",
) -> list[Received]:
    """:func:`receive_notification` of each, in their order, with a few statements for all: as if each
    came after the one before (a trade twice: posted once, then a repeat)."""
    notes: list[Notification | _Decision] = [_read(one, secret) for one in incoming]
    valid = [note for note in notes if isinstance(note, Notification)]
    orders = repository.orders_locked(connection, [note.out_trade_no for note in valid])
    batch = _Batch(orders, repository.payment_ids_by_ref(connection, [note.trade_no for note in valid]))
    decisions = [note if isinstance(note, _Decision) else _decide(batch, note, now=now) for note in notes]
    repository.close_orders(connection, batch.closed, at=now)
    repository.mark_paid(
        connection, [(order, one.trade_no, one.paid_at) for one in batch.postings if (order := one.order_id)]
    )
    paid = post_payments(connection, batch.postings, now=now, settings=settings)
    by_trade = dict(zip((one.trade_no for one in batch.postings), paid, strict=True))
    repository.settle_orders(
        connection,
        [(order, by_trade[one.trade_no], one.trade_no, one.paid_at) for one in batch.repeats
         if (order := one.order_id)],
    )  # fmt: skip
    decisions = [_with_payment(decision, by_trade) for decision in decisions]
    rows: list[dict[str, Any]] = [
        {name: _storable(one.fields.get(name), _STORED[name]) for name in _STORED}
        | {"gateway": gateway, "received_at": now, "outcome": decision.outcome, "detail": decision.detail,
           "review_status": "open" if decision.outcome in KEPT_FOR_REVIEW else None}
        for one, decision in zip(incoming, decisions, strict=True)
    ]  # fmt: skip
    _review_once(connection, rows)
    ids = repository.insert_notifications(connection, rows)
    AuditLog(connection).append_many(
        [
            Pending(
                at=now,
                actor=f"gateway:{gateway}",
                action="payment.notification",
                subject_type="payment_order",
                subject_id=str(decision.order_id) if decision.order_id is not None else None,
                details={
                    "outcome": decision.outcome,
                    "notification_id": notification_id,
                    "payment_id": decision.payment_id,
                    **{name: row[name] for name in _STORED},
                },
            )
            for decision, notification_id, row in zip(decisions, ids, rows, strict=True)
        ]
    )
    return [
        Received(decision.outcome, notification_id, decision.payment_id, decision.order_id)
        for decision, notification_id in zip(decisions, ids, strict=True)
    ]


def _review_once(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """A notification kept for review that the gateway sends again (the same order, trade and outcome
    as one kept before, or earlier in the batch) is recorded, not kept for review a second time."""
    kept = [row for row in rows if row["review_status"] is not None]
    if not kept:
        return
    seen = repository.kept_for_review(connection, [row["out_trade_no"] for row in kept])
    for row in kept:
        key = (row["out_trade_no"], row["trade_no"], row["outcome"])
        if key in seen:
            row["review_status"] = None
            row["detail"] = f"{row['detail']} (sent again: kept for review once)"
        seen.add(key)


def _storable(value: str | None, size: int) -> str | None:
    """A field as received, cut to its column, a NUL shown as ``\\x00`` (PostgreSQL cannot store one
    in text, and an unsigned body may hold anything)."""
    return value.replace("\x00", "\\x00")[:size] if value else None


def _read(one: Incoming, secret: bytes) -> Notification | _Decision:
    """The notification, or the decision that refuses it without reading the database."""
    if one.malformed is not None:
        return _Decision("invalid", one.malformed)
    if not verify(one.fields, secret):
        return _Decision("bad_signature", "the signature does not verify")
    try:
        return read_notification(one.fields)
    except BadNotification as problem:
        return _Decision("invalid", problem.message_en)


@dataclass(slots=True)
class _Batch:
    """The orders of a batch (locked, by ``out_trade_no``; changed as its notifications are decided in
    turn), the trades posted before it, and what it is to write."""

    orders: dict[str, dict[str, Any]]
    posted_before: dict[str, int]  # payments of the batch's trades that exist (e.g. from a settlement file)
    closed: list[tuple[int, str]] = field(default_factory=list)  # (order id, trade_no)
    postings: list[Posting] = field(default_factory=list)
    repeats: list[Posting] = field(default_factory=list)  # of a trade posted before or earlier in the batch


def _with_payment(decision: _Decision, by_trade: Mapping[str, int]) -> _Decision:
    """A decision that posts (or repeats a trade of the batch) with its payment's id."""
    if decision.trade_no is None or decision.payment_id is not None or decision.trade_no not in by_trade:
        return decision
    return replace(decision, payment_id=by_trade[decision.trade_no])


def _decide(batch: _Batch, note: Notification, *, now: datetime) -> _Decision:
    order = batch.orders.get(note.out_trade_no)
    if order is None:
        return _Decision("unknown_order", "no order has this out_trade_no")
    if note.amount_fen != order["amount_fen"]:
        detail = (
            f"total_amount {yuan_text(note.amount_fen)}, the order's {yuan_text(int(order['amount_fen']))}"
        )
        return _Decision("amount_mismatch", detail, order_id=order["id"])
    if note.trade_status == TRADE_CLOSED:
        return _closed(batch, order, note)
    assert note.paid_at is not None  # read_notification requires gmt_payment for TRADE_SUCCESS
    created_at = order["created_at"]
    ordered_at = created_at if created_at.tzinfo else created_at.replace(tzinfo=UTC)
    if not plausible_payment_time(note.paid_at, ordered_at=ordered_at, received_at=now):
        detail = f"gmt_payment {gateway_time(note.paid_at)} is before the order was made or after now"
        return _Decision("invalid", detail, order_id=order["id"])
    return _success(batch, order, note)


def _closed(batch: _Batch, order: dict[str, Any], note: Notification) -> _Decision:
    if order["status"] == "created":
        batch.closed.append((order["id"], note.trade_no))
        order["status"] = "closed"
        order["trade_no"] = order["trade_no"] or note.trade_no
        return _Decision("closed", order_id=order["id"])
    if order["status"] == "closed":
        return _Decision("repeat", "the order is closed already", order_id=order["id"])
    detail = f"TRADE_CLOSED for an order {order['status']} (trade {order['trade_no']}): nothing changed"
    return _Decision(
        "closed_after_success", detail, order["payment_id"], order["id"], trade_no=order["trade_no"]
    )


def _success(batch: _Batch, order: dict[str, Any], note: Notification) -> _Decision:
    if order["status"] in ("paid", "refunded"):
        if order["trade_no"] == note.trade_no:
            return _Decision("repeat", None, order["payment_id"], order["id"], trade_no=note.trade_no)
        detail = f"the order was paid by trade {order['trade_no']}: this trade was not posted"
        return _Decision("second_trade", detail, order["payment_id"], order["id"], trade_no=order["trade_no"])
    assert note.paid_at is not None
    posting = Posting(
        order["account_id"], note.amount_fen, note.paid_at, note.trade_no, "gateway", order["id"]
    )
    repeat = note.trade_no in batch.posted_before or any(
        one.trade_no == note.trade_no for one in batch.postings
    )
    batch.postings.append(posting)
    order |= {"status": "paid", "trade_no": note.trade_no, "payment_id": None}
    if repeat:  # its order is paid by the trade's payment (settled once the batch has posted it)
        batch.repeats.append(posting)
        return _Decision(
            "repeat", "the trade was posted before", order_id=order["id"], trade_no=note.trade_no
        )
    return _Decision("posted", order_id=order["id"], trade_no=note.trade_no)
