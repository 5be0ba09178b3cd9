from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string


class Payment(Base):
    """A repayment received on a card account."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_ref: Mapped[str] = mapped_column(key_string(64), unique=True)
    # no foreign key: a high-volume history table written only by the loader (docs/decisions/0005)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    # a month's payments read by their date (agency commission statements, docs/decisions/0033); the
    # loader appends days in order, so the index grows at its end
    paid_date: Mapped[date] = mapped_column(Date, index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(20))
    # extract (the bank's file), gateway (posted from the gateway's notification; the extract's row of
    # the same payment, whose payment_id is the gateway's trade_no, lands on this row), reconcile
    # (posted from the settlement file), reversal (a refund or reversal: a negative amount)
    source: Mapped[str] = mapped_column(String(20), default="extract", server_default="extract")
    trade_no: Mapped[str | None] = mapped_column(key_string(64))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverses_id: Mapped[int | None] = mapped_column(Integer)  # the payment a reversal takes back
    # how a posted payment was applied to the account's items (fen; a reversal's are negative)
    applied_fee_fen: Mapped[int | None] = mapped_column(BigInteger)
    applied_interest_fen: Mapped[int | None] = mapped_column(BigInteger)
    applied_principal_fen: Mapped[int | None] = mapped_column(BigInteger)
