"""Repayment arrangements as pure decisions: the instalment calculator and the authority matrix.

No session, no clock: the day the plan is agreed (``agreed_on``) comes in from the edge. Money is
integer fen throughout; a share is compared in basis points with integer arithmetic, never a float.

The calculator (``schedule``) turns an account's balances and the terms a collector offers into the
payments the plan collects: what is owed (principal + interest + fees), less what is waived (interest
and fees only, never principal), is the total; an optional down payment comes first, the rest is split
into equal monthly instalments with the odd fen on the last one, or falls due at once at the end of a
deferral. ``docs/arrangements.md`` states the rules and the authority table.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from arrears.kit.errors import ArrearsError
from arrears.kit.money import format_fen

PlanKind = Literal["instalment", "deferral"]

MIN_MONTHS, MAX_MONTHS = 2, 36  # an instalment plan's monthly payments
MAX_DEFERRAL_DAYS = 180  # a deferral's one payment falls due at most this many days after agreement
FIRST_DUE_WITHIN_DAYS = 60  # an instalment plan's first payment falls due within this many days
BASIS_POINTS = 10_000


class PlanError(ArrearsError):
    """Terms the calculator cannot turn into a plan; the message says what to change."""


class BeyondAuthority(PlanError):
    """A plan that not even a manager may agree: it needs other terms."""


class HeldAccount(PlanError):
    """The account is under a hold that stops repayment plans (bankruptcy, deceased)."""


@dataclass(frozen=True, slots=True)
class Balances:
    """What the account owes, in fen."""

    principal_fen: int
    interest_fen: int
    fee_fen: int

    @property
    def owed_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fee_fen


@dataclass(frozen=True, slots=True)
class PlanTerms:
    """What a collector offers. ``months`` is the number of monthly instalments (instalment plans
    only); a deferral's one payment falls due on ``first_due_date``. A down payment, when there is one,
    falls due on ``down_payment_date``, after the agreement and before ``first_due_date``."""

    kind: PlanKind
    first_due_date: date
    months: int | None = None
    waived_interest_fen: int = 0
    waived_fee_fen: int = 0
    down_payment_fen: int = 0
    down_payment_date: date | None = None


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int  # from 1
    due_date: date
    amount_fen: int
    down_payment: bool = False


@dataclass(frozen=True, slots=True)
class Schedule:
    """A plan as the calculator makes it: the instalments sum exactly to ``total_fen``."""

    kind: PlanKind
    agreed_on: date
    balances: Balances
    waived_interest_fen: int
    waived_fee_fen: int
    total_fen: int  # what the plan collects: owed less waived, the down payment included
    down_payment_fen: int
    months: int  # monthly instalments (0 for a deferral)
    deferral_days: int  # days from agreement to the deferred payment (0 for an instalment plan)
    remainder_fen: int  # the odd fen added to the last instalment so that the sum is exact
    instalments: tuple[Instalment, ...]

    @property
    def waived_fen(self) -> int:
        return self.waived_interest_fen + self.waived_fee_fen

    @property
    def interest_and_fees_fen(self) -> int:
        return self.balances.interest_fen + self.balances.fee_fen

    @property
    def waived_share(self) -> Decimal:
        """The waived part of interest and fees, 0 to 1, to four places."""
        if not self.interest_and_fees_fen:
            return Decimal("0.0000")
        return (Decimal(self.waived_fen) / Decimal(self.interest_and_fees_fen)).quantize(Decimal("0.0001"))


# --- the calculator ---------------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day when it is shorter: Jan 31 -> Feb 28
    (29 in a leap year) -> Mar 31 (each date counts from ``day``, so a short month does not stick)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def split_evenly(total_fen: int, count: int) -> list[int]:
    """``count`` equal amounts summing to ``total_fen``; the remainder (under ``count`` fen) goes on
    the last one."""
    base, remainder = divmod(total_fen, count)
    return [base] * (count - 1) + [base + remainder]


def schedule(*, balances: Balances, terms: PlanTerms, agreed_on: date) -> Schedule:
    """The plan's payments for ``terms`` on an account owing ``balances``, agreed on ``agreed_on``.
    Raises :class:`PlanError` (zh and en) for terms that make no plan."""
    _check_balances(balances)
    _check_waivers(balances, terms)
    months = _check_dates(terms, agreed_on)
    total = balances.owed_fen - terms.waived_interest_fen - terms.waived_fee_fen
    if total <= 0:
        raise PlanError(
            "nothing is left to collect after the waiver: a plan needs an amount to collect",
            "减免后已无应还金额，无需制定还款计划",
        )
    payments = _check_down_payment(terms, agreed_on, total, max(months, 1))
    later = total - terms.down_payment_fen
    amounts = split_evenly(later, months) if months else [later]
    first = len(payments) + 1
    instalments = [
        Instalment(first + k, add_months(terms.first_due_date, k), amount) for k, amount in enumerate(amounts)
    ]
    return Schedule(
        kind=terms.kind,
        agreed_on=agreed_on,
        balances=balances,
        waived_interest_fen=terms.waived_interest_fen,
        waived_fee_fen=terms.waived_fee_fen,
        total_fen=total,
        down_payment_fen=terms.down_payment_fen,
        months=months,
        deferral_days=(terms.first_due_date - agreed_on).days if terms.kind == "deferral" else 0,
        remainder_fen=later % months if months else 0,
        instalments=(*payments, *instalments),
    )


def _check_balances(balances: Balances) -> None:
    if min(balances.principal_fen, balances.interest_fen, balances.fee_fen) < 0:
        raise PlanError(
            "the account's balances are negative (a credit balance): there is nothing to arrange",
            "账户余额为负（溢缴款），无需制定还款计划",
        )
    if balances.owed_fen == 0:
        raise PlanError("the account owes nothing", "该账户无欠款")


def _check_waivers(balances: Balances, terms: PlanTerms) -> None:
    for label_en, label_zh, waived, owed in (
        ("interest", "利息", terms.waived_interest_fen, balances.interest_fen),
        ("fees", "费用", terms.waived_fee_fen, balances.fee_fen),
    ):
        if waived < 0:
            raise PlanError(f"the waived {label_en} cannot be negative", f"减免{label_zh}不能为负数")
        if waived > owed:
            raise PlanError(
                f"the waived {label_en} ({format_fen(waived)} yuan) exceeds the {label_en} owed "
                f"({format_fen(owed)} yuan)",
                f"减免{label_zh}（{format_fen(waived)} 元）超过所欠{label_zh}（{format_fen(owed)} 元）",
            )


def _check_dates(terms: PlanTerms, agreed_on: date) -> int:
    """The number of monthly instalments (0 for a deferral), once the kind, months and dates hold."""
    if terms.kind not in ("instalment", "deferral"):
        raise PlanError(
            f'a plan is an "instalment" plan or a "deferral", not "{terms.kind}"',
            f"还款计划类型只能是分期（instalment）或延期（deferral），不能是 {terms.kind}",
        )
    days = (terms.first_due_date - agreed_on).days
    if days <= 0:
        raise PlanError(
            f"the first payment must fall due after the agreement ({agreed_on.isoformat()})",
            f"首期还款日须晚于协议日期（{agreed_on.isoformat()}）",
        )
    if terms.kind == "deferral":
        if terms.months not in (None, 1):
            raise PlanError(
                "a deferral is one payment: leave the months out", "延期还款只有一期，请勿填写期数"
            )
        if days > MAX_DEFERRAL_DAYS:
            raise PlanError(
                f"a payment can be deferred by at most {MAX_DEFERRAL_DAYS} days, not {days}",
                f"延期最长 {MAX_DEFERRAL_DAYS} 天，所填为 {days} 天",
            )
        return 0
    if terms.months is None or not MIN_MONTHS <= terms.months <= MAX_MONTHS:
        raise PlanError(
            f"an instalment plan has {MIN_MONTHS} to {MAX_MONTHS} monthly payments, not {terms.months}",
            f"分期期数须在 {MIN_MONTHS} 至 {MAX_MONTHS} 期之间，所填为 {terms.months}",
        )
    if days > FIRST_DUE_WITHIN_DAYS:
        raise PlanError(
            f"an instalment plan's first payment falls due within {FIRST_DUE_WITHIN_DAYS} days of the "
            f"agreement, not {days}: defer the payment instead",
            f"分期计划首期还款日须在协议后 {FIRST_DUE_WITHIN_DAYS} 天内（所填为 {days} 天），否则请申请延期",
        )
    return terms.months


def _check_down_payment(terms: PlanTerms, agreed_on: date, total: int, payments: int) -> list[Instalment]:
    """The down payment as instalment 1 (none when there is none), checked against the other terms."""
    down, when = terms.down_payment_fen, terms.down_payment_date
    if down < 0:
        raise PlanError("the down payment cannot be negative", "首付款不能为负数")
    if down == 0:
        if when is not None:
            raise PlanError(
                "a down payment date needs a down payment amount", "填写了首付日期但未填写首付金额"
            )
        return []
    if when is None:
        raise PlanError("a down payment needs the date it is due", "首付款须注明还款日期")
    if not agreed_on < when < terms.first_due_date:
        raise PlanError(
            "the down payment falls due after the agreement and before the first payment",
            "首付款还款日须晚于协议日期、早于首期还款日",
        )
    if total - down < payments:
        raise PlanError(
            f"the down payment ({format_fen(down)} yuan) leaves too little for the plan (total "
            f"{format_fen(total)} yuan): a payment in full needs no plan",
            f"首付款（{format_fen(down)} 元）已覆盖应还总额（{format_fen(total)} 元），无需制定还款计划",
        )
    return [Instalment(1, when, down, down_payment=True)]


# --- the authority matrix ---------------------------------------------------------------------------

Role = Literal["self_service", "collector", "team_lead", "manager"]


@dataclass(frozen=True, slots=True)
class Authority:
    """What a role may agree without anyone's approval."""

    role: Role
    max_waived_fen: int  # interest and fees waived, together
    max_waived_share_bp: int  # of the interest and fees owed, in basis points (10,000 = all)
    max_months: int  # monthly instalments of an instalment plan
    max_deferral_days: int  # days a deferral's payment may be put off


