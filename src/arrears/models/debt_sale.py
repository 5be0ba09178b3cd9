from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

POOL_STATUSES = ("open", "proposed", "sold")
SALE_STATUSES = ("proposed", "approved", "rejected")
_LIVE = "status <> 'rejected'"


class DebtSalePool(Base):
    """A candidate pool of loss-class accounts for sale (不良资产转让), frozen on its as-of date: the
    criteria it was drawn with (JSON, with the accounts left out and why), and its totals. ``open``
    until a sale of it is proposed, ``proposed`` while the sale waits for approval, ``sold`` after."""

    __tablename__ = "debt_sale_pool"
    __table_args__ = (Index("ix_debt_sale_pool_status", "status", "as_of_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    as_of_date: Mapped[date] = mapped_column(Date)  # the cut-off (基准日): balances frozen on this day
    min_dpd: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    criteria: Mapped[str] = mapped_column(Text)  # JSON: min_dpd, the rules applied, the accounts left out
    accounts: Mapped[int] = mapped_column(Integer)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    expected_fen: Mapped[int] = mapped_column(BigInteger)  # the members' expected recoveries, summed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DebtSalePoolAccount(Base):
    """An account of a pool as it stood on the pool's as-of date (the delinquency snapshot of that
    day), with what its expected recovery was computed from (debtsale.rules.expected_recovery)."""

    __tablename__ = "debt_sale_pool_account"
    __table_args__ = (
        UniqueConstraint("pool_id", "account_id", name="uq_debt_sale_pool_account"),
        Index("ix_debt_sale_pool_account_account", "account_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("debt_sale_pool.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    dpd: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(10))
    regulatory_class: Mapped[str] = mapped_column(String(20))
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    overdue_fen: Mapped[int] = mapped_column(BigInteger)
    oldest_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
    p_pay_bp: Mapped[int | None] = mapped_column(Integer)  # the model's probability of payment, 1/10,000
    months_paid: Mapped[int] = mapped_column(Integer)  # of the 12 months to the as-of date
    paid_12m_fen: Mapped[int] = mapped_column(BigInteger)
    last_paid_on: Mapped[date | None] = mapped_column(Date)
    expected_fen: Mapped[int] = mapped_column(BigInteger)


class DebtSale(Base):
    """A sale of a pool to a buyer: proposed by one person, approved (or rejected) by another. Approval
    marks the accounts sold, writes the buyer's sale file (CSV under the data directory, its SHA-256
    kept) and queues a notice letter to each cardholder. One live (not rejected) sale per pool."""

    __tablename__ = "debt_sale"
    __table_args__ = (
        Index("ux_debt_sale_pool_live", "pool_id", unique=True,
              postgresql_where=text(_LIVE), sqlite_where=text(_LIVE)),
        Index("ix_debt_sale_status", "status", "sold_on"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("debt_sale_pool.id"))
    status: Mapped[str] = mapped_column(String(20), default="proposed", server_default="proposed")
    buyer_name: Mapped[str] = mapped_column(String(200))
    buyer_licence: Mapped[str] = mapped_column(String(100))  # licence or registration number
    buyer_contact: Mapped[str] = mapped_column(String(500))  # where cardholders reach the buyer
    buyer_pay_to: Mapped[str] = mapped_column(String(500))  # how cardholders pay the buyer
    buyer_collects_itself: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    price_fen: Mapped[int] = mapped_column(BigInteger)
    sold_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)
    accounts: Mapped[int] = mapped_column(Integer)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    file_path: Mapped[str | None] = mapped_column(String(300))  # relative to the data directory
    file_sha256: Mapped[str | None] = mapped_column(String(64))
    file_rows: Mapped[int | None] = mapped_column(Integer)


class SoldAccount(Base):
    """An account sold: never sold again (``account_id`` unique), excluded from every later run, queue,
    message and placement. ``cutoff_on``: the pool's as-of date; a payment made after it belongs to the
    buyer (``sold_payment_forward``)."""

    __tablename__ = "sold_account"
    __table_args__ = (Index("ix_sold_account_sale", "sale_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    sale_id: Mapped[int] = mapped_column(ForeignKey("debt_sale.id"))
    sold_on: Mapped[date] = mapped_column(Date)
    cutoff_on: Mapped[date] = mapped_column(Date)
    notice_message_id: Mapped[int | None] = mapped_column(BigInteger)  # the notice letter (outbox)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SoldPaymentForward(Base):
    """A payment received on a sold account after its cut-off: posted as usual, and owed to the buyer.
    A reversal of one is flagged too (a negative amount), so the sum is what is to forward."""

    __tablename__ = "sold_payment_forward"
    __table_args__ = (Index("ix_sold_payment_forward_sale", "sale_id", "paid_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # no foreign key to payment: a high-volume history table written by the loader (decision 0005)
    payment_id: Mapped[int] = mapped_column(Integer, unique=True)
    sale_id: Mapped[int] = mapped_column(ForeignKey("debt_sale.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    paid_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(20))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)
