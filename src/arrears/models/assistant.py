"""The assistant's conversations on the portal, kept for quality review without personal data: each
question only as redacted text (the cardholder's known values and every ID, card, phone and e-mail
masked), encrypted; the answer as its intent, confidence, article and hand-over (its text is the
article's and the account's figures, which are not kept)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string

HANDOVER_TARGETS = ("service_case", "callback")
HANDOVER_REASONS = ("intent", "asked", "unsure")


class AssistantConversation(Base):
    """One conversation in a browser: the SHA-256 of the random token in its cookie (``token_hash``).
    ``session_hash`` (a keyed hash of the portal session's key) binds it to the verified session that
    asked, so it is never shown to another session nor to a visitor; null for a visitor's. The account
    is linked only when a verified session asked about one (the latest), and the service case or the
    callback it handed over to."""

    __tablename__ = "assistant_conversation"
    __table_args__ = (Index("ix_assistant_conversation_started", "started_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(key_string(64), unique=True)
    session_hash: Mapped[str | None] = mapped_column(key_string(64))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    account_id: Mapped[int | None] = mapped_column(ForeignKey("card_account.id", ondelete="SET NULL"))
    service_case_id: Mapped[int | None] = mapped_column(ForeignKey("service_case.id", ondelete="SET NULL"))
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callback.id", ondelete="SET NULL"))
    handed_over_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    turns: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AssistantTurn(Base):
    """A question and how it was answered. ``question_enc``: the question redacted, then encrypted with
    the FieldCipher (the masks may miss a value no pattern knows). ``account_id``: the account whose
    figures the answer could use (verified sessions only)."""

    __tablename__ = "assistant_turn"
    __table_args__ = (
        Index("ix_assistant_turn_conversation", "conversation_id", "number", unique=True),
        Index("ix_assistant_turn_asked", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("assistant_conversation.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    question_enc: Mapped[bytes] = mapped_column(LargeBinary)
    intent: Mapped[str] = mapped_column(String(30))
    confidence: Mapped[float] = mapped_column(Float)
    article: Mapped[str] = mapped_column(String(40))
    handover_to: Mapped[str | None] = mapped_column(String(20))
    handover_reason: Mapped[str | None] = mapped_column(String(10))
    handover_kind: Mapped[str | None] = mapped_column(String(20))
    lang: Mapped[str] = mapped_column(String(2))
    verified: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    account_id: Mapped[int | None] = mapped_column(ForeignKey("card_account.id", ondelete="SET NULL"))
