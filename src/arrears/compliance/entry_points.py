"""The engine's other entry points: letters, field visits, hand-overs, retention and scorecards.

Each function is pure (no database, no clock: ``now``/``today`` is passed in) and returns a ``Verdict``
that names its rule and lists *every* failing condition, in Chinese and in English (both empty when the
action is allowed). Rule ids are neutral unless the rule depends on a policy, in which case they carry the
policy name upper-cased (``CN-RETENTION``, ``US-RETENTION``).

Sources (COMPLIANCE.md, "Beyond the contact check"): CBRC 2011 Art. 69-70 (letter disclosures,
scorecards), the banking association guideline 2026 (field visits, agency whitelist and inspection),
PIPL Art. 6 and 21 (masked data, written outsourcing terms), the SPC/SPP interpretation on malicious
overdraft, the personal NPL transfer pilot (debt sale), 《征信业管理条例》 Art. 15 (pre-report notice)
and the retention periods of the policies.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from string import Formatter
from types import MappingProxyType
from typing import Final, NamedTuple
from zoneinfo import ZoneInfo

from arrears.compliance.policy import Hours


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    rule: str
    reasons_zh: tuple[str, ...] = ()
    reasons_en: tuple[str, ...] = ()


def _verdict(rule: str, zh: Sequence[str], en: Sequence[str]) -> Verdict:
    return Verdict(allowed=not zh, rule=rule, reasons_zh=tuple(zh), reasons_en=tuple(en))


def _require_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{what} must be an aware datetime, got {moment!r}")


def add_months(day: date, months: int) -> date:
    """``day`` plus calendar months, clamped to the end of a shorter month (Nov 30 + 3 months: Feb 28/29)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: date, years: int) -> date:
    """``day`` plus calendar years; Feb 29 becomes Feb 28 in a year that has none."""
    return add_months(day, 12 * years)


# --- 1. letters -------------------------------------------------------------------------------------


class Disclosure(NamedTuple):
    placeholder: str  # the format field name, without braces: "balance" for "{balance}"
    zh: str
    en: str


DISCLOSURES: Final = MappingProxyType(
    {
        "name": Disclosure("name", "持卡人姓名", "the cardholder's name"),
        "balance": Disclosure("balance", "欠款余额", "the balance owed"),
        "reason": Disclosure("reason", "催收原因", "the reason for collection"),
        "legal_basis": Disclosure("legal_basis", "法律依据", "the legal basis"),
        "rights": Disclosure("rights", "持卡人的权利", "the cardholder's rights"),
        "how_to_check": Disclosure("how_to_check", "欠款查询方式", "how to check the debt"),
        "how_to_repay": Disclosure("how_to_repay", "还款方式", "how to repay"),
        "how_to_object": Disclosure("how_to_object", "异议方式", "how to object"),
        "issuer_contact": Disclosure("issuer_contact", "发卡银行联系方式", "the issuer's contact details"),
    }
)
"""CBRC 2011 Art. 69: what a collection letter must carry, as disclosure id -> placeholder and labels."""

# Fallback for a text that str.format would reject: "{balance}", "{balance:,.2f}", "{name!s}".
_PLACEHOLDER = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)(?:[!:][^{}]*)?\}")


def placeholders_in(text: str) -> frozenset[str]:
    """The placeholder names (without braces) that a template text uses; ``{{literal}}`` is not one."""
    try:
        fields = [name for _, name, _, _ in Formatter().parse(text) if name]
    except ValueError:  # unbalanced braces: keep what looks like a placeholder
        return frozenset(_PLACEHOLDER.findall(text))
    return frozenset(re.split(r"[.\[]", name, maxsplit=1)[0] for name in fields) - {""}


