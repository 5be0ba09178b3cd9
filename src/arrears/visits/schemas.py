"""What the pair records on a visit: the protocol at the door, the outcome, and why a visit without an
outcome of its own was closed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from arrears.arrangements.rules import MAX_PLAN_MONTHS, MIN_MONTHS
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import Day
from arrears.models.contact_event import DelinquencyReason

# why a visit closed without a protocol: nobody met, the address is wrong, the pair broke it off
CLOSING_REASONS = ("no_contact", "wrong_address", "broken_off")
ClosingReason = Literal["no_contact", "wrong_address", "broken_off"]


class FormProblem(ArrearsError, ValueError):
    """A protocol or outcome that does not hold together; ``field`` names the field to change."""

    def __init__(self, field: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en, message_zh)
        self.field = field


class Protocol(BaseModel):
    """What the pair records at the door, before and while talking about the debt."""

    model_config = ConfigDict(extra="forbid")
    staff_count: int = Field(ge=0, le=10)  # staff present at the visit
    staff_id_shown: bool
    identity_confirmed: bool
    recording_on: bool
    consent_to_enter: bool = False
    entered_home: bool = False
    situation_heard: bool = False
    reason: DelinquencyReason | None = None
    solution_offered: Literal["promise", "plan", "none"] = "none"
    agreement: Literal["reached", "refused"] = "refused"
    notes: str | None = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        if self.entered_home and not self.consent_to_enter:
            raise FormProblem(
                "consent_to_enter",
                "entering the home needs the cardholder's consent first",
                "进入住宅须先征得持卡人同意",
            )
        if self.solution_offered != "none" and not self.identity_confirmed:
            raise FormProblem(
                "identity_confirmed",
                "a solution is offered only to the cardholder, once identified",
                "只能在确认持卡人身份后向其提出还款方案",
            )
        if self.agreement == "reached" and self.solution_offered == "none":
            raise FormProblem(
                "solution_offered", "an agreement needs a solution offered", "达成协议须先提出还款方案"
            )
        return self


class Outcome(BaseModel):
    """The visit's result: a promise to pay, a plan to propose, or neither. A plan's months are those
    an instalment plan may have (``arrangements.rules``): the largest is the most any approver may
    agree, so the visit never records a plan nobody may approve."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["promise", "plan", "none"]
    amount_fen: int | None = Field(default=None, gt=0)
    promised_date: Day | None = None
    plan_months: int | None = Field(default=None, ge=MIN_MONTHS, le=MAX_PLAN_MONTHS)
    plan_first_due_date: Day | None = None

    @model_validator(mode="after")
    def _complete(self) -> Outcome:
        if self.kind == "promise" and self.amount_fen is None:
            raise FormProblem("amount_fen", "a promise needs an amount", "承诺还款须填写金额")
        if self.kind == "promise" and self.promised_date is None:
            raise FormProblem("promised_date", "a promise needs a date", "承诺还款须填写日期")
        if self.kind == "plan" and self.plan_months is None:
            raise FormProblem("plan_months", "a plan needs its months", "还款计划须填写期数")
        if self.kind == "plan" and self.plan_first_due_date is None:
            raise FormProblem(
                "plan_first_due_date", "a plan needs its first due date", "还款计划须填写首期日期"
            )
        return self
