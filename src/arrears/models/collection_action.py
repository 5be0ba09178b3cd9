from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

_PLANNED_CALL = "channel = 'call' AND status = 'planned'"
_CLAIMED_CALL = "channel = 'call' AND status = 'claimed'"
_RESERVED = "assigned_to_id IS NOT NULL"
ACTION_CHANNELS = ("sms", "call", "letter", "visit", "legal_review", "agency_placement", "email", "push")


class CollectionAction(Base):
    """An action a daily run decided: an SMS, e-mail or app/WeChat notice (push) for the outbox, a call
    in the queue, a visit candidate, a letter, a legal or agency task. Every one passed the compliance
    rulebook at ``scheduled_at``."""

    __tablename__ = "collection_action"
    __table_args__ = (
        Index("ix_collection_action_account_run", "account_id", "run_date"),
        Index("ix_collection_action_queue", "run_date", "channel", "status", "priority"),
        # the call queue's free cases, in the order they are handed out: a claim reads one index entry
        Index("ix_collection_action_planned_calls", "run_date", "priority", "id",
              postgresql_where=text(_PLANNED_CALL), sqlite_where=text(_PLANNED_CALL)),
        Index("ix_collection_action_claimed_calls", "run_date", "priority", "id",
              postgresql_where=text(_CLAIMED_CALL), sqlite_where=text(_CLAIMED_CALL)),
        # the calls a team lead reserved for a collector: their next cases, in hand-out order
        Index("ix_collection_action_reserved", "assigned_to_id", "run_date", "status", "priority", "id",
              postgresql_where=text(_RESERVED), sqlite_where=text(_RESERVED)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    run_date: Mapped[date] = mapped_column(Date, index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(20))
    template: Mapped[str | None] = mapped_column(String(60))
    segment: Mapped[str] = mapped_column(String(60))
    arm: Mapped[str] = mapped_column(String(60))
    treatment: Mapped[str] = mapped_column(String(60))
    value_fen: Mapped[int] = mapped_column(BigInteger)
    priority: Mapped[int | None] = mapped_column(Integer)
    deadline_day: Mapped[int | None] = mapped_column(Integer)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="planned", server_default="planned")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))  # the team whose queue (None: any)
    # a call claimed from the queue: by whom, and until when the claim holds (then it is free again)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a call a team lead reserved for (or reassigned to) a collector: only they take it from the queue
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
