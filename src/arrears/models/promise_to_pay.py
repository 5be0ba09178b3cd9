from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

PROMISE_STATUSES = ("open", "kept", "partly_kept", "broken")


class PromiseToPay(Base):
    """A cardholder's promise to pay ``amount_fen`` by ``promised_date``; the daily run settles it
    from the payments made from ``taken_on`` to the promised date, each payment's fen credited to one
    promise only (``arrangements.settlement.allocate_promises``)."""

    __tablename__ = "promise_to_pay"
    __table_args__ = (Index("ix_promise_to_pay_taken_by", "taken_by_id", "taken_on"),)  # a collector's day

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    taken_on: Mapped[date] = mapped_column(Date)
    promised_date: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    settled_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # who took it on a call (None: the cardholder on the portal, a visit, or before migration 0020)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
