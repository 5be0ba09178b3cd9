"""What the staff page ``/payments`` shows and does: the latest reconciliation with its differing rows,
and the gateway's notifications kept for review (amount mismatches, closed after success, second
trades) with their "resolved" action (audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select, update

from arrears.audit.repository import AuditLog
from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import CardAccount, table_of
from arrears.models.payments import GatewayNotification, PaymentOrder
from arrears.payments.reconcile.repository import ReconcileRepository, StoredReconciliation

_NOTE, _ORDER, _ACCOUNT = table_of(GatewayNotification), table_of(PaymentOrder), table_of(CardAccount)
SHOWN_NOTIFICATIONS = 200


class AlreadyResolved(ArrearsError):
    """The notification is not open for review (resolved already, or never kept)."""


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: int
    received_at: datetime
    outcome: str
    out_trade_no: str | None
    trade_no: str | None
    total_amount: str | None
    trade_status: str | None
    gmt_payment: str | None
    detail: str | None
    account_id: int | None
    account_tail: str | None  # the account number's last four characters: shown masked


@dataclass(frozen=True, slots=True)
class PaymentsReview:
    latest: StoredReconciliation | None
    open_items: list[ReviewItem]
    open_count: int
    resolved_count: int


def payments_review(connection: Connection) -> PaymentsReview:
    note, order, account = _NOTE, _ORDER, _ACCOUNT
    query = (
        select(
            note.c.id, note.c.received_at, note.c.outcome, note.c.out_trade_no, note.c.trade_no,
            note.c.total_amount, note.c.trade_status, note.c.gmt_payment, note.c.detail,
            account.c.id.label("account_id"), account.c.account_no,
        )
        .select_from(note)
        .outerjoin(order, order.c.out_trade_no == note.c.out_trade_no)
        .outerjoin(account, account.c.id == order.c.account_id)
        .where(note.c.review_status == "open")
        .order_by(note.c.received_at.desc(), note.c.id.desc())
        .limit(SHOWN_NOTIFICATIONS)
    )  # fmt: skip
    items = []
    for row in connection.execute(query).mappings():
        values = {key: value for key, value in row.items() if key != "account_no"}
        items.append(ReviewItem(**values, account_tail=row["account_no"][-4:] if row["account_no"] else None))
    counted: dict[str, int] = dict(
        connection.execute(
            select(note.c.review_status, func.count())
            .where(note.c.review_status.is_not(None))
            .group_by(note.c.review_status)
        ).all()
    )
    return PaymentsReview(
        latest=ReconcileRepository(connection).latest(),
        open_items=items,
        open_count=int(counted.get("open", 0)),
        resolved_count=int(counted.get("resolved", 0)),
    )


def resolve_notification(connection: Connection, *, notification_id: int, actor: str, now: datetime) -> None:
    """Marks a notification kept for review as resolved (audited); NotFound for an unknown one,
    AlreadyResolved for one that is not open."""
    found = connection.execute(
        select(_NOTE.c.outcome, _NOTE.c.review_status, _NOTE.c.out_trade_no, _NOTE.c.trade_no).where(
            _NOTE.c.id == notification_id
        )
    ).first()
    if found is None:
        raise NotFound(f"notification {notification_id} does not exist", f"通知 {notification_id} 不存在")
    done = connection.execute(
        update(_NOTE)
        .where(_NOTE.c.id == notification_id, _NOTE.c.review_status == "open")
        .values(review_status="resolved")
    )
    if done.rowcount != 1:
        raise AlreadyResolved(
            f"notification {notification_id} is not open for review", f"通知 {notification_id} 不在待复核状态"
        )
    details: dict[str, Any] = {"outcome": found.outcome, "out_trade_no": found.out_trade_no,
                               "trade_no": found.trade_no}  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=actor, action="payment.review_resolved", subject_type="gateway_notification",
        subject_id=str(notification_id), details=details,
    )  # fmt: skip
