from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, LargeBinary, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime, key_string


class Customer(Base):
    """A cardholder. The national ID is stored encrypted, with a keyed hash for exact lookup."""

    __tablename__ = "customer"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_no: Mapped[str] = mapped_column(key_string(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    national_id_enc: Mapped[bytes] = mapped_column(LargeBinary)
    national_id_hash: Mapped[str] = mapped_column(key_string(64), index=True)
    national_id_masked: Mapped[str] = mapped_column(String(32))
    birth_date: Mapped[date | None] = mapped_column(Date)
    sex: Mapped[int | None] = mapped_column(SmallInteger)
    education: Mapped[int | None] = mapped_column(SmallInteger)
    marital_status: Mapped[int | None] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
