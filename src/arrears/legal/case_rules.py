"""A legal case's life, pure: its stages and the moves between them, what each step must carry, the
deadlines a step starts, and the case's money. No database, no clock: the caller passes the day.

Stages, in order: ``review`` (legal decided to proceed), ``lawyer_letter`` (律师函 sent), ``filing``
(起诉 filed, 立案 awaited), ``hearing`` (a hearing date set), ``judgment`` (判决 served),
``enforcement`` (执行 applied for), then ``closed`` with a reason: ``paid``, ``settled``,
``written_off`` or ``withdrawn``. A case moves forward only; it may skip the letter (straight to
filing) and close from any open stage. Each step names its date (on or after the last step's, never
after the day it is recorded), the person, and, from the letter on, its document (a letter's
reference, the court's case number, a judgment's number).

Deadlines follow the PRC Civil Procedure Law: the court decides on a filing within 7 days (art. 126),
an appeal against a judgment lies within 15 days of its service (art. 171), and enforcement is
applied for within two years of the last day of performance the judgment set (art. 250); a hearing's
deadline is its date. A later step settles the deadlines of the stages it leaves behind.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from arrears.compliance.entry_points import add_years
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import NUL, InvalidField, check_day, check_text
from arrears.models.legal_case import (
    LEGAL_CLOSE_REASONS,
    LEGAL_COST_KINDS,
    LEGAL_DEADLINE_KINDS,
    LEGAL_STAGES,
)

STAGES = LEGAL_STAGES
OPEN_STAGES = STAGES[:-1]
STAGE_ZH = {"review": "审查", "lawyer_letter": "律师函", "filing": "起诉立案", "hearing": "开庭",
            "judgment": "判决", "enforcement": "执行", "closed": "结案"}  # fmt: skip
CLOSE_REASONS = LEGAL_CLOSE_REASONS
# the stages a case may move to from each open stage (forward only; the letter may be skipped)
NEXT: dict[str, tuple[str, ...]] = {
    "review": ("lawyer_letter", "filing", "closed"),
    "lawyer_letter": ("filing", "closed"),
    "filing": ("hearing", "closed"),
    "hearing": ("judgment", "closed"),
    "judgment": ("enforcement", "closed"),
    "enforcement": ("closed",),
    "closed": (),
}
NEEDS_DOCUMENT = frozenset({"lawyer_letter", "filing", "judgment", "enforcement"})
COST_KINDS = LEGAL_COST_KINDS
DEADLINE_KINDS = LEGAL_DEADLINE_KINDS
FILING_DECISION_DAYS = 7
APPEAL_DAYS = 15
ENFORCEMENT_YEARS = 2
MAX_DOCUMENT = 200  # characters of a document reference
MAX_COST_FEN = 10**13  # 100 billion yuan: far beyond any fee, below any overflow


def case_number(case_id: int) -> str:
    """The number a legal case is known by (its page, its lawyer's letter): ``FW-000012`` (法务)."""
    return f"FW-{case_id:06d}"


class StepRefused(ArrearsError):
    """A step the case's stage does not allow (out of order, backwards, after closing)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One move of a case, as a legal officer or a law firm's lawyer records it."""

    to: str
    on: date  # the day it happened (a letter sent, a case filed, a judgment served...)
    document: str | None = None  # the letter's reference, the court's case number, the judgment's number
    note: str | None = None
    close_reason: str | None = None  # with ``closed``
    hearing_on: date | None = None  # with ``hearing``: the date the court set
    perform_by: date | None = None  # with ``judgment``: the last day of performance it set


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str
    due_on: date


def _text(value: str | None, *, field: str) -> str | None:
    text = check_text(value or "", field=field).strip()
    if NUL in text:
        raise InvalidField(field, "the text holds a NUL character", "文字含有空字符")
    return text or None


def check_step(step: Step, *, stage: str, last_step_on: date, today: date) -> Step:
    """The step as recorded, or InvalidField naming the field / StepRefused with the reason: the move
    must be one the stage allows, dated from the last step's day to ``today``, with its document from
    the letter on, a close reason when closing, a hearing date when a hearing is set (not before the
    step) and a performance date with a judgment (not before it)."""
    if step.to not in STAGES:
        raise InvalidField(
            "to", f"{step.to!r} is not a stage of a legal case", f"{step.to!r} 不是法律案件的阶段"
        )
    if step.to not in NEXT[stage]:
        allowed_en = ", ".join(one.replace("_", " ") for one in NEXT[stage]) or "none: the case is closed"
        allowed_zh = "、".join(STAGE_ZH[one] for one in NEXT[stage]) or "无（案件已结案）"
        raise StepRefused(
            f"a case at {stage.replace('_', ' ')} cannot move to {step.to.replace('_', ' ')}; "
            f"it may move to: {allowed_en}",
            f"处于「{STAGE_ZH[stage]}」阶段的案件不能进入「{STAGE_ZH[step.to]}」；可进入：{allowed_zh}",
        )
    on = check_day(step.on, field="on")
    if on < last_step_on:
        raise InvalidField(
            "on", f"the step cannot be dated before the last one ({last_step_on})",
            f"日期不能早于上一步（{last_step_on}）",
        )  # fmt: skip
    if on > today:
        raise InvalidField("on", "the step cannot be dated in the future", "日期不能晚于今天")
    document = _text(step.document, field="document")
    if document is not None and len(document) > MAX_DOCUMENT:
        raise InvalidField(
            "document", f"at most {MAX_DOCUMENT} characters", f"不能超过 {MAX_DOCUMENT} 个字符"
        )
    if step.to in NEEDS_DOCUMENT and document is None:
        raise InvalidField(
            "document",
            "name the document: the letter's reference, the court's case number or the judgment's number",
            "请填写文书：律师函编号、法院案号或判决书编号",
        )
    note = _text(step.note, field="note")
    reason = None
    if step.to == "closed":
        if step.close_reason not in CLOSE_REASONS:
            raise InvalidField(
                "close_reason", "choose why the case closes: paid, settled, written off or withdrawn",
                "请选择结案原因：已还清、和解、核销或撤诉",
            )  # fmt: skip
        reason = step.close_reason
    hearing_on = None
    if step.to == "hearing":
        if step.hearing_on is None:
            raise InvalidField("hearing_on", "give the hearing's date", "请填写开庭日期")
        hearing_on = check_day(step.hearing_on, field="hearing_on")
        if hearing_on < on:
            raise InvalidField(
                "hearing_on", "the hearing cannot be before the step", "开庭日期不能早于本步日期"
            )
    perform_by = None
    if step.to == "judgment":
        if step.perform_by is None:
            raise InvalidField(
                "perform_by", "give the last day of performance the judgment set", "请填写判决确定的履行期限"
            )
        perform_by = check_day(step.perform_by, field="perform_by")
        if perform_by < on:
            raise InvalidField(
                "perform_by", "the performance date cannot be before the judgment", "履行期限不能早于判决日期"
            )
    return Step(step.to, on, document, note, reason, hearing_on, perform_by)


def deadlines_of(step: Step) -> list[Deadline]:
    """The deadlines a checked step starts."""
    if step.to == "filing":
        return [Deadline("filing_decision", step.on + timedelta(days=FILING_DECISION_DAYS))]
    if step.to == "hearing" and step.hearing_on is not None:
        return [Deadline("hearing", step.hearing_on)]
    if step.to == "judgment" and step.perform_by is not None:
        return [
            Deadline("appeal_window", step.on + timedelta(days=APPEAL_DAYS)),
            Deadline("enforcement_application", add_years(step.perform_by, ENFORCEMENT_YEARS)),
        ]
    return []


# the deadlines a move to each stage settles: what the court or the parties had to do by then is done
SETTLES: dict[str, frozenset[str]] = {
    "lawyer_letter": frozenset(),
    "filing": frozenset(),
    "hearing": frozenset({"filing_decision"}),
    "judgment": frozenset({"filing_decision", "hearing"}),
    "enforcement": frozenset({"filing_decision", "hearing", "appeal_window", "enforcement_application"}),
    "closed": frozenset(DEADLINE_KINDS),
}


def settled_by(to: str) -> frozenset[str]:
    """The kinds of open deadline a move to ``to`` settles."""
    return SETTLES.get(to, frozenset())


def check_cost(kind: str, amount_fen: int) -> tuple[str, int]:
    """A cost as recorded: one of ``COST_KINDS``, a positive amount in fen within bounds."""
    if kind not in COST_KINDS:
        raise InvalidField("kind", f"{kind!r} is not a kind of cost", f"{kind!r} 不是费用类型")
    if not 0 < amount_fen <= MAX_COST_FEN:
        raise InvalidField("amount", "give an amount above zero", "请填写大于零的金额")
    return kind, amount_fen


@dataclass(frozen=True, slots=True)
class CaseMoney:
    """A case's money in fen: costs by kind, what was recovered through it, and the net."""

    costs: dict[str, int]
    recovered_fen: int

    @property
    def cost_fen(self) -> int:
        return sum(self.costs.values())

    @property
    def net_fen(self) -> int:
        return self.recovered_fen - self.cost_fen

    @property
    def cost_recovered_fen(self) -> int:
        """How much of the costs the recoveries cover (never more than the costs)."""
        return min(self.cost_fen, self.recovered_fen)


def case_money(costs: Sequence[tuple[str, int]], recovered: Sequence[int]) -> CaseMoney:
    """The money of a case from its costs (kind, fen) and the payments made on its accounts since it
    opened (fen; reversals negative)."""
    by_kind = dict.fromkeys(COST_KINDS, 0)
    for kind, fen in costs:
        by_kind[kind] += fen
    return CaseMoney(by_kind, sum(recovered))
