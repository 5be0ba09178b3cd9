from __future__ import annotations

from datetime import datetime
from typing import Literal

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

Party = Literal["debtor", "third_party"]
CallOutcome = Literal[
    "no_answer", "busy", "wrong_number", "right_party", "third_party", "refused", "promise", "callback"
]
DelinquencyReason = Literal[
    "forgot", "income_loss", "illness", "business_failure", "overspending", "dispute", "fraud_claim", "other"
]
# a right-party call (the debtor reached): the malicious-overdraft check reads them by account
RIGHT_PARTY_CALL = "channel = 'call' AND party = 'debtor' AND conversation"
CONTACT_PARTIES: tuple[str, ...] = Party.__args__  # type: ignore[attr-defined]
CALL_OUTCOMES: tuple[str, ...] = CallOutcome.__args__  # type: ignore[attr-defined]
DELINQUENCY_REASONS: tuple[str, ...] = DelinquencyReason.__args__  # type: ignore[attr-defined]


class ContactEvent(Base):
    """A contact that happened: a call made (connected or not), with its outcome and the reason for
    the delinquency the cardholder gave. The compliance caps and the cadences count these."""

    __tablename__ = "contact_event"
    __table_args__ = (
        Index("ix_contact_event_customer_at", "customer_id", "at"),
        Index("ix_contact_event_at", "at"),  # the dashboard's windows
        Index("ix_contact_event_user_at", "user_id", "at"),  # a collector's day (the agenda, the floor)
        # an account's right-party calls, with all the malicious-overdraft check reads (migration 0030)
        Index("ix_contact_event_right_party_call", "account_id", "at", "channel", "party", "conversation",
              postgresql_include=["id"], postgresql_where=text(RIGHT_PARTY_CALL),
              sqlite_where=text(RIGHT_PARTY_CALL)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(20))
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"))
    party: Mapped[str] = mapped_column(String(20))
    connected: Mapped[bool] = mapped_column(Boolean)
    conversation: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(String(30))
    notes: Mapped[str | None] = mapped_column(Text)
    template: Mapped[str | None] = mapped_column(String(60))  # an SMS's template
    # the call's recording: a URL or the bank recorder's file key (ARREARS_RECORDER_URL_PATTERN links a key)
    recording_ref: Mapped[str | None] = mapped_column(String(300))
    duration_seconds: Mapped[int | None] = mapped_column(Integer)  # the call's length, when known
