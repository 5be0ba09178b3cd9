from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime


class AgencyPlacement(Base):
    """An account handed to an external agency (委外) from ``placed_on`` to ``ends_on``; the agency's
    users see it in that period, and only it, until it is recalled.

    A recall (period end, full payment, a complaint or hold, the agency suspended or no longer
    eligible, the account sold, a manager's decision) sets ``recalled_on``: the LAST day the agency
    held the account (payments up to and including it are the agency's); from then on the agency no
    longer sees it, and the account may be placed again from the day after."""

    __tablename__ = "agency_placement"
    __table_args__ = (
        Index("ix_agency_placement_agency", "agency_code", "ends_on"),
        Index("ix_agency_placement_batch", "batch_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40))
    placed_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    batch_id: Mapped[int | None] = mapped_column(Integer)  # the placement_batch that made it (none: by hand)
    recalled_on: Mapped[date | None] = mapped_column(Date)  # the last day held
    recalled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recall_reason: Mapped[str | None] = mapped_column(String(30))  # one of RECALL_REASONS
