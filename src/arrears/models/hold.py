from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

HOLD_KINDS = (
    "dispute",
    "complaint",
    "hardship",
    "deceased",
    "bankruptcy",
    "litigation",
    "cease_contact",
    "breathing_space",
)


class Hold(Base):
    """A flag that stops some or all contact with a customer (停催) until it is lifted.

    A hold naming a staff member (``staff_user_id``) or an agency (``agency_code``) stops only their
    contact (a complaint of abuse or third-party contact against them); ``amount_fen`` is the amount a
    dispute holds."""

    __tablename__ = "hold"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    lift_reason: Mapped[str | None] = mapped_column(Text)
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    agency_code: Mapped[str | None] = mapped_column(String(40))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
