from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

OVERDRAFT_STATUSES = ("pending", "referred", "not_referred")
COLLECTION_KINDS = ("letter", "call")  # the effective collections: a demand letter delivered, a call


class OverdraftCandidate(Base):
    """An account the daily malicious-overdraft check (恶意透支) found eligible for referral on its
    check day, with the evidence (the pair of effective collections, the last payment, the amounts) as
    the check saw it, and legal's decision on it (refer or not, with the reason; audited). One row per
    account and check day: a re-run of the day refreshes its pending rows and leaves decided ones."""

    __tablename__ = "overdraft_candidate"
    __table_args__ = (
        UniqueConstraint("account_id", "check_date", name="uq_overdraft_candidate_account_day"),
        # a check day's candidates by account (the check, a range at a time) and by status (the page)
        Index("ix_overdraft_candidate_day_account", "check_date", "account_id", "status",
              postgresql_include=["id"]),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    check_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    first_collection_on: Mapped[date] = mapped_column(Date)
    first_collection_kind: Mapped[str] = mapped_column(String(10))
    second_collection_on: Mapped[date] = mapped_column(Date)
    second_collection_kind: Mapped[str] = mapped_column(String(10))
    eligible_from: Mapped[date] = mapped_column(Date)
    last_payment_on: Mapped[date | None] = mapped_column(Date)
    overdue_fen: Mapped[int] = mapped_column(BigInteger)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    dpd: Mapped[int] = mapped_column(Integer)
    evidence: Mapped[str] = mapped_column(Text)  # JSON: every collection counted, the last payment
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
