from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

_TEAM_ROW, _USER_ROW = "user_id IS NULL", "user_id IS NOT NULL"
TARGET_FIELDS = ("calls", "rpcs", "promises", "collected_fen")


class DayTarget(Base):
    """A business date's targets set by a team lead: the team's (``user_id`` null: each collector's
    unless they have their own) or one collector's. A figure left empty (null) is not a target; a
    collector's empty figure falls back to the team's (``floor.rules.resolved``)."""

    __tablename__ = "day_target"
    __table_args__ = (
        Index("ux_day_target_team", "target_date", "team_id", unique=True,
              postgresql_where=text(_TEAM_ROW), sqlite_where=text(_TEAM_ROW)),
        Index("ux_day_target_user", "target_date", "user_id", unique=True,
              postgresql_where=text(_USER_ROW), sqlite_where=text(_USER_ROW)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    target_date: Mapped[date] = mapped_column(Date)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"))
    calls: Mapped[int | None] = mapped_column(Integer)
    rpcs: Mapped[int | None] = mapped_column(Integer)  # right-party contacts
    promises: Mapped[int | None] = mapped_column(Integer)
    collected_fen: Mapped[int | None] = mapped_column(BigInteger)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
