from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

AGENCY_STATUSES = ("active", "suspended")
# why a placement ended before (or at) its period's end; ``agency_placement.recall_reason``
RECALL_REASONS = (
    "period_end",
    "paid_in_full",
    "complaint",
    "hold",
    "agency_suspended",
    "inspection_lapsed",
    "contract_expired",
    "agency_ineligible",  # the register's other reasons: off the whitelist, terms withdrawn, licence expired
    "manual",
    "sold",
)


class Agency(Base):
    """A collection agency (委外催收机构) on the register: its licence, contract, last inspection and the
    terms it signed (the rulebook's whitelist and inspection rules decide whether it may receive
    accounts), how many accounts it may hold at once and where it works. Its users are the users of the
    teams whose ``agency_code`` is its ``code``."""

    __tablename__ = "agency"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    licence_no: Mapped[str] = mapped_column(String(100))
    licence_valid_until: Mapped[date | None] = mapped_column(Date)
    whitelisted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    contract_starts_on: Mapped[date | None] = mapped_column(Date)
    contract_ends_on: Mapped[date | None] = mapped_column(Date)  # the contract's last valid day
    terms_signed: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())  # PIPL Art.21
    last_inspection_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    capacity: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # accounts at once
    # JSON list of the region names it works ([]: anywhere), matched against the holder's region
    territories: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")
    contacts: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON: contact people
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlacementBatch(Base):
    """The placement of one run's ``agency_placement`` actions among the eligible agencies, for a
    placement period (``placed_on`` .. ``ends_on``); ``summary`` (JSON) counts per agency and names the
    agencies refused and why."""

    __tablename__ = "placement_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_date: Mapped[date] = mapped_column(Date, index=True)
    placed_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text, default="{}", server_default="{}")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class HandoverFile(Base):
    """The hand-over file of one agency in a batch: where it lies (relative to the data directory), its
    SHA-256 and how many rows it holds."""

    __tablename__ = "handover_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("placement_batch.id", ondelete="CASCADE"), index=True)
    agency_code: Mapped[str] = mapped_column(String(40))
    path: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