AUTHORITIES: tuple[Authority, ...] = (
    Authority("collector", max_waived_fen=2_000_00, max_waived_share_bp=3_000, max_months=12,
              max_deferral_days=30),
    Authority("team_lead", max_waived_fen=20_000_00, max_waived_share_bp=6_000, max_months=24,
              max_deferral_days=90),
    Authority("manager", max_waived_fen=200_000_00, max_waived_share_bp=10_000, max_months=MAX_MONTHS,
              max_deferral_days=MAX_DEFERRAL_DAYS),
)  # fmt: skip
# What a cardholder may agree alone in the portal (/my), below a collector's authority; the strategy's
# self-service offers of the account's segment narrow it further. Not a staff role: it proposes nothing.
SELF_SERVICE = Authority("self_service", max_waived_fen=1_000_00, max_waived_share_bp=2_000, max_months=10,
                         max_deferral_days=20)  # fmt: skip
AUTHORITY: dict[str, Authority] = {authority.role: authority for authority in (SELF_SERVICE, *AUTHORITIES)}
MAX_PLAN_MONTHS = max(authority.max_months for authority in AUTHORITIES)  # the most anyone may agree
APPROVERS: tuple[Role, ...] = ("team_lead", "manager")  # the roles that approve, lowest first
LIMITS = ("waived_fen", "waived_share", "months", "deferral_days")


