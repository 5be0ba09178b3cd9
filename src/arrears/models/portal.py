"""The cardholder portal (``/my``): its sessions, one-time-code challenges, sign-in attempts (for rate
limits and lockouts), contact preferences, and the requests and attachments cardholders send."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string

CHALLENGE_STATUSES = ("open", "used", "locked", "expired")
ATTEMPT_KINDS = ("sign_in_failed", "code_sent", "code_failed", "locked")
PORTAL_REQUEST_KINDS = ("dispute", "complaint", "hardship", "plan", "callback")
PORTAL_REQUEST_STATUSES = ("open", "taken", "closed")


class PortalSession(Base):
    """A cardholder's signed-in session: the SHA-256 of the cookie's token; ends after 15 idle minutes."""

    __tablename__ = "portal_session"

    id: Mapped[str] = mapped_column(key_string(64), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PortalChallenge(Base):
    """A one-time code sent by SMS after the first sign-in step. The browser holds a random token (its
    SHA-256 is ``id``); the code is kept hashed. A challenge whose details matched no account has no
    customer and no code: it fails like a wrong code, so the answer never tells whether one exists."""

    __tablename__ = "portal_challenge"
    # the sweep of challenges past their time (status open, expires_at before now) at each sign-in
    __table_args__ = (Index("ix_portal_challenge_status_expires", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(key_string(64), primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    contact_point_id: Mapped[int | None] = mapped_column(Integer)
    code_hash: Mapped[str | None] = mapped_column(String(128))
    client_hash: Mapped[str] = mapped_column(key_string(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    outbox_message_id: Mapped[int | None] = mapped_column(Integer)


class PortalAttempt(Base):
    """A sign-in event counted for the rate limits and lockouts: by client address (hashed) and by
    subject (the keyed hash of the mobile or of the account's details)."""

    __tablename__ = "portal_attempt"
    __table_args__ = (
        Index("ix_portal_attempt_client", "client_hash", "at"),
        Index("ix_portal_attempt_subject", "subject_hash", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(20))
    client_hash: Mapped[str] = mapped_column(key_string(64))
    subject_hash: Mapped[str | None] = mapped_column(key_string(64))


class ContactPreference(Base):
    """When and how a cardholder prefers to be contacted (local times ``HH:MM``; channels comma
    separated); the rulebook still decides what is allowed."""

    __tablename__ = "contact_preference"

    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), primary_key=True)
    hours_from: Mapped[str | None] = mapped_column(String(5))
    hours_to: Mapped[str | None] = mapped_column(String(5))
    channels: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PortalRequest(Base):
    """What a cardholder asked through the portal that needs a person: a dispute, complaint or hardship
    request (with a hold where the rulebook asks for one), a plan beyond the offers, a callback. The
    text is encrypted; it shows in the staff workspace at once."""

    __tablename__ = "portal_request"
    __table_args__ = (Index("ix_portal_request_status", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(40))
    text_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    hold_id: Mapped[int | None] = mapped_column(Integer)
    callback_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Attachment(Base):
    """A file a cardholder attached (an image or a PDF, size-limited, type-checked), encrypted at rest."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("portal_request.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(key_string(64))
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
