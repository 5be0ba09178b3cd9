from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from sqlalchemy import Date, ForeignKey, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string

FactKind = Literal["occupation", "employer", "address", "phone", "household", "income", "assets", "hardship"]
FactSource = Literal["call", "visit", "cardholder", "bank"]
FACT_KINDS: tuple[str, ...] = FactKind.__args__  # type: ignore[attr-defined]
FACT_SOURCES: tuple[str, ...] = FactSource.__args__  # type: ignore[attr-defined]


class LearnedFact(Base):
    """Something a collector or visitor learned about a cardholder (a new employer, address, phone,
    household situation, assets, hardship), with where it came from and when.

    Kept as a history beside the bank's data, never over it: every row stays, the newest of a kind is
    the latest word. The value is encrypted, with a masked copy for readers without ``pii:reveal``.
    """

    __tablename__ = "learned_fact"
    __table_args__ = (Index("ix_learned_fact_customer_recorded", "customer_id", "recorded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    visit_stop_id: Mapped[int | None] = mapped_column(ForeignKey("visit_stop.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(key_string(20))
    value_enc: Mapped[bytes] = mapped_column(LargeBinary)
    value_masked: Mapped[str] = mapped_column(String(400))
    source: Mapped[str] = mapped_column(key_string(16))
    learned_date: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
