from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

APPROVAL_STATUSES = ("pending", "approved", "rejected")


class PlanApproval(Base):
    """A plan or waiver beyond its proposer's authority, waiting for (or decided by) a team lead or
    manager: ``required_role`` is the lowest role whose authority covers it."""

    __tablename__ = "plan_approval"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("repayment_plan.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    required_role: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    waived_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending", index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str | None] = mapped_column(Text)
