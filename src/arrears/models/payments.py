"""Online payments: the orders the portal and collectors create, the gateway's notifications, and the
reconciliations of the gateway's settlement files (``docs/payments.md``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string

ORDER_PURPOSES = ("overdue", "minimum", "instalment", "payoff", "custom")
ORDER_STATUSES = ("created", "paid", "closed", "refunded")
NOTIFICATION_OUTCOMES = (
    "posted",  # a TRADE_SUCCESS posted the payment
    "repeat",  # the same trade_no again: answered success, nothing posted
    "closed",  # TRADE_CLOSED of an order not paid: the order is closed
    "closed_after_success",  # TRADE_CLOSED of a paid order: kept for review, nothing changed
    "bad_signature",
    "unknown_order",
    "amount_mismatch",  # kept for review
    "invalid",  # a field missing or malformed
    "second_trade",  # another trade_no for an order already paid: kept for review
)
PAYMENT_SOURCES = ("extract", "gateway", "reconcile", "reversal")


class PaymentOrder(Base):
    """A payment the cardholder (portal) or a collector (pay link) asked the gateway to take:
    ``out_trade_no`` is ours, unique; ``trade_no`` is the gateway's, set when it is paid."""

    __tablename__ = "payment_order"

    id: Mapped[int] = mapped_column(primary_key=True)
    out_trade_no: Mapped[str] = mapped_column(key_string(64), unique=True)
    gateway: Mapped[str] = mapped_column(String(20))
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    purpose: Mapped[str] = mapped_column(String(20))
    plan_instalment_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="created", server_default="created")
    created_via: Mapped[str] = mapped_column(String(20))  # portal, staff, cli
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trade_no: Mapped[str | None] = mapped_column(key_string(64), index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    payment_id: Mapped[int | None] = mapped_column(Integer)  # the posted payment row
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GatewayNotification(Base):
    """Every notification the gateway sent, as received (the signature checked, never the secret), and
    what was done with it. Those kept for review carry ``review_status`` ``open``."""

    __tablename__ = "gateway_notification"
    __table_args__ = (Index("ix_gateway_notification_review", "review_status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    out_trade_no: Mapped[str | None] = mapped_column(String(64), index=True)
    trade_no: Mapped[str | None] = mapped_column(String(64), index=True)
    total_amount: Mapped[str | None] = mapped_column(String(32))  # as sent
    trade_status: Mapped[str | None] = mapped_column(String(32))
    gmt_payment: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(30))
    review_status: Mapped[str | None] = mapped_column(String(20))  # open, resolved; null: nothing to review
    detail: Mapped[str | None] = mapped_column(Text)


class Reconciliation(Base):
    """One reading of the gateway's daily settlement file and what it found (``report`` is JSON)."""

    __tablename__ = "reconciliation"

    id: Mapped[int] = mapped_column(primary_key=True)
    gateway: Mapped[str] = mapped_column(String(20))
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(key_string(64))
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ran_by: Mapped[str] = mapped_column(String(80))
    matched: Mapped[int] = mapped_column(Integer)
    missing_here: Mapped[int] = mapped_column(Integer)
    missing_at_gateway: Mapped[int] = mapped_column(Integer)
    amount_differences: Mapped[int] = mapped_column(Integer)
    report: Mapped[str] = mapped_column(Text)
