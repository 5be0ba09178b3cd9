"""The customer-service desk (客服): complaints, disputes and hardship requests as service cases, with their
deadlines, assignment, escalation, notes, the holds they placed, the resolution and the response letter."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

SERVICE_KINDS = ("complaint", "dispute", "hardship")
SERVICE_CHANNELS = ("portal", "call", "letter", "email", "regulator", "assistant")
SERVICE_STATUSES = ("open", "acknowledged", "resolved", "closed")
SERVICE_OUTCOMES = ("upheld", "partly_upheld", "not_upheld")
SERVICE_REMEDIES = ("refund", "waiver", "apology", "staff_action", "correction")
NOTE_KINDS = ("note", "contact", "system")
_UNRESOLVED = text("status IN ('open', 'acknowledged')")
_RESOLVED = text("status IN ('resolved', 'closed')")


class ServiceCase(Base):
    """One complaint, dispute or hardship request on an account, from intake to closure. The cardholder's
    account of it and the resolution's wording are encrypted (``*_enc``); everything else is codes, ids,
    amounts and instants. ``acknowledge_by`` and ``resolve_by`` are the deadlines, fixed at intake from
    the category's setting and the working-day calendar (``provisional``: a date fell in a year whose
    holiday notice the calendar does not hold)."""

    __tablename__ = "service_case"
    __table_args__ = (
        Index("ix_service_case_status_due", "status", "resolve_by"),
        Index("ix_service_case_assigned", "assigned_to_id", "status"),
        Index("ix_service_case_received", "received_at"),
        Index("ix_service_case_involved_user", "involved_user_id"),
        # the desk's lists in their order: unresolved cases by deadline, resolved ones by resolution
        Index("ix_service_case_open_due", "resolve_by", "id", postgresql_where=_UNRESOLVED,
              sqlite_where=_UNRESOLVED),
        Index("ix_service_case_resolved", "resolved_at", "id", postgresql_where=_RESOLVED,
              sqlite_where=_RESOLVED),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    regulator: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    regulator_ref: Mapped[str | None] = mapped_column(String(60))
    summary_enc: Mapped[bytes] = mapped_column(LargeBinary)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    involved_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    involved_agency: Mapped[str | None] = mapped_column(String(40))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    portal_request_id: Mapped[int | None] = mapped_column(Integer)
    repeat: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    acknowledge_by: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_by: Mapped[datetime] = mapped_column(UTCDateTime)
    provisional: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    outcome: Mapped[str | None] = mapped_column(String(20))
    remedies: Mapped[str | None] = mapped_column(String(100))
    refund_fen: Mapped[int | None] = mapped_column(BigInteger)
    resolution_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approval_id: Mapped[int | None] = mapped_column(Integer)
    letter_message_id: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(40))


class ServiceCaseNote(Base):
    """A note on a case: the desk's own (``note``), a contact with the cardholder (``contact``), or what
    Arrears did (``system``: an escalation, a hold lifted). The text is encrypted."""

    __tablename__ = "service_case_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    kind: Mapped[str] = mapped_column(String(20))
    text_enc: Mapped[bytes] = mapped_column(LargeBinary)


class ServiceCaseHold(Base):
    """A hold the case placed (or took over from the portal request); lifted when the case closes."""

    __tablename__ = "service_case_hold"

    case_id: Mapped[int] = mapped_column(ForeignKey("service_case.id", ondelete="CASCADE"), primary_key=True)
    hold_id: Mapped[int] = mapped_column(ForeignKey("hold.id", ondelete="CASCADE"), primary_key=True)
