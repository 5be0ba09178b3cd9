from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string

ACCOUNT_STATUSES = ("active", "blocked", "closed", "charged_off")


class CardAccount(Base):
    """A card account with its balances (fen) and its current delinquency state.

    ``arrears_*`` hold the unpaid minimum brought forward from before the extract window, as the card
    system reported it on ``arrears_as_of_date``; later statements and payments are applied on top.
    """

    __tablename__ = "card_account"
    # The delinquency columns change every day for every account in arrears. Room left in each page
    # and no index on them lets PostgreSQL update in place (HOT) instead of re-indexing the row.
    __table_args__ = ({"postgresql_with": {"fillfactor": 80}},)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_no: Mapped[str] = mapped_column(key_string(64), unique=True)
    # the account number's last four characters: the portal finds an account by them (with the
    # national ID's last six), through this index rather than a scan of every number
    account_tail: Mapped[str | None] = mapped_column(key_string(4), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    product: Mapped[str] = mapped_column(String(50))
    currency: Mapped[str] = mapped_column(String(3))
    credit_limit_fen: Mapped[int] = mapped_column(BigInteger)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    interest_fen: Mapped[int] = mapped_column(BigInteger)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    open_date: Mapped[date] = mapped_column(Date)
    cycle_day: Mapped[int] = mapped_column(SmallInteger)
    due_day: Mapped[int] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(20))
    arrears_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    arrears_due_date: Mapped[date | None] = mapped_column(Date)
    arrears_as_of_date: Mapped[date | None] = mapped_column(Date)
    # current delinquency state: that of the latest delinquency_snapshot
    dpd: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    bucket: Mapped[str] = mapped_column(String(10), default="M0", server_default="M0")
    regulatory_class: Mapped[str] = mapped_column(String(20), default="normal", server_default="normal")
    overdue_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fee_fen
