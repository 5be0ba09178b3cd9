from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base


class AccountScore(Base):
    """The latest score of a card account: what the last daily run (store mode) that scored it found.

    One row per account, replaced by every run that scores the account: probability of default, score
    and risk tier, the sub-scores, and the top three reasons (code, zh and en texts as the model
    stated them; fewer when fewer features raised the risk).
    """

    __tablename__ = "account_score"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("card_account.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    run_date: Mapped[date] = mapped_column(Date)
    model_version: Mapped[str] = mapped_column(String(64))
    p_default: Mapped[float] = mapped_column(Float)  # a probability, not money
    score: Mapped[int] = mapped_column(SmallInteger)  # 0-1000, higher is better
    risk_tier: Mapped[str] = mapped_column(String(8))
    willingness: Mapped[int] = mapped_column(SmallInteger)  # points of the score from payment behaviour
    ability: Mapped[int] = mapped_column(SmallInteger)  # points from limit, balances and profile
    reason_1: Mapped[str | None] = mapped_column(String(64))
    reason_1_zh: Mapped[str | None] = mapped_column(String(200))
    reason_1_en: Mapped[str | None] = mapped_column(String(200))
    reason_2: Mapped[str | None] = mapped_column(String(64))
    reason_2_zh: Mapped[str | None] = mapped_column(String(200))
    reason_2_en: Mapped[str | None] = mapped_column(String(200))
    reason_3: Mapped[str | None] = mapped_column(String(64))
    reason_3_zh: Mapped[str | None] = mapped_column(String(200))
    reason_3_en: Mapped[str | None] = mapped_column(String(200))
