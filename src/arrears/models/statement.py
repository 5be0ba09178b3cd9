from __future__ import annotations

from datetime import date

from sqlalchemy import BigInteger, Date, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base


class Statement(Base):
    """A monthly statement: its balance and the minimum payment due by ``due_date``."""

    __tablename__ = "statement"
    __table_args__ = (UniqueConstraint("account_id", "statement_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # no foreign key: a high-volume history table written only by the loader (docs/decisions/0005)
    account_id: Mapped[int] = mapped_column(Integer)
    statement_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    balance_fen: Mapped[int] = mapped_column(BigInteger)
    minimum_due_fen: Mapped[int] = mapped_column(BigInteger)
