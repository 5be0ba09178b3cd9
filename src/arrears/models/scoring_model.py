from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, Index, Integer, String, Text, false, text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime


class RegisteredModel(Base):
    """A registered model version (its directory and card); at most one is active.

    The database enforces the single active model with a partial unique index.
    """

    __tablename__ = "scoring_model"
    __table_args__ = (
        Index(
            "uq_scoring_model_active",
            "active",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(64), unique=True)
    directory: Mapped[str] = mapped_column(String(500))
    format_version: Mapped[int] = mapped_column(Integer)
    data_sha256: Mapped[str] = mapped_column(String(64))
    cv_auc: Mapped[float] = mapped_column(Float)
    cv_ece: Mapped[float] = mapped_column(Float)
    card: Mapped[str] = mapped_column(Text)  # card.json as registered
    registered_by: Mapped[str] = mapped_column(String(120))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    promoted_by: Mapped[str | None] = mapped_column(String(120))
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
