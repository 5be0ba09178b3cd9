from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

PLAN_KINDS = ("instalment", "deferral")
PLAN_STATUSES = ("proposed", "active", "completed", "broken", "rejected")
INSTALMENT_STATUSES = ("due", "kept", "partly_kept", "broken")


class RepaymentPlan(Base):
    """A repayment plan: instalments, or one deferred payment. One beyond its proposer's authority
    stays ``proposed`` until approved (``plan_approval``). The daily run settles the instalments of
    active plans; one broken instalment breaks the plan."""

    __tablename__ = "repayment_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    agreed_on: Mapped[date] = mapped_column(Date)
    waived_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    # what the plan waives, of the interest and of the fees (waived_fen is their sum)
    waived_interest_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    waived_fee_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    total_fen: Mapped[int] = mapped_column(
        BigInteger, default=0, server_default="0"
    )  # what the plan collects
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanInstalment(Base):
    """One payment of a plan, due on ``due_date``; settled by running totals, ``paid_fen`` credited
    from the payments oldest instalment first (``arrangements.settlement``)."""

    __tablename__ = "plan_instalment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("repayment_plan.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    due_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(20), default="due", server_default="due")
    settled_on: Mapped[date | None] = mapped_column(Date)
