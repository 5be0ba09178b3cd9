"""Debt sale (不良资产转让), pure: which accounts may join a pool (the rulebook's entry point
:func:`arrears.compliance.entry_points.debt_sale` and the pool's own rules), each account's expected
recovery, a pool's summary, the terms of a sale and their checks, and the rows of the buyer's file.

No database, no clock: the facts and ``today`` are passed in. Money is integer fen; the expected
recovery is computed exactly (fractions) and rounded down to the fen.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any, Final

from arrears.compliance.entry_points import LOSS_DPD, SaleCandidate, Verdict, debt_sale
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import NUL, InvalidField, check_day, check_text, shown
from arrears.kit.money import format_fen
from arrears.messaging.letters.rules import as_text_cell

# --- the pool -------------------------------------------------------------------------------------

MIN_DPD: Final = LOSS_DPD + 1  # no sale age in the policies: the entry point's "over 180 days"
MAX_DPD: Final = 36_500  # a hundred years: a --min-dpd beyond it is a typing error
NAME_LENGTH: Final = 100
# a debt in dispute or under complaint is not sold, nor that of a cardholder who died or is bankrupt,
# nor one in litigation (which an open legal case also excludes)
BLOCKING_HOLDS: Final = ("dispute", "complaint", "deceased", "bankruptcy", "litigation")
EXCLUSIONS: Final = ("not_eligible", "sold", "legal_case", "hold")


class PoolRefused(ArrearsError):
    """A pool that cannot be made as asked (no snapshot on the day, no account qualifies)."""


def check_min_dpd(value: int) -> int:
    if not MIN_DPD <= value <= MAX_DPD:
        raise InvalidField(
            "min_dpd",
            f"{value} is not a sale age: only accounts over {LOSS_DPD} days past due (loss class) may be "
            f"sold, so the least is {MIN_DPD} (at most {MAX_DPD:,})",
            f"{value} 不是有效的转让账龄：只有逾期超过 {LOSS_DPD} 天（损失类）的账户可以转让，"
            f"最少为 {MIN_DPD}",
        )
    return value


def check_name(value: str | None, *, as_of: date) -> str:
    """A pool's name (default ``pool YYYY-MM-DD``), 1 to 100 characters."""
    name = (value or "").strip() or f"pool {as_of.isoformat()}"
    if len(name) > NAME_LENGTH or NUL in name:
        raise InvalidField("name", f"a name has at most {NAME_LENGTH} characters",
                           f"名称不能超过 {NAME_LENGTH} 个字符")  # fmt: skip
    return name


@dataclass(frozen=True, slots=True)
class Facts:
    """An account on the pool's as-of date, as the pool's rules read it."""

    dpd: int
    regulatory_class: str
    sold: bool = False  # sold before: a resale (the entry point refuses it)
    open_legal_case: bool = False
    holds: tuple[str, ...] = ()  # the kinds of its active holds (those naming one person left out)


def exclusion(facts: Facts, *, buyer_collects_itself: bool = True) -> tuple[str | None, Verdict]:
    """Why the account may not be sold (a code of ``EXCLUSIONS``; None: it may) and the entry point's
    verdict. The entry point first (loss class, over 180 days, no resale, the buyer collects itself);
    then the pool's rules: no open legal case, no blocking hold."""
    verdict = debt_sale(SaleCandidate(facts.dpd, facts.regulatory_class, facts.sold, buyer_collects_itself))
    if facts.sold:
        return "sold", verdict
    if not verdict.allowed:
        return "not_eligible", verdict
    if facts.open_legal_case:
        return "legal_case", verdict
    if set(facts.holds) & set(BLOCKING_HOLDS):
        return "hold", verdict
    return None, verdict


# --- expected recovery ----------------------------------------------------------------------------

CEILING: Final = Fraction(30, 100)  # the most a loss-class account is expected to give back
MODEL_WEIGHT: Final = Fraction(1, 2)  # of the model's probability of payment
HISTORY_WEIGHT: Final = Fraction(1, 2)  # of the share of the last 12 months with a payment
FULL_AGE_DAYS: Final = 360  # older debt recovers less: the rate falls as 360 / DPD beyond a year
HISTORY_MONTHS: Final = 12


