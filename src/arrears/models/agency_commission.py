"""Agency commissions (委外佣金): each agency's commission schedule and its monthly statements
(``docs/agencies.md``, "Commissions and league table"; ``docs/decisions/0033``)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

COMMISSION_STATUSES = ("draft", "reviewed", "approved")


class AgencyCommissionRate(Base):
    """One band of an agency's commission schedule in force for accounts placed from ``effective_from``
    (until the agency's next schedule): the rate in basis points of what is collected on an account
    whose days past due at placement lie in ``min_dpd``..``max_dpd`` (inclusive; no max: and above)
    and whose overdue amount at placement lies in ``min_overdue_fen``..``max_overdue_fen`` (the max
    excluded; no max: and above). A schedule's bands never overlap (``commission_rules``)."""

    __tablename__ = "agency_commission_rate"
    __table_args__ = (
        Index("ix_agency_commission_rate_agency", "agency_code", "effective_from"),
        CheckConstraint("rate_bp >= 0 AND rate_bp <= 10000", name="rate_bp"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40))
    effective_from: Mapped[date] = mapped_column(Date)
    age_band: Mapped[str] = mapped_column(String(20))  # as the schedule names it: M1-M3, M7+, 91-180
    min_dpd: Mapped[int] = mapped_column(Integer)
    max_dpd: Mapped[int | None] = mapped_column(Integer)
    min_overdue_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    max_overdue_fen: Mapped[int | None] = mapped_column(BigInteger)
    rate_bp: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommissionStatement(Base):
    """An agency's commission statement for one calendar month (``month``: its first day): the payments
    attributed to the agency, what it collected and earned (fen), the breakdown by rate (JSON), what
    the month still lacks (``unposted``: gateway payments not posted yet; ``provisional``: the month
    was not over), the CSV (one line per payment) and PDF files with their SHA-256, and who reviewed
    and approved it (two people). Made again while not approved: the figures and files replaced,
    ``version`` counted up, back to draft."""

    __tablename__ = "commission_statement"
    __table_args__ = (
        UniqueConstraint("agency_code", "month", name="uq_commission_statement_agency_month"),
        Index("ix_commission_statement_month", "month", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40))
    month: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="draft", server_default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    as_of: Mapped[date] = mapped_column(Date)  # the business date it was made on
    payments: Mapped[int] = mapped_column(Integer)
    collected_fen: Mapped[int] = mapped_column(BigInteger)
    commission_fen: Mapped[int] = mapped_column(BigInteger)
    clawback_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")  # reversals (<= 0)
    unrated_payments: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    breakdown: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON
    unposted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unposted_detail: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")  # JSON
    csv_path: Mapped[str] = mapped_column(String(500))  # relative to the data directory
    csv_sha256: Mapped[str] = mapped_column(String(64))
    pdf_path: Mapped[str] = mapped_column(String(500))
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    made_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
