from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

ROLES = (
    "collector",
    "visitor",
    "team_lead",
    "legal",
    "compliance",
    "customer_service",
    "manager",
    "admin",
    "agency_user",
    "lawyer",  # a law firm's lawyer: the legal cases assigned to their firm
)


class AppUser(Base):
    """A person who signs in to Arrears, with one role and optionally a team."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(30))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Signed API tokens carry this number; raising it ends every token issued before.
    token_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # a password an administrator set (a new user's, a reset's): the user must choose their own before
    # anything else (pages send them to /account/password; the API refuses them a token)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
