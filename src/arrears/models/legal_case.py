from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

LEGAL_STAGES = ("review", "lawyer_letter", "filing", "hearing", "judgment", "enforcement", "closed")
LEGAL_CLOSE_REASONS = ("paid", "settled", "written_off", "withdrawn")
LEGAL_COST_KINDS = ("court_fee", "lawyer_fee", "enforcement_cost", "other_cost")
LEGAL_DEADLINE_KINDS = ("filing_decision", "hearing", "appeal_window", "enforcement_application")
_OPEN = "stage <> 'closed'"
_UNDONE = "settled_at IS NULL"


class LegalCase(Base):
    """An account in legal proceedings (opened when legal decides to proceed): its stage, the law firm
    it is assigned to (a team of kind ``law_firm``; none: in-house legal), and how it closed. One open
    case per account (``ux_legal_case_open``); its steps, deadlines and costs hang off it."""

    __tablename__ = "legal_case"
    __table_args__ = (
        Index("ux_legal_case_open", "account_id", unique=True,
              postgresql_where=text(_OPEN), sqlite_where=text(_OPEN)),
        Index("ix_legal_case_firm", "firm_team_id", "stage"),
        Index("ix_legal_case_stage", "stage", "last_step_on"),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(20), default="review", server_default="review")
    close_reason: Mapped[str | None] = mapped_column(String(20))
    firm_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    claim_fen: Mapped[int] = mapped_column(BigInteger)  # the overdue amount when the case opened
    # the litigation hold that stops the ordinary treatments while the case is open (lifted at closing)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("hold.id"))
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_step_on: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LegalStep(Base):
    """One move of a case: from which stage to which, on which day, with which document, by whom."""

    __tablename__ = "legal_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(String(20))  # None: the case's opening
    to_stage: Mapped[str] = mapped_column(String(20))
    step_on: Mapped[date] = mapped_column(Date)
    document: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LegalDeadline(Base):
    """A date the case must meet (a court's decision on filing, a hearing, the appeal window, the
    enforcement application), open until a later step settles it."""

    __tablename__ = "legal_deadline"
    __table_args__ = (
        Index("ix_legal_deadline_open", "due_on",
              postgresql_where=text(_UNDONE), sqlite_where=text(_UNDONE)),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_on: Mapped[date] = mapped_column(Date)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("legal_step.id"))  # the step that set it
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LegalCost(Base):
    """A cost of a case in fen: a court fee, the law firm's fee, an enforcement cost."""

    __tablename__ = "legal_cost"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("legal_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    incurred_on: Mapped[date] = mapped_column(Date)
    firm_team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))  # whose fee (statements)
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
