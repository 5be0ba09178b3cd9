from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base


class DelinquencySnapshot(Base):
    """An account's delinquency on one business date: the input of cure and roll analysis."""

    __tablename__ = "delinquency_snapshot"
    __table_args__ = (UniqueConstraint("account_id", "as_of_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # no foreign key: a high-volume history table written only by the loader (docs/decisions/0005)
    account_id: Mapped[int] = mapped_column(Integer)
    as_of_date: Mapped[date] = mapped_column(Date, index=True)
    dpd: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[str] = mapped_column(String(10))
    regulatory_class: Mapped[str] = mapped_column(String(20))
    overdue_fen: Mapped[int] = mapped_column(BigInteger)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    oldest_unpaid_due_date: Mapped[date | None] = mapped_column(Date)