@dataclass(frozen=True, slots=True)
class Basis:
    """What an account's expected recovery is computed from."""

    balance_fen: int
    dpd: int
    p_pay_bp: int | None  # the model's probability of payment (1 - p_default) in 1/10,000; None: unscored
    months_paid: int  # months of the last 12 with a payment


def p_pay_bp(p_default: float | None) -> int | None:
    """The probability of payment in basis points from the model's probability of default."""
    if p_default is None:
        return None
    return max(0, min(10_000, round((1.0 - float(p_default)) * 10_000)))


def recovery_rate(basis: Basis) -> Fraction:
    """CEILING x (1/2 x p_pay + 1/2 x months paid / 12) x min(1, 360 / DPD); an unscored account has no
    model term (its history alone counts: conservative)."""
    model = Fraction(basis.p_pay_bp or 0, 10_000)
    history = Fraction(max(0, min(HISTORY_MONTHS, basis.months_paid)), HISTORY_MONTHS)
    age = min(Fraction(1), Fraction(FULL_AGE_DAYS, max(basis.dpd, 1)))
    return CEILING * (MODEL_WEIGHT * model + HISTORY_WEIGHT * history) * age


def expected_recovery(basis: Basis) -> int:
    """The expected recovery in fen, rounded down; 0 for a balance of 0 or less."""
    if basis.balance_fen <= 0:
        return 0
    return int(basis.balance_fen * recovery_rate(basis))  # int() of a positive fraction: rounds down


def months_paid(paid: Iterable[tuple[date, int]], *, as_of: date) -> tuple[int, int, date | None]:
    """(months of the 12 calendar months to ``as_of``'s (its own included, up to ``as_of``) with a net
    payment above 0, the net paid in them in fen (not below 0), the last day a payment was made in
    them) from (day, amount) rows; a reversal is a negative amount."""
    end = as_of.year * 12 + as_of.month
    by_month: Counter[int] = Counter()
    last: date | None = None
    for day, amount in paid:
        month = day.year * 12 + day.month
        if day <= as_of and end - month < HISTORY_MONTHS:
            by_month[month] += amount
            if amount > 0 and (last is None or day > last):
                last = day
    return sum(1 for fen in by_month.values() if fen > 0), max(0, sum(by_month.values())), last


# --- a pool's summary -----------------------------------------------------------------------------

AGE_BANDS: Final = ((181, 270), (271, 360), (361, 540), (541, 720), (721, None))
BALANCE_BANDS: Final = ((0, 499_999), (500_000, 1_999_999), (2_000_000, 4_999_999), (5_000_000, None))


def _band(value: int, bands: Sequence[tuple[int, int | None]]) -> tuple[int, int | None]:
    for low, high in bands:
        if value >= low and (high is None or value <= high):
            return low, high
    return bands[0]


@dataclass(frozen=True, slots=True)
class Band:
    low: int
    high: int | None
    accounts: int
    balance_fen: int
    expected_fen: int


@dataclass(frozen=True, slots=True)
class Summary:
    accounts: int
    balance_fen: int
    overdue_fen: int
    expected_fen: int
    ages: list[Band]  # by DPD
    balances: list[Band]  # by balance (fen)
    buckets: dict[str, int]  # accounts by bucket

    @property
    def expected_rate_bp(self) -> int:
        """The expected recovery as a share of the balance, in basis points (rounded down)."""
        return 0 if self.balance_fen <= 0 else self.expected_fen * 10_000 // self.balance_fen


def _bands(
    rows: Sequence[Mapping[str, Any]], column: str, bands: Sequence[tuple[int, int | None]]
) -> list[Band]:
    found: dict[tuple[int, int | None], list[int]] = {band: [0, 0, 0] for band in bands}
    for row in rows:
        totals = found[_band(int(row[column]), bands)]
        totals[0] += 1
        totals[1] += int(row["balance_fen"])
        totals[2] += int(row["expected_fen"])
    return [Band(low, high, *totals) for (low, high), totals in found.items()]