@dataclass(frozen=True, slots=True)
class Proposal:
    """What the authority matrix looks at in a plan."""

    kind: PlanKind
    months: int
    deferral_days: int  # days from agreement to the first regular payment, for either kind of plan
    waived_fen: int
    interest_and_fees_fen: int  # owed when the plan was proposed: the base of the waived share
    other_waived_fen: int = 0  # waived by the cardholder's other open plans (their other cards)


@dataclass(frozen=True, slots=True)
class Ruling:
    """Whether the proposer's role covers the plan; otherwise the lowest role that does and the limits
    of the proposer's authority that the plan goes beyond (names from :data:`LIMITS`)."""

    covered: bool
    required_role: Role | None
    exceeded: tuple[str, ...]


def proposal_of(plan: Schedule, *, other_waived_fen: int = 0) -> Proposal:
    """What the authority matrix looks at. The delay to the first regular payment (the down payment
    aside) is a deferral for an instalment plan too: a plan whose first instalment falls due 60 days
    out puts the debt off as long as a 60-day deferral. ``other_waived_fen``: what the cardholder's
    other open plans waive, which counts against the waived amount (not the share) of this one."""
    first = min(one.due_date for one in plan.instalments if not one.down_payment)
    delay = (first - plan.agreed_on).days
    return Proposal(
        plan.kind, plan.months, delay, plan.waived_fen, plan.interest_and_fees_fen, other_waived_fen
    )


