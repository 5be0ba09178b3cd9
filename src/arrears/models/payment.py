from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import key_string


class Payment(Base):
    """A repayment received on a card account."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_ref: Mapped[str] = mapped_column(key_string(64), unique=True)
    # no foreign key: a high-volume history table written only by the loader (docs/decisions/0005)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    paid_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    channel: Mapped[str] = mapped_column(String(20))