def summary(rows: Sequence[Mapping[str, Any]]) -> Summary:
    """A pool's totals, its accounts by age (DPD) and by balance, and by bucket (rows: the members)."""
    return Summary(
        accounts=len(rows),
        balance_fen=sum(int(row["balance_fen"]) for row in rows),
        overdue_fen=sum(int(row["overdue_fen"]) for row in rows),
        expected_fen=sum(int(row["expected_fen"]) for row in rows),
        ages=_bands(rows, "dpd", AGE_BANDS),
        balances=_bands(rows, "balance_fen", BALANCE_BANDS),
        buckets=dict(sorted(Counter(str(row["bucket"]) for row in rows).items())),
    )


# --- a sale ---------------------------------------------------------------------------------------

MAX_POOL_AGE_DAYS: Final = 90  # a pool older than this on the sale date is drawn again
MAX_PRICE_FEN: Final = 10**15  # ten trillion yuan: beyond any pool, within a BIGINT
_PRICE = re.compile(r"([0-9]{1,13})(?:\.([0-9]{1,2}))?")
_FIELD_LENGTHS: Final = {"buyer_name": 200, "buyer_licence": 100, "buyer_contact": 500, "buyer_pay_to": 500}


class SaleRefused(ArrearsError):
    """A sale that cannot be made or decided as asked (its terms, its pool, its accounts, who decides)."""


def parse_price(text: str) -> int:
    """A price in yuan (digits, at most two decimals) as fen; InvalidField naming ``price`` otherwise."""
    value = text.strip()
    found = _PRICE.fullmatch(value)
    if found is None:
        raise InvalidField("price", f"{shown(text)} is not an amount in yuan (at most two decimals)",
                           f"{shown(text)} 不是有效的金额（单位元，最多两位小数）")  # fmt: skip
    return int(found.group(1)) * 100 + int((found.group(2) or "").ljust(2, "0"))


@dataclass(frozen=True, slots=True)
class Terms:
    """A sale as proposed: the buyer, what cardholders are told of it, the price and the date."""

    buyer_name: str
    buyer_licence: str
    buyer_contact: str  # where cardholders reach the buyer (phone, address)
    buyer_pay_to: str  # how cardholders pay the buyer (beneficiary, bank, account)
    buyer_collects_itself: bool
    price_fen: int
    sold_on: date
    note: str | None = None


def _text(value: str, field: str) -> str:
    limit = _FIELD_LENGTHS[field]
    text = (value or "").strip()
    if not text:
        raise InvalidField(field, "this is needed", "此项必填")
    if len(text) > limit or NUL in text:
        raise InvalidField(field, f"at most {limit} characters", f"不能超过 {limit} 个字符")
    return text


def latest_sale_day(as_of: date, *, today: date) -> date:
    """The last day a pool drawn on ``as_of`` may be sold on: today, or its MAX_POOL_AGE_DAYS-th day."""
    return min(today, as_of + timedelta(days=MAX_POOL_AGE_DAYS))


def offered_sale_day(as_of: date, *, today: date, business_day: date) -> date:
    """The sale date a proposal's form offers: the business date, kept within the days the sale accepts
    (from ``as_of`` to ``latest_sale_day``)."""
    return max(as_of, min(business_day, latest_sale_day(as_of, today=today)))


def check_terms(terms: Terms, *, as_of: date, balance_fen: int, today: date) -> Terms:
    """The terms checked against the pool (its as-of date and balance) and ``today``: every text given,
    the buyer collects itself (the entry point), a price above 0 and not above the pool's balance (more
    than the debt's face value is a typing error), a sale date from the pool's as-of date to today and
    within MAX_POOL_AGE_DAYS of the as-of date. InvalidField naming the first field refused."""
    texts = {field: _text(getattr(terms, field), field) for field in _FIELD_LENGTHS}
    if not terms.buyer_collects_itself:
        raise InvalidField("buyer_collects_itself", "the buyer must collect the accounts itself (no agency)",
                           "受让方须自行催收，不得委外")  # fmt: skip
    if not 0 < terms.price_fen <= min(balance_fen, MAX_PRICE_FEN):
        raise InvalidField(
            "price", f"the price must be above 0 and at most the pool's balance (¥{format_fen(balance_fen)})",
            f"价格须大于 0 且不超过资产包余额（¥{format_fen(balance_fen)}）",
        )  # fmt: skip
    day = check_day(terms.sold_on, field="sold_on")
    latest = latest_sale_day(as_of, today=today)
    if not as_of <= day <= latest:
        raise InvalidField(
            "sold_on", f"the sale date must lie from the pool's as-of date ({as_of}) to {latest}",
            f"转让日期须在资产包基准日（{as_of}）至 {latest} 之间",
        )  # fmt: skip
    note = check_text(terms.note or "", field="note").strip() or None
    return Terms(**texts, buyer_collects_itself=True, price_fen=terms.price_fen, sold_on=day, note=note)


