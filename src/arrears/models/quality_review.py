from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

QUALITY_ITEMS = (
    "identification",
    "disclosure",
    "no_threats",
    "no_third_party_disclosure",
    "solution_offered",
    "agreement_confirmed",
)
QUALITY_MARKS = ("pass", "fail", "na")
SAMPLE_REASONS = ("random", "complaint", "long_call", "after_blocked")
REVIEW_STATUSES = ("queued", "scored")


class QualityReview(Base):
    """A call sampled for quality review (质检) and, once scored, its checklist: each item pass, fail
    or n.a. (``na``), a note and the score (the share of applicable items passed, 0-100). A call is
    sampled at most once (``ux_quality_review_event``) and scored once: the first lead's score stands."""

    __tablename__ = "quality_review"
    __table_args__ = (
        Index("ux_quality_review_event", "contact_event_id", unique=True),
        Index("ix_quality_review_status", "status", "sampled_at"),
        Index("ix_quality_review_collector", "collector_id", "scored_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_event_id: Mapped[int] = mapped_column(ForeignKey("contact_event.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    collector_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    reason: Mapped[str] = mapped_column(String(20))  # why it was sampled: SAMPLE_REASONS
    sampled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    sampled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="queued", server_default="queued")
    identification: Mapped[str | None] = mapped_column(String(4))
    disclosure: Mapped[str | None] = mapped_column(String(4))
    no_threats: Mapped[str | None] = mapped_column(String(4))
    no_third_party_disclosure: Mapped[str | None] = mapped_column(String(4))
    solution_offered: Mapped[str | None] = mapped_column(String(4))
    agreement_confirmed: Mapped[str | None] = mapped_column(String(4))
    note: Mapped[str | None] = mapped_column(Text)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    scored_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
