from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string

MESSAGE_CHANNELS = ("sms", "email", "push", "letter")
MESSAGE_KINDS = ("collection", "service")  # a service message: asked for by the cardholder, no collection
MESSAGE_STATUSES = ("queued", "sending", "sent", "delivered", "failed", "expired", "cancelled")
INBOUND_KINDS = ("receipt", "reply", "bounce", "webhook")  # webhook: a signed call kept for its nonce
TEMPLATE_STATUSES = ("draft", "approved", "rejected", "retired")
_DUE = "status = 'queued'"
_HAS_CASE = "legal_case_id IS NOT NULL"
# a delivered letter: the malicious-overdraft check reads the demand letters among them by account
DELIVERED_LETTER = "channel = 'letter' AND delivered_at IS NOT NULL"


class OutboxMessage(Base):
    """A message to a cardholder, written in the same transaction as the decision that made it (a
    daily run's action, a collector's send, a one-time code) and sent exactly once by the dispatcher.
    The recipient is named by contact point (SMS, e-mail, letter) or by the customer (push); its clear
    value is decrypted only when sending."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        # the dispatcher's claim: queued messages of a channel whose time has come
        Index("ix_outbox_message_due", "channel", "next_attempt_at", "id",
              postgresql_where=text(_DUE), sqlite_where=text(_DUE)),
        Index("ix_outbox_message_status", "status", "channel", "created_at"),
        Index("ix_outbox_message_provider", "provider_id"),
        Index("ix_outbox_message_created", "created_at"),  # the outbox page's day
        Index("ix_outbox_message_finished", "status", "finished_at"),  # failures and expiries of a day
        Index("ix_outbox_message_legal_case", "legal_case_id",  # a legal case's letters
              postgresql_where=text(_HAS_CASE), sqlite_where=text(_HAS_CASE)),
        # an account's delivered letters, with all the malicious-overdraft check reads (migration 0030)
        Index("ix_outbox_message_delivered_letter", "account_id", "delivered_at", "template", "channel",
              "tracking_no", postgresql_include=["id"], postgresql_where=text(DELIVERED_LETTER),
              sqlite_where=text(DELIVERED_LETTER)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(key_string(120), unique=True)
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12), default="collection", server_default="collection")
    source: Mapped[str] = mapped_column(String(20))  # run, workspace, portal, system
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("card_account.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"))
    action_id: Mapped[int | None] = mapped_column(
        BigInteger
    )  # the daily run's action (no FK: runs replace them)
    run_date: Mapped[date | None] = mapped_column(Date)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))  # who sent it (workspace)
    template: Mapped[str | None] = mapped_column(String(60))
    template_version: Mapped[int | None] = mapped_column(Integer)
    locale: Mapped[str] = mapped_column(String(5), default="zh", server_default="zh")
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str | None] = mapped_column(Text)  # filled with masked data only; letters render later
    target: Mapped[str | None] = mapped_column(String(10))  # push: app or wechat
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)  # not sent by then: expired
    status: Mapped[str] = mapped_column(String(12), default="queued", server_default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # a manual retry after the message ended: the n-th goes out under the key "<key>~n", a new send the
    # provider does not answer as a duplicate of the first
    retries: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))  # dispatcher worker
    claim_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transport: Mapped[str | None] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(120))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # failed, expired or cancelled
    last_error: Mapped[str | None] = mapped_column(String(500))
    blocked_rules: Mapped[str | None] = mapped_column(String(200))  # the rules that held it back last
    tracking_no: Mapped[str | None] = mapped_column(String(60))  # a letter's postal tracking number
    # the legal case whose document this is (a lawyer's letter): that case's own litigation hold does not
    # stop it, every other hold does (decision 0035); no FK, as action_id
    legal_case_id: Mapped[int | None] = mapped_column(Integer)


class OutboxEvent(Base):
    """One step of a message's life (queued, sent, delivered, failed, expired, a letter's tracking):
    the case timeline reads these."""

    __tablename__ = "outbox_event"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox_message.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(120))
    detail: Mapped[str | None] = mapped_column(String(500))


class InboundMessage(Base):
    """A receipt, reply or bounce that came back, kept whether or not it matched a message (an unknown
    receipt is counted and kept, never raised). A reply's text is stored masked; its sender only as a
    keyed hash."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        Index("ix_inbound_message_received", "received_at"),
        Index("ix_inbound_message_provider", "provider_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    transport: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_message.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("card_account.id", ondelete="CASCADE"), index=True
    )
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"))
    provider_id: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str | None] = mapped_column(String(20))
    sender_hash: Mapped[str | None] = mapped_column(String(64))
    text_masked: Mapped[str | None] = mapped_column(Text)
    matched: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    outcome: Mapped[str | None] = mapped_column(String(30))  # opt_out, task, applied, unknown, invalid


class MessageTemplate(Base):
    """A version of a governed template (SMS, e-mail, push or letter): used only once a user with the
    compliance permission approved it; the approved version with the highest number is the one in use."""

    __tablename__ = "message_template"
    __table_args__ = (Index("uq_message_template_version", "name", "version", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(key_string(60))
    channel: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(12), default="collection", server_default="collection")
    version: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(String(200))
    subject_zh: Mapped[str | None] = mapped_column(String(200))
    subject_en: Mapped[str | None] = mapped_column(String(200))
    body_zh: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text)
    education: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[str] = mapped_column(String(10), default="draft", server_default="draft")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))


class DispatcherWorker(Base):
    """A dispatcher's heartbeat: the outbox page shows which are alive and how they fare."""

    __tablename__ = "dispatcher_worker"

    name: Mapped[str] = mapped_column(key_string(80), primary_key=True)  # host:pid:n
    channels: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    failed: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    retried: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(String(500))
