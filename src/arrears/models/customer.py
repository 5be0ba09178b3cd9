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
    # the profile the bank holds (extract format fields of the same names; all optional): the occupation
    # is a job title, the employer's name is personal (encrypted, with a masked copy; its address is the
    # work_address contact point); the bands and codes are listed in imports.extract_format
    occupation: Mapped[str | None] = mapped_column(String(100))
    employer_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    employer_hash: Mapped[str | None] = mapped_column(key_string(64))  # tells a re-import what changed
    employer_masked: Mapped[str | None] = mapped_column(String(200))
    income_band: Mapped[str | None] = mapped_column(key_string(16))
    housing: Mapped[str | None] = mapped_column(key_string(16))
    dependants: Mapped[int | None] = mapped_column(SmallInteger)
    household_size: Mapped[int | None] = mapped_column(SmallInteger)
    other_products: Mapped[str | None] = mapped_column(String(200))  # codes joined by ";"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
