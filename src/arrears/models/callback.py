from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

CALLBACK_STATUSES = ("open", "done", "cancelled")


class Callback(Base):
    """A call a collector promised to make back at ``due_at`` (the cardholder asked, or a promise needs
    a reminder)."""

    __tablename__ = "callback"
    __table_args__ = (Index("ix_callback_user_status_due", "user_id", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