@dataclass(frozen=True, slots=True)
class LetterTemplate:
    """A letter template: its text and the placeholders it uses (with or without braces).

    A disclosure counts as carried only when its placeholder is both declared and present in the text.
    ``LetterTemplate.from_text`` declares exactly the placeholders the text uses.
    """

    text: str
    placeholders: AbstractSet[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        names = frozenset(p.strip().removeprefix("{").removesuffix("}").strip() for p in self.placeholders)
        object.__setattr__(self, "placeholders", names)

    @classmethod
    def from_text(cls, text: str) -> LetterTemplate:
        return cls(text, placeholders_in(text))


def letter_disclosures(template: LetterTemplate) -> Verdict:
    """Rule LETTER-DISCLOSURES: refuse a template missing any disclosure of Art. 69, naming each one."""
    carried = template.placeholders & placeholders_in(template.text)
    zh: list[str] = []
    en: list[str] = []
    for disclosure in DISCLOSURES.values():
        if disclosure.placeholder not in carried:
            zh.append(f"催收函缺少{disclosure.zh}（{{{disclosure.placeholder}}}）")
            en.append(f"the letter does not state {disclosure.en} ({{{disclosure.placeholder}}})")
    return _verdict("LETTER-DISCLOSURES", zh, en)


# --- 2. field visits --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VisitPlan:
    staff_ids: tuple[str, ...]
    recording: bool
    enters_home: bool
    home_entry_consent: bool
    start: datetime  # aware
    end: datetime  # aware
    zone: ZoneInfo  # the debtor's zone, where the hours apply


def _in_hours(hours: Hours, moment: datetime, zone: ZoneInfo) -> bool:
    local = moment.astimezone(zone).time()
    return hours.start <= local and (local < hours.end or (hours.end_allowed and local <= hours.end))


def field_visit(plan: VisitPlan, *, hours: Hours, min_staff: int = 2) -> Verdict:
    """Rule VISIT-CONDITIONS: staff, logged IDs, recording, consent to enter a home, inside the hours.

    The planned start and end must both be inside the policy hours in ``plan.zone`` (the end instant
    itself only when ``hours.end_allowed``: with ``cn`` a visit ending at 22:00 is refused), on the same
    local day. A policy that exempts the ``visit`` channel from its hours skips that condition.
    """
    _require_aware(plan.start, "the visit's start")
    _require_aware(plan.end, "the visit's end")
    zh: list[str] = []
    en: list[str] = []
    if len(plan.staff_ids) < min_staff:
        zh.append(f"外访人员 {len(plan.staff_ids)} 人，少于 {min_staff} 人")
        en.append(f"{len(plan.staff_ids)} staff on the visit, fewer than {min_staff}")
    ids = [staff.strip() for staff in plan.staff_ids]
    if any(not staff for staff in ids):
        zh.append("有外访人员的工号未登记")
        en.append("a staff member's ID is not logged")
    duplicates = sorted({staff for staff in ids if staff and ids.count(staff) > 1})
    if duplicates:
        zh.append(f"外访人员工号重复：{'、'.join(duplicates)}")
        en.append(f"staff IDs logged more than once: {', '.join(duplicates)}")
    if not plan.recording:
        zh.append("外访须全程录音录像")
        en.append("the visit must be recorded")
    if plan.enters_home and not plan.home_entry_consent:
        zh.append("进入住宅前须取得同意并记录")
        en.append("entering the home requires consent recorded beforehand")
    if plan.end < plan.start:
        zh.append("外访结束时间早于开始时间")
        en.append("the visit ends before it starts")
    elif "visit" not in hours.exempt_channels:
        window = f"{hours.start:%H:%M}-{hours.end:%H:%M}"
        for zh_what, en_what, moment in (("开始", "start", plan.start), ("结束", "end", plan.end)):
            if not _in_hours(hours, moment, plan.zone):
                local = moment.astimezone(plan.zone).strftime("%H:%M")
                zh.append(f"外访{zh_what}时间为 {plan.zone.key} 当地 {local}，不在允许时间 {window} 内")
                en.append(
                    f"the visit's {en_what}, {local} in {plan.zone.key}, "
                    f"is outside the allowed hours {window}"
                )
        if plan.start.astimezone(plan.zone).date() != plan.end.astimezone(plan.zone).date():
            zh.append("外访跨越夜间，须在同一天的允许时间内完成")
            en.append("the visit runs overnight: it must fit within the allowed hours of one day")
    return _verdict("VISIT-CONDITIONS", zh, en)


# --- 3. agency placement ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AgencyRecord:
    code: str
    whitelisted: bool
    last_inspection_date: date | None
    contract_valid_until: date | None  # the last day the contract is valid
    outsourcing_terms_signed: bool  # PIPL Art. 21: written terms on the personal data handed over


def agency_placement(
    agency: AgencyRecord, *, today: date, data_masked: bool, max_days_since_inspection: int = 365
) -> Verdict:
    """Rule AGENCY-PLACEMENT: whitelist, inspection, valid contract, signed terms, masked data only.

    An inspection exactly ``max_days_since_inspection`` days before ``today`` still counts; a day more
    does not (nor does one dated after ``today``). A contract valid until ``today`` is still valid.
    """
    zh: list[str] = []
    en: list[str] = []
    if not agency.whitelisted:
        zh.append(f"委外机构 {agency.code} 不在白名单内")
        en.append(f"agency {agency.code} is not on the whitelist")
    inspected = agency.last_inspection_date
    if inspected is None or inspected > today or (today - inspected).days > max_days_since_inspection:
        zh.append(f"委外机构近 {max_days_since_inspection} 天内未接受检查")
        en.append(f"the agency was not inspected in the last {max_days_since_inspection} days")
    if agency.contract_valid_until is None or agency.contract_valid_until < today:
        zh.append("委外合同已过期或不存在")
        en.append("the agency has no contract valid today")
    if not agency.outsourcing_terms_signed:
        zh.append("未签署书面委托处理个人信息条款（个人信息保护法第二十一条）")
        en.append("written outsourcing terms for personal data are not signed (PIPL Art. 21)")
    if not data_masked:
        zh.append("只能向委外机构提供脱敏后的个人信息")
        en.append("only masked personal data may be handed to the agency")
    return _verdict("AGENCY-PLACEMENT", zh, en)


# --- 4. legal referral for malicious overdraft ------------------------------------------------------

MIN_DAYS_BETWEEN_COLLECTIONS: Final = 30
UNPAID_MONTHS: Final = 3


def collection_pair(collections: Sequence[date]) -> tuple[date, date] | None:
    """The earliest pair of effective collections at least 30 days apart (None: there is none).

    "Earliest" means the earliest second collection (the one the 3 months run from), paired with the
    earliest collection: that pair becomes eligible first.
    """
    if not collections:
        return None
    ordered = sorted(collections)
    first = ordered[0]
    second = next((d for d in ordered if (d - first).days >= MIN_DAYS_BETWEEN_COLLECTIONS), None)
    return None if second is None else (first, second)


def referral_eligible_from(second_collection: date) -> date:
    """The first day a referral is possible: the day after the second collection + 3 calendar months."""
    return add_months(second_collection, UNPAID_MONTHS) + timedelta(days=1)


def malicious_overdraft_referral(collections: Sequence[date], *, today: date, paid_since: bool) -> Verdict:
    """Rule LEGAL-MALICIOUS-OVERDRAFT: two effective collections >= 30 days apart, > 3 months unpaid since.

    Convention: "more than 3 months" after the second collection means ``today`` is later than the second
    collection's date plus 3 calendar months (clamped to the month end: Nov 30 -> Feb 28/29). On that date
    itself a referral is refused; from the next day on it is allowed. Collections exactly 30 days apart
    qualify, 29 days do not. ``paid_since``: whether anything was paid after the second collection of the
    earliest qualifying pair (``collection_pair``).
    """
    zh: list[str] = []
    en: list[str] = []
    pair = collection_pair(collections)
    if pair is None:
        zh.append(f"缺少两次间隔至少 {MIN_DAYS_BETWEEN_COLLECTIONS} 天的有效催收")
        en.append(
            f"there are no two effective collections at least {MIN_DAYS_BETWEEN_COLLECTIONS} days apart"
        )
    else:
        _, second = pair
        eligible = referral_eligible_from(second)
        if today < eligible:
            zh.append(f"第二次有效催收（{second}）后未满 {UNPAID_MONTHS} 个月，最早可于 {eligible} 移送")
            en.append(
                f"not more than {UNPAID_MONTHS} months since the second effective collection ({second}); "
                f"a referral is possible from {eligible}"
            )
    if paid_since:
        zh.append("第二次有效催收后已有还款")
        en.append("a payment was made after the second effective collection")
    return _verdict("LEGAL-MALICIOUS-OVERDRAFT", zh, en)


# --- 5. debt sale -----------------------------------------------------------------------------------

LOSS_DPD: Final = 180


@dataclass(frozen=True, slots=True)
class SaleCandidate:
    dpd: int  # days past due
    regulatory_class: str  # five-category loan classification: normal, special_mention, ..., loss
    is_resale: bool  # the seller is itself a buyer reselling the account
    buyer_collects_itself: bool


def debt_sale(account: SaleCandidate) -> Verdict:
    """Rule DEBT-SALE: only loss-class accounts over 180 DPD (both required), no resale, buyer collects."""
    zh: list[str] = []
    en: list[str] = []
    if account.dpd <= LOSS_DPD:
        zh.append(f"逾期 {account.dpd} 天，未超过 {LOSS_DPD} 天")
        en.append(f"{account.dpd} days past due, not over {LOSS_DPD}")
    if account.regulatory_class.strip().lower() != "loss":
        zh.append(f"贷款分类为 {account.regulatory_class}，只有损失类可以转让")
        en.append(f"classified {account.regulatory_class}: only loss-class accounts may be sold")
    if account.is_resale:
        zh.append("受让方不得再次转让")
        en.append("a buyer may not resell the account")
    if not account.buyer_collects_itself:
        zh.append("受让方须自行催收，不得委外")
        en.append("the buyer must collect the account itself")
    return _verdict("DEBT-SALE", zh, en)


# --- 6. credit-bureau report ------------------------------------------------------------------------


def credit_bureau_report(*, negative: bool, pre_notice_at: datetime | None, report_at: datetime) -> Verdict:
    """Rule CREDIT-BUREAU-NOTICE: a negative report only after a pre-report notice dated before it."""
    _require_aware(report_at, "report_at")
    if pre_notice_at is not None:
        _require_aware(pre_notice_at, "pre_notice_at")
    zh: list[str] = []
    en: list[str] = []
    if negative:
        if pre_notice_at is None:
            zh.append("报送不良信息前须事先告知本人，未见告知记录")
            en.append("no pre-report notice: the person must be told before negative information is reported")
        elif pre_notice_at >= report_at:
            zh.append(f"告知时间 {pre_notice_at.isoformat()} 不早于报送时间 {report_at.isoformat()}")
            en.append(
                f"the pre-report notice ({pre_notice_at.isoformat()}) is not before "
                f"the report ({report_at.isoformat()})"
            )
    return _verdict("CREDIT-BUREAU-NOTICE", zh, en)


# --- 7. retention -----------------------------------------------------------------------------------


def purge_allowed_from(records_created_at: date, retention_years: int) -> date:
    """The first day records may be purged: the anniversary after ``retention_years`` (Feb 29 -> Feb 28)."""
    return add_years(records_created_at, retention_years)


def purge(records_created_at: date, *, today: date, retention_years: int, policy_name: str) -> Verdict:
    """Rule <POLICY>-RETENTION: no purge before ``retention_years`` full calendar years have passed.

    Records created on 2024-02-29 with 2 years' retention may be purged from 2026-02-28.
    """
    if retention_years < 0:
        raise ValueError(f"retention_years must not be negative, got {retention_years}")
    first = purge_allowed_from(records_created_at, retention_years)
    zh: list[str] = []
    en: list[str] = []
    if today < first:
        zh.append(f"记录须至少保存 {retention_years} 年，最早可于 {first} 删除")
        en.append(f"records must be kept at least {retention_years} years: a purge is allowed from {first}")
    return _verdict(f"{policy_name.upper()}-RETENTION", zh, en)


# --- 8. collector scorecards ------------------------------------------------------------------------

RECOVERY_MEASURES: Final = frozenset(
    {
        "recovered_amount",
        "recovery_rate",
        "collected_amount",
        "collection_rate",
        "amount_recovered",
        "amount_collected",
        "cash_collected",
        "recoveries",
    }
)
"""Measures of recovered amount; CBRC 2011 Art. 70: collectors must not be assessed on these alone."""


def collector_scorecard(measures: Sequence[str]) -> Verdict:
    """Rule SCORECARD-BALANCE: not empty, and at least one measure that is not recovered amount."""
    names = [m.strip().lower() for m in measures if m.strip()]
    zh: list[str] = []
    en: list[str] = []
    if not names:
        zh.append("考核指标不能为空")
        en.append("the scorecard has no measures")
    if not any(name not in RECOVERY_MEASURES for name in names):
        zh.append("考核指标不能仅为回收金额，须至少包含一项其他指标")
        en.append("the scorecard must include at least one measure other than recovered amount")
    return _verdict("SCORECARD-BALANCE", zh, en)
