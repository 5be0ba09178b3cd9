from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import key_string


class CardTransaction(Base):
    """A consumption record (purchase, cash advance, refund) posted to a card account."""

    __tablename__ = "card_transaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_ref: Mapped[str] = mapped_column(key_string(64), unique=True)
    # no foreign key: a high-volume history table written only by the loader (docs/decisions/0005)
    account_id: Mapped[int] = mapped_column(Integer, index=True)
    posted_date: Mapped[date] = mapped_column(Date)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    merchant: Mapped[str] = mapped_column(String(200))
    mcc: Mapped[str | None] = mapped_column(String(4))
    category: Mapped[str] = mapped_column(String(30))