def exceeded(authority: Authority, proposal: Proposal) -> tuple[str, ...]:
    """The limits of ``authority`` that ``proposal`` goes beyond (empty: the role may agree it)."""
    share_over = proposal.waived_fen * BASIS_POINTS > (
        authority.max_waived_share_bp * proposal.interest_and_fees_fen
    )
    beyond = {
        "waived_fen": proposal.waived_fen + proposal.other_waived_fen > authority.max_waived_fen,
        "waived_share": proposal.waived_fen > 0 and share_over,
        "months": proposal.kind == "instalment" and proposal.months > authority.max_months,
        "deferral_days": proposal.deferral_days > authority.max_deferral_days,
    }
    return tuple(limit for limit in LIMITS if beyond[limit])


def rule(*, proposal: Proposal, role: str) -> Ruling:
    """Whether ``role`` covers ``proposal``, else the lowest approver that does (team lead, then
    manager). Raises :class:`BeyondAuthority` when not even a manager may agree it. A role outside the
    matrix has no authority of its own."""
    own = AUTHORITY.get(role)
    over = exceeded(own, proposal) if own else LIMITS
    if own is not None and not over:
        return Ruling(covered=True, required_role=None, exceeded=())
    for approver in APPROVERS:
        if not exceeded(AUTHORITY[approver], proposal):
            return Ruling(covered=False, required_role=approver, exceeded=over)
    manager = AUTHORITY["manager"]
    raise BeyondAuthority(
        f"no one may agree this plan: a manager may waive up to {format_fen(manager.max_waived_fen)} yuan "
        f"({manager.max_waived_share_bp // 100}% of interest and fees), spread it over up to "
        f"{manager.max_months} months or defer it by up to {manager.max_deferral_days} days",
        f"该计划超出所有审批权限：主管最多可减免 {format_fen(manager.max_waived_fen)} 元"
        f"（利息和费用的 {manager.max_waived_share_bp // 100}%），分期最多 {manager.max_months} 期，"
        f"延期最多 {manager.max_deferral_days} 天",
    )


def may_decide(*, role: str, required_role: str) -> bool:
    """Whether ``role`` may decide an approval that needs ``required_role``: the same or a higher
    approver."""
    if role not in APPROVERS or required_role not in APPROVERS:
        return False
    return APPROVERS.index(role) >= APPROVERS.index(required_role)


PLAN_BLOCKING_HOLDS = ("bankruptcy", "deceased")  # the debt is a claim on an estate: for legal
_HOLD_ZH = {"bankruptcy": "破产", "deceased": "身故"}


def plan_blocked(hold_kinds: list[str]) -> HeldAccount | None:
    """The refusal for a plan on an account under these holds (in force), if one of them stops plans:
    a bankrupt's or a deceased cardholder's debt is claimed by legal, not arranged by a collector."""
    kind = next((one for one in PLAN_BLOCKING_HOLDS if one in hold_kinds), None)
    if kind is None:
        return None
    return HeldAccount(
        f"the account is under a {kind} hold: no repayment plan may be proposed or approved while it holds",
        f"该账户处于{_HOLD_ZH[kind]}停催中，停催期间不能提交或批准还款计划",
    )


def first_due_passed(plan_due_dates: list[date], *, today: date) -> bool:
    """Whether a plan's first payment fell due before ``today`` (too late to approve it as agreed)."""
    return bool(plan_due_dates) and min(plan_due_dates) < today
