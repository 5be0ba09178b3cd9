from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

RUN_STATUSES = ("running", "completed")


class DailyRun(Base):
    """One daily run per business date: its steps done, what it used, and its report once completed."""

    __tablename__ = "daily_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_date: Mapped[date] = mapped_column(Date, unique=True)
    status: Mapped[str] = mapped_column(String(20))
    steps_done: Mapped[str] = mapped_column(Text, default="", server_default="")  # comma-separated
    strategy_version_id: Mapped[int | None] = mapped_column(ForeignKey("strategy_version.id"))
    model_version: Mapped[str | None] = mapped_column(String(64))
    policy: Mapped[str | None] = mapped_column(String(120))
    report: Mapped[str | None] = mapped_column(Text)  # JSON
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
