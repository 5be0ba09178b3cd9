from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string

_OPTED_OUT, _INVALID = "opted_out_at IS NOT NULL", "invalid_at IS NOT NULL"
CONTACT_KINDS = ("mobile", "home_phone", "work_phone", "email", "home_address", "work_address", "other")


class ContactPoint(Base):
    """A phone number, email or address of a customer; the value is encrypted, a masked copy is kept."""

    __tablename__ = "contact_point"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "value_hash"),
        # a reply's sender and an inbound caller's number are found by the hash alone
        Index("ix_contact_point_value_hash", "value_hash"),
        # the outbox page's opt-outs and invalidated points of a day
        Index("ix_contact_point_opted_out_at", "opted_out_at",
              postgresql_where=text(_OPTED_OUT), sqlite_where=text(_OPTED_OUT)),
        Index("ix_contact_point_invalid_at", "invalid_at",
              postgresql_where=text(_INVALID), sqlite_where=text(_INVALID)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    # the unique key (customer_id, kind, value_hash) also serves lookups by customer
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(key_string(20))
    value_enc: Mapped[bytes] = mapped_column(LargeBinary)
    value_hash: Mapped[str] = mapped_column(key_string(64))
    value_masked: Mapped[str] = mapped_column(String(200))
    district: Mapped[str | None] = mapped_column(String(100))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    consent_outside_hours: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    consent_extra_calls: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # permanent delivery failures in a row (a bounce, an unknown number); at the limit the point is invalid
    failed_sends: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    invalid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
