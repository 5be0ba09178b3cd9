"""The service desk's pure decisions: what a case must carry at intake, the holds the rulebook asks for,
repeat complaints, what a resolution must hold, and the desk's figures. No database, no clock.

Holds (COMPLIANCE.md: CN-HOLD; issue "holds by the rulebook"):

- a dispute holds the disputed account (a ``dispute`` hold on that account, with the disputed amount):
  collection on it pauses until the dispute is resolved, the customer's other accounts go on;
- a dispute of category ``fraud`` stops all collection: a ``dispute`` hold on every account of the
  customer;
- a complaint of abuse, false threats or third-party contact stops calls by the staff member or agency
  named (a ``complaint`` hold naming them, on the account) at once; when nobody is named yet, a
  ``complaint`` hold on the account stops every contact on it until the desk names who or closes;
- a hardship request places a ``hardship`` hold on every account of the customer (it changes the offer)
  and, when the policy pauses collection (``holds.hardship_pause_days``), a ``breathing_space`` hold on
  them that expires after that many days;
- other complaints (frequency, visits, privacy) hold nothing: the desk reads them.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import NUL, InvalidField
from arrears.kit.money import MAX_AMOUNT_FEN, format_fen
from arrears.servicedesk.categories import CATEGORIES, CHANNELS, HOLDING_COMPLAINTS, OUTCOMES, REMEDIES

MAX_SUMMARY = 4000
MAX_REFERENCE = 60
REPEAT_WINDOW = timedelta(days=365)  # a complaint within a year of another on the account is a repeat


@dataclass(frozen=True, slots=True)
class HoldSpec:
    """A hold a case places: its kind, its reach and whom it names."""

    kind: str
    whole_customer: bool
    staff_user_id: int | None = None
    agency_code: str | None = None
    amount_fen: int | None = None
    pause_days: int | None = None  # expires this many days after intake


def holds_for(
    kind: str, category: str, *, involved_user_id: int | None, involved_agency: str | None,
    amount_fen: int | None, hardship_pause_days: int
) -> list[HoldSpec]:  # fmt: skip
    """The holds a case of ``kind`` and ``category`` places (see the module's docstring)."""
    if kind == "dispute":
        whole = category == "fraud"
        return [HoldSpec("dispute", whole_customer=whole, amount_fen=None if whole else amount_fen)]
    if kind == "complaint":
        if category not in HOLDING_COMPLAINTS:
            return []
        if involved_user_id is None and involved_agency is None:
            return [HoldSpec("complaint", whole_customer=False)]
        return [HoldSpec("complaint", whole_customer=False, staff_user_id=involved_user_id,
                         agency_code=involved_agency)]  # fmt: skip
    if kind == "hardship":
        pause = [HoldSpec("breathing_space", whole_customer=True, pause_days=hardship_pause_days)]
        return [HoldSpec("hardship", whole_customer=True)] + (pause if hardship_pause_days > 0 else [])
    return []


@dataclass(frozen=True, slots=True)
class Intake:
    """A case as a person or the portal reports it, before it is stored."""

    kind: str
    category: str
    channel: str
    summary: str
    amount_fen: int | None = None
    regulator: bool = False
    regulator_ref: str | None = None
    involved_user_id: int | None = None
    involved_agency: str | None = None


def check_long_text(value: str, field: str) -> str:
    """A case's text (a summary, a note, a decision: a complaint letter may be long) stripped; InvalidField
    past ``MAX_SUMMARY`` characters or for a NUL character (no column takes one)."""
    if len(value) > MAX_SUMMARY:
        raise InvalidField(field, f"at most {MAX_SUMMARY} characters ({len(value)})",
                           f"最多 {MAX_SUMMARY} 个字符（现为 {len(value)} 个）")  # fmt: skip
    if NUL in value:
        raise InvalidField(field, "the text holds a NUL character", "文字中含有空字符（NUL）")
    return value.strip()


def check_intake(intake: Intake) -> Intake:
    """The intake with its texts stripped (a regulator channel is a regulator referral); InvalidField
    naming the field that is refused."""
    if intake.kind not in CATEGORIES:
        raise NotFound(f"no case kind {intake.kind}", f"没有工单类型 {intake.kind}")
    if intake.category not in CATEGORIES[intake.kind]:
        raise InvalidField("category", "choose one of the categories", "请选择一个类别")
    if intake.channel not in CHANNELS:
        raise InvalidField("channel", "choose one of the channels", "请选择一个渠道")
    summary = check_long_text(intake.summary, "summary")
    if not summary:
        raise InvalidField("summary", "say what the cardholder reports", "请说明持卡人反映的情况")
    if len(summary) > MAX_SUMMARY:
        raise InvalidField("summary", f"at most {MAX_SUMMARY} characters", f"最多 {MAX_SUMMARY} 个字符")
    _check_amount(intake.kind, intake.amount_fen)
    regulator = intake.regulator or intake.channel == "regulator"
    reference = check_long_text(intake.regulator_ref or "", "regulator_ref") or None
    if reference is not None and len(reference) > MAX_REFERENCE:
        raise InvalidField(
            "regulator_ref", f"at most {MAX_REFERENCE} characters", f"最多 {MAX_REFERENCE} 个字符"
        )
    if reference is None and regulator:
        raise InvalidField("regulator_ref", "a regulator referral needs its number", "监管转办须填写转办编号")
    if reference is not None and not regulator:
        raise InvalidField(
            "regulator_ref", "only a regulator referral has a reference", "只有监管转办有转办编号"
        )
    agency = check_long_text(intake.involved_agency or "", "involved_agency") or None
    if agency is not None and len(agency) > 40:
        raise InvalidField("involved_agency", "at most 40 characters", "最多 40 个字符")
    return Intake(intake.kind, intake.category, intake.channel, summary, intake.amount_fen, regulator,
                  reference, intake.involved_user_id, agency)  # fmt: skip


def _check_amount(kind: str, amount_fen: int | None) -> None:
    if amount_fen is None:
        return
    if kind != "dispute":
        raise InvalidField("amount", "only a dispute names an amount", "只有异议可以填写金额")
    if type(amount_fen) is not int or not 0 < amount_fen <= MAX_AMOUNT_FEN:
        cap = format_fen(MAX_AMOUNT_FEN)
        raise InvalidField(
            "amount", f"the amount must be from 0.01 to {cap} yuan", f"金额须在 0.01 至 {cap} 元之间"
        )


def is_repeat(kind: str, earlier_complaints: Sequence[datetime], *, received_at: datetime) -> bool:
    """A complaint is a repeat when the account had another complaint in the year before it."""
    return kind == "complaint" and any(
        received_at - REPEAT_WINDOW <= at <= received_at for at in earlier_complaints
    )


@dataclass(frozen=True, slots=True)
class Resolution:
    outcome: str
    remedies: tuple[str, ...]
    text: str
    refund_fen: int | None = None


def check_resolution(resolution: Resolution) -> Resolution:
    """The resolution with its text stripped and its remedies in their order; InvalidField naming the
    field refused. A case not upheld takes no remedy; a refund names its amount."""
    if resolution.outcome not in OUTCOMES:
        raise InvalidField(
            "outcome", "choose upheld, partly upheld or not upheld", "请选择成立、部分成立或不成立"
        )
    unknown = [one for one in resolution.remedies if one not in REMEDIES]
    if unknown:
        raise InvalidField("remedies", f"unknown remedy {unknown[0]}", f"未知的补救措施 {unknown[0]}")
    remedies = tuple(one for one in REMEDIES if one in resolution.remedies)
    if resolution.outcome == "not_upheld" and remedies:
        raise InvalidField("remedies", "a case not upheld takes no remedy", "不成立的工单不能有补救措施")
    text = check_long_text(resolution.text, "text")
    if not text:
        raise InvalidField("text", "write the decision and its reasons", "请写明处理结果和理由")
    if len(text) > MAX_SUMMARY:
        raise InvalidField("text", f"at most {MAX_SUMMARY} characters", f"最多 {MAX_SUMMARY} 个字符")
    refund = resolution.refund_fen
    if ("refund" in remedies) != (refund is not None):
        raise InvalidField(
            "refund", "a refund names its amount, and only a refund", "退款须填写金额，且仅退款时填写"
        )
    if refund is not None and (type(refund) is not int or not 0 < refund <= MAX_AMOUNT_FEN):
        raise InvalidField("refund", "the refund must be a positive amount", "退款金额须为正数")
    return Resolution(resolution.outcome, remedies, text, refund)


class CaseStateError(ArrearsError):
    """The case is not in a state that allows this step."""


# --- the desk's figures --------------------------------------------------------------------------------


def per_10k(count: int, accounts: int) -> float | None:
    """Cases per 10,000 accounts in collection (None when none are in collection)."""
    return round(count * 10_000 / accounts, 2) if accounts > 0 else None


@dataclass(frozen=True, slots=True)
class ResolveFigures:
    resolved: int
    in_time: int
    share_in_time: float | None
    median_hours: float | None
    p90_hours: float | None


def resolve_figures(closed: Sequence[tuple[datetime, datetime, datetime]]) -> ResolveFigures:
    """From (received, resolved, resolve_by) of resolved cases: how many, how many in time, and the
    median and 90th percentile of the hours to resolve."""
    if not closed:
        return ResolveFigures(0, 0, None, None, None)
    hours = sorted((resolved - received).total_seconds() / 3600 for received, resolved, _ in closed)
    in_time = sum(1 for _, resolved, due in closed if resolved <= due)
    p90 = hours[min(len(hours) - 1, int(0.9 * len(hours)))]
    return ResolveFigures(len(closed), in_time, round(in_time / len(closed), 4),
                          round(statistics.median(hours), 1), round(p90, 1))  # fmt: skip