def check_decider(*, proposed_by_id: int, decided_by_id: int) -> None:
    """Four eyes: the person who decides a sale is not the one who proposed it."""
    if proposed_by_id == decided_by_id:
        raise SaleRefused("the person who proposed the sale may not decide it: another must",
                          "提议转让的人不能审批该转让，须由他人审批")  # fmt: skip


EXCLUSION_WORDS: Final = {  # each exclusion's reason in words (English, Chinese) for a refusal
    "not_eligible": ("not eligible for sale", "不符合转让条件"), "sold": ("sold before", "已转让"),
    "legal_case": ("an open legal case", "有进行中的法律案件"), "hold": ("a hold", "停催"),
}  # fmt: skip


def refused_accounts(found: Sequence[tuple[str, str]], *, shown_at_most: int = 10) -> SaleRefused:
    """The sale refused for its accounts that no longer qualify (account number, reason code): each one's
    reason in words."""
    shown = found[:shown_at_most]
    words = {code: EXCLUSION_WORDS.get(code, (code, code)) for _, code in shown}
    listed_en = ", ".join(f"{number} ({words[code][0]})" for number, code in shown)
    listed_zh = "，".join(f"{number}（{words[code][1]}）" for number, code in shown)
    left = len(found) - len(shown)
    more_en, more_zh = (f" and {left:,} more", f"，另有 {left:,} 个") if left > 0 else ("", "")
    return SaleRefused(
        f"{len(found):,} accounts of the pool may no longer be sold: {listed_en}{more_en}; draw a new pool",
        f"资产包中有 {len(found):,} 个账户已不能转让：{listed_zh}{more_zh}；请重新生成资产包",
    )


# --- the buyer's file -----------------------------------------------------------------------------

FILE_COLUMNS: Final = (
    "sale_id", "account_no", "product", "currency", "open_date", "credit_limit_fen", "customer_no",
    "name", "national_id", "birth_date", "mobile", "home_phone", "work_phone", "email", "home_address",
    "work_address", "employer", "cutoff_date", "dpd_at_cutoff", "oldest_unpaid_due_date",
    "balance_at_cutoff_fen", "overdue_at_cutoff_fen", "principal_fen", "interest_fen", "fee_fen",
    "paid_since_cutoff_fen", "last_payment_date", "last_payment_fen",
)  # fmt: skip
POINT_KINDS: Final = ("mobile", "home_phone", "work_phone", "email", "home_address", "work_address")


def _day(value: date | None) -> str:
    return value.isoformat() if value else ""


def file_row(sale_id: int, row: Mapping[str, Any], points: Mapping[str, Sequence[str]]) -> list[str]:
    """One account's row of the buyer's file: the account, the cardholder in clear (``row``: national
    ID and employer decrypted; ``points``: the contact values by kind), the amounts at the cut-off and
    now. Texts from the bank's data are kept as text (a leading = + - @ would run as a formula)."""
    values: dict[str, Any] = {
        "sale_id": sale_id, "cutoff_date": _day(row["cutoff_date"]), "open_date": _day(row["open_date"]),
        "birth_date": _day(row["birth_date"]), "oldest_unpaid_due_date": _day(row["oldest_unpaid_due_date"]),
        "last_payment_date": _day(row["last_payment_date"]),
    }  # fmt: skip
    values |= {kind: "; ".join(points.get(kind, ())) for kind in POINT_KINDS}
    cells = []
    for column in FILE_COLUMNS:
        value = values[column] if column in values else row.get(column)
        cells.append(as_text_cell("" if value is None else str(value)))
    return cells
