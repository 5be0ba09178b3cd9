from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime


class AgencyPlacement(Base):
    """An account handed to an external agency (委外) from ``placed_on`` to ``ends_on``; the agency's
    users see it in that period, and only it."""

    __tablename__ = "agency_placement"
    __table_args__ = (Index("ix_agency_placement_agency", "agency_code", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40))
    placed_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
