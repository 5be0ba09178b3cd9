from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

REQUEST_KINDS = ("visit", "legal_review")
REQUEST_STATUSES = ("open", "accepted", "declined", "done")


class CaseRequest(Base):
    """A collector's request for a field visit or a legal review of an account, for the visit planners
    or legal to take up."""

    __tablename__ = "case_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open", index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
