"""Pydantic shapes of plans and approvals, for the API and the pages' forms. Amounts are fen."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from arrears.arrangements.rules import MAX_MONTHS, PlanKind, PlanTerms, Ruling, Schedule
from arrears.arrangements.service import MAX_COMMENT, Decided, Proposed
from arrears.kit.inputs import Day
from arrears.kit.money import Fen

_STRICT = ConfigDict(extra="forbid")


class PlanRequest(BaseModel):
    """The terms a collector offers (see docs/arrangements.md)."""

    model_config = _STRICT
    kind: PlanKind
    first_due_date: Day
    months: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=MAX_MONTHS,
        description="monthly instalments (instalment plans: 2 to 36)",
    )
    waived_interest_fen: Fen = 0
    waived_fee_fen: Fen = 0
    down_payment_fen: Fen = 0
    down_payment_date: Day | None = None

    def terms(self) -> PlanTerms:
        return PlanTerms(**self.model_dump())


class InstalmentOut(BaseModel):
    model_config = _STRICT
    number: int
    due_date: date
    amount_fen: int
    down_payment: bool


class ScheduleOut(BaseModel):
    model_config = _STRICT
    kind: PlanKind
    agreed_on: date
    principal_fen: int
    interest_fen: int
    fee_fen: int
    owed_fen: int
    waived_interest_fen: int
    waived_fee_fen: int
    waived_fen: int
    waived_share: str = Field(description="of interest and fees, 0 to 1, four places")
    total_fen: int
    down_payment_fen: int
    months: int
    deferral_days: int
    remainder_fen: int = Field(description="the odd fen added to the last instalment")
    instalments: list[InstalmentOut]

    @classmethod
    def of(cls, plan: Schedule) -> ScheduleOut:
        b = plan.balances
        same = ("kind", "agreed_on", "waived_interest_fen", "waived_fee_fen", "waived_fen", "total_fen",
                "down_payment_fen", "months", "deferral_days", "remainder_fen")  # fmt: skip
        return cls(
            **{name: getattr(plan, name) for name in same},
            principal_fen=b.principal_fen,
            interest_fen=b.interest_fen,
            fee_fen=b.fee_fen,
            owed_fen=b.owed_fen,
            waived_share=str(plan.waived_share),
            instalments=[InstalmentOut(**_fields(one)) for one in plan.instalments],
        )


def _fields(instalment: Any) -> dict[str, Any]:
    return {name: getattr(instalment, name) for name in ("number", "due_date", "amount_fen", "down_payment")}


class PreviewOut(BaseModel):
    model_config = _STRICT
    schedule: ScheduleOut
    covered: bool = Field(description="the caller's role may agree the plan without approval")
    required_role: str | None = Field(description="who must approve it otherwise: team_lead or manager")
    exceeded: list[str] = Field(description="the limits of the caller's authority the plan goes beyond")

    @classmethod
    def of(cls, plan: Schedule, ruling: Ruling) -> PreviewOut:
        return cls(
            schedule=ScheduleOut.of(plan),
            covered=ruling.covered,
            required_role=ruling.required_role,
            exceeded=list(ruling.exceeded),
        )


class ProposedOut(BaseModel):
    model_config = _STRICT
    plan_id: int
    status: str
    approval_id: int | None
    required_role: str | None
    schedule: ScheduleOut

    @classmethod
    def of(cls, proposed: Proposed) -> ProposedOut:
        return cls(
            plan_id=proposed.plan_id,
            status=proposed.status,
            approval_id=proposed.approval_id,
            required_role=proposed.required_role,
            schedule=ScheduleOut.of(proposed.schedule),
        )


class ApprovalOut(BaseModel):
    """A pending approval as the approver sees it."""

    model_config = _STRICT
    id: int
    plan_id: int
    account_id: int
    account_no: str
    required_role: str
    amount_fen: int
    waived_fen: int
    waived_interest_fen: int
    waived_fee_fen: int
    kind: PlanKind
    agreed_on: date
    first_due_date: date | None
    instalments: int
    requested_by_id: int | None
    requested_by: str | None
    requested_at: datetime
    dpd: int
    bucket: str
    principal_fen: int
    interest_fen: int
    fee_fen: int


class DecisionRequest(BaseModel):
    model_config = _STRICT
    decision: Literal["approve", "reject"]
    comment: str | None = Field(default=None, max_length=MAX_COMMENT, description="needed to reject")


class DecidedOut(BaseModel):
    model_config = _STRICT
    approval_id: int
    plan_id: int
    status: str
    plan_status: str

    @classmethod
    def of(cls, decided: Decided) -> DecidedOut:
        return cls(
            approval_id=decided.approval_id,
            plan_id=decided.plan_id,
            status=decided.status,
            plan_status=decided.plan_status,
        )
