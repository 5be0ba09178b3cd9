"""Agency commission arithmetic, pure (``docs/decisions/0033``).

- **Attribution.** A payment belongs to the placement of its account that covers its date:
  ``placed_on <= paid_date <= coalesce(recalled_on, ends_on)`` (placements of an account never
  overlap). A reversal (``source`` ``reversal``, a negative amount) that names the payment it takes
  back belongs where that payment belonged, at that payment's rate, and claws back on the statement
  of the month the reversal is dated; a reversal naming no payment is attributed by its own date.
- **Rate.** The agency's schedule in force on the day the account was placed (the latest
  ``effective_from`` on or before ``placed_on``), its band holding the account's days past due and
  overdue amount at placement (the delinquency snapshot of the run that handed it over). A payment
  with no schedule, no band or no delinquency at placement is attributed but *unrated*: it earns 0
  and the statement counts it, so that a reviewer sees it.
- **Rounding.** Per payment: ``amount_fen * rate_bp / 10,000`` rounded half away from zero to the
  fen. A reversal of a whole payment at the same rate takes back exactly what the payment earned;
  a statement's commission is the sum of its lines, to the fen.

The statements apply these rules to a month's lines at once (``commission_frames``); the tests hold
both to the same results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from arrears.accounts.rules import DEFAULT_BUCKETS
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, check_day, shown
from arrears.kit.money import MAX_AMOUNT_FEN, format_fen, parse_amount_fen

MAX_RATE_BP = 10_000  # 100 %
BP = 10_000
UNRATED = ("no_schedule", "no_band", "no_delinquency")  # why a payment earned nothing
REVERSAL = "reversal"
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_AGE_BUCKETS = re.compile(r"(M\d)(\+)?(?:-(M\d\+?))?")
_AGE_DPD = re.compile(r"(\d{1,5})(?:-(\d{1,5})|(\+))?")


class ScheduleRefused(ArrearsError, ValueError):
    """A commission schedule that cannot be used: a rate out of 0..10,000 bp, a band that ends before
    it starts, two bands that overlap, no band at all."""


@dataclass(frozen=True, slots=True)
class RateBand:
    """Accounts whose days past due at placement lie in ``min_dpd``..``max_dpd`` (inclusive; None: and
    above) and whose overdue amount at placement lies in ``min_overdue_fen``..``max_overdue_fen`` (the
    max excluded; None: and above) earn ``rate_bp`` of what is collected on them."""

    age_band: str
    min_dpd: int
    max_dpd: int | None
    rate_bp: int
    min_overdue_fen: int = 0
    max_overdue_fen: int | None = None

    def holds(self, dpd: int, overdue_fen: int) -> bool:
        return (
            self.min_dpd <= dpd
            and (self.max_dpd is None or dpd <= self.max_dpd)
            and self.min_overdue_fen <= overdue_fen
            and (self.max_overdue_fen is None or overdue_fen < self.max_overdue_fen)
        )

    def amount_band(self) -> str:
        """``0.00-50,000.00`` (the max excluded), ``50,000.00+``."""
        low = format_fen(self.min_overdue_fen)
        return f"{low}+" if self.max_overdue_fen is None else f"{low}-{format_fen(self.max_overdue_fen)}"

    def overlaps(self, other: RateBand) -> bool:
        ages = self.min_dpd <= _top(other.max_dpd) and other.min_dpd <= _top(self.max_dpd)
        high, other_high = _top(self.max_overdue_fen), _top(other.max_overdue_fen)
        amounts = self.min_overdue_fen < other_high and other.min_overdue_fen < high
        return ages and amounts


def _top(value: int | None) -> int:
    return 2**62 if value is None else value


@dataclass(frozen=True, slots=True)
class Schedule:
    """An agency's bands in force for the accounts placed from ``effective_from``."""

    agency_code: str
    effective_from: date
    bands: tuple[RateBand, ...]

    def band_for(self, dpd: int, overdue_fen: int) -> RateBand | None:
        return next((band for band in self.bands if band.holds(dpd, overdue_fen)), None)


# --- reading a schedule --------------------------------------------------------------------------


def parse_age_band(text: str) -> tuple[str, int, int | None]:
    """``M1-M3`` -> ``("M1-M3", 1, 90)``, ``M7+`` -> 181.., ``M4`` -> 91..120, ``M4+`` -> 91..,
    ``91-180`` (days past due), ``181+``. InvalidField naming ``age_band`` otherwise."""
    value = text.strip().upper()
    found = _AGE_BUCKETS.fullmatch(value)
    if found:
        first, open_ended, last = found.group(1), found.group(2), found.group(3)
        codes = DEFAULT_BUCKETS.codes
        first = first if first in codes else f"{first}+"
        last = last or first
        if open_ended and found.group(3):
            raise _bad_age(text)  # M4+-M6: open and closed at once
        if open_ended and not last.endswith("+"):
            last = codes[-1]  # M4+: M4 and every worse bucket
        if first in codes and last in codes and codes.index(last) >= codes.index(first):
            low, high = DEFAULT_BUCKETS.bands[codes.index(first)], DEFAULT_BUCKETS.bands[codes.index(last)]
            return value, low.min_dpd, high.max_dpd
        raise _bad_age(text)
    found = _AGE_DPD.fullmatch(value)
    if found:
        low_dpd = int(found.group(1))
        high_dpd = None if found.group(3) else int(found.group(2) or found.group(1))
        if high_dpd is None or high_dpd >= low_dpd:
            return value, low_dpd, high_dpd
    raise _bad_age(text)


def _bad_age(text: str) -> InvalidField:
    return InvalidField(
        "age_band",
        f"{shown(text)} is not an age band (buckets like M1-M3, M4, M7+, or days past due like 91-180, 181+)",
        f"{shown(text)} 不是有效的账龄区间（如 M1-M3、M4、M7+，或逾期天数 91-180、181+）",
    )


def parse_amount_band(text: str) -> tuple[int, int | None]:
    """``0-50000`` (yuan; the max excluded) -> ``(0, 5_000_000)``; ``50000+`` -> ``(5_000_000, None)``;
    empty or ``*``: every amount."""
    value = text.strip()
    if value in ("", "*"):
        return 0, None
    if value.endswith("+"):
        return parse_amount_fen(value[:-1], field="amount_band"), None
    low, dash, high = value.partition("-")
    if not dash:
        raise InvalidField(
            "amount_band",
            f"{shown(text)} is not an amount band (yuan: 0-50000, 50000+, or * for any)",
            f"{shown(text)} 不是有效的金额区间（单位元：0-50000、50000+，或 * 表示不限）",
        )
    return parse_amount_fen(low, field="amount_band"), parse_amount_fen(high, field="amount_band")


def parse_rate_bp(text: str) -> int:
    """``1500`` (basis points) or ``15%`` / ``12.5%`` -> basis points, 0..10,000."""
    value = text.strip()
    found = re.fullmatch(r"(\d{1,5})(?:\.(\d{1,2}))?%", value)
    if found:
        rate = int(found.group(1)) * 100 + int((found.group(2) or "").ljust(2, "0"))
    elif re.fullmatch(r"\d{1,5}", value):
        rate = int(value)
    else:
        rate = -1
    if not 0 <= rate <= MAX_RATE_BP:
        raise InvalidField(
            "rate",
            f"{shown(text)} is not a rate (basis points 0-10000, or a percentage up to 100%)",
            f"{shown(text)} 不是有效的费率（基点 0-10000，或不超过 100% 的百分比）",
        )
    return rate


def parse_band(text: str) -> RateBand:
    """One band as ``AGE:AMOUNT:RATE``: ``M1-M3:0-50000:1500``, ``M7+:*:25%``, ``91-180::12.5%``."""
    parts = text.split(":")
    if len(parts) != 3:
        raise InvalidField(
            "band",
            f"{shown(text)} is not a band (AGE:AMOUNT:RATE, e.g. M1-M3:0-50000:1500)",
            f"{shown(text)} 不是有效的费率档（账龄:金额:费率，如 M1-M3:0-50000:1500）",
        )
    label, low, high = parse_age_band(parts[0])
    min_fen, max_fen = parse_amount_band(parts[1])
    return RateBand(label, low, high, parse_rate_bp(parts[2]), min_fen, max_fen)


def check_schedule(bands: Sequence[RateBand]) -> tuple[RateBand, ...]:
    """The bands, checked: at least one, each rate 0..10,000 bp, each range the right way round and
    inside the limits, and no two overlapping (both named). The order is kept."""
    if not bands:
        raise ScheduleRefused("a schedule needs at least one band", "佣金方案至少需要一个费率档")
    for number, band in enumerate(bands, start=1):
        _check_band(number, band)
    for number, band in enumerate(bands, start=1):
        for later, other in enumerate(bands[number:], start=number + 1):
            if band.overlaps(other):
                raise ScheduleRefused(
                    f"bands {number} ({_said(band)}) and {later} ({_said(other)}) overlap",
                    f"第 {number} 档（{_said(band)}）与第 {later} 档（{_said(other)}）重叠",
                )
    return tuple(bands)


def _said(band: RateBand) -> str:
    return f"{band.age_band}, {band.amount_band()}"


def _check_band(number: int, band: RateBand) -> None:
    problems = []
    if not 0 <= band.rate_bp <= MAX_RATE_BP:
        problems.append(("the rate must be 0 to 10,000 basis points", "费率须在 0 至 10000 基点之间"))
    if band.min_dpd < 0 or (band.max_dpd is not None and band.max_dpd < band.min_dpd):
        problems.append(("the age band ends before it starts", "账龄区间的结束早于开始"))
    high = band.max_overdue_fen
    if (
        band.min_overdue_fen < 0
        or band.min_overdue_fen > MAX_AMOUNT_FEN
        or (high is not None and (high <= band.min_overdue_fen or high > MAX_AMOUNT_FEN))
    ):
        problems.append(("the amount band is empty or out of range", "金额区间为空或超出范围"))
    if len(band.age_band) > 20 or not band.age_band.strip():
        problems.append(("the age band's name must be 1 to 20 characters", "账龄区间名称须为 1 至 20 个字符"))
    if problems:
        raise ScheduleRefused(
            f"band {number}: " + "; ".join(en for en, _ in problems),
            f"第 {number} 档：" + "；".join(zh for _, zh in problems),
        )


def schedule_on(schedules: Sequence[Schedule], day: date) -> Schedule | None:
    """The schedule in force for an account placed on ``day`` (the latest that starts by then)."""
    found = None
    for schedule in schedules:
        if schedule.effective_from <= day and (
            found is None or schedule.effective_from > found.effective_from
        ):
            found = schedule
    return found


# --- months --------------------------------------------------------------------------------------


def parse_month(text: str) -> date:
    """The first day of ``YYYY-MM`` (InvalidField naming ``month`` otherwise)."""
    found = _MONTH.fullmatch(text.strip())
    if found is None or not 1 <= int(found.group(2)) <= 12:
        raise InvalidField(
            "month", f"{shown(text)} is not a month (YYYY-MM)", f"{shown(text)} 不是月份（YYYY-MM）"
        )
    return check_day(date(int(found.group(1)), int(found.group(2)), 1), field="month")


def month_end(first: date) -> date:
    """The last day of the month of ``first``."""
    return (first.replace(day=1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def provisional(first: date, *, as_of: date) -> bool:
    """A month is not over (its statement provisional) until the business date reaches its last day."""
    return as_of < month_end(first)


# --- attribution and pricing ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Placement:
    """A placement as commission needs it: its account, agency and period (``last_day`` is
    ``coalesce(recalled_on, ends_on)``) and the account's delinquency at placement (None: unknown)."""

    id: int
    account_id: int
    agency_code: str
    placed_on: date
    last_day: date
    dpd: int | None = None
    overdue_fen: int | None = None
    bucket: str | None = None

    def covers(self, day: date) -> bool:
        return self.placed_on <= day <= self.last_day


@dataclass(frozen=True, slots=True)
class PaymentIn:
    id: int
    account_id: int
    paid_date: date
    amount_fen: int
    source: str = "extract"
    reverses_id: int | None = None


def attribution_day(payment: PaymentIn, paid_dates: Mapping[int, date]) -> date:
    """The day that decides whose a payment is: a reversal's is the date of the payment it takes back
    (when that payment is known), every other payment's its own."""
    if payment.source == REVERSAL and payment.reverses_id is not None and payment.reverses_id in paid_dates:
        return paid_dates[payment.reverses_id]
    return payment.paid_date


def attribute(
    payments: Iterable[PaymentIn], placements: Iterable[Placement], paid_dates: Mapping[int, date]
) -> dict[int, Placement | None]:
    """Each payment's placement (None: no agency held the account on its attribution day).
    ``paid_dates`` holds the date of every payment a reversal may name."""
    by_account: dict[int, list[Placement]] = {}
    for placement in placements:
        by_account.setdefault(placement.account_id, []).append(placement)
    found: dict[int, Placement | None] = {}
    for payment in payments:
        day = attribution_day(payment, paid_dates)
        candidates = by_account.get(payment.account_id, ())
        found[payment.id] = next((one for one in candidates if one.covers(day)), None)
    return found


@dataclass(frozen=True, slots=True)
class Priced:
    """A placement's rate: its band (None: unrated) and why it has none."""

    band: RateBand | None
    unrated: str | None

    @property
    def rate_bp(self) -> int:
        return 0 if self.band is None else self.band.rate_bp


def price(placement: Placement, schedules: Sequence[Schedule]) -> Priced:
    """The rate of every payment attributed to ``placement``."""
    schedule = schedule_on(schedules, placement.placed_on)
    if schedule is None:
        return Priced(None, "no_schedule")
    if placement.dpd is None or placement.overdue_fen is None:
        return Priced(None, "no_delinquency")
    band = schedule.band_for(placement.dpd, placement.overdue_fen)
    return Priced(band, None) if band is not None else Priced(None, "no_band")


def commission_fen(amount_fen: int, rate_bp: int) -> int:
    """``amount_fen * rate_bp / 10,000`` rounded half away from zero to the fen (a reversal's is the
    negative of its payment's)."""
    whole, rest = divmod(abs(amount_fen) * rate_bp, BP)
    earned = whole + (1 if 2 * rest >= BP else 0)
    return -earned if amount_fen < 0 else earned


# --- a statement's figures -----------------------------------------------------------------------


@dataclass(slots=True)
class Group:
    payments: int = 0
    collected_fen: int = 0
    commission_fen: int = 0


@dataclass(slots=True)
class Tally:
    """A statement's figures, line by line: the count, what was collected (reversals negative), the
    commission, the reversals' clawback, the unrated payments, and the breakdown by band and rate."""

    payments: int = 0
    collected_fen: int = 0
    commission_fen: int = 0
    clawback_fen: int = 0
    reversals: int = 0
    unrated_payments: int = 0
    unrated_fen: int = 0
    groups: dict[tuple[Any, ...], Group] = field(default_factory=dict)

    def add(self, amount_fen: int, priced: Priced, *, reversal: bool) -> int:
        """Counts one line; its commission."""
        earned = commission_fen(amount_fen, priced.rate_bp)
        self.payments += 1
        self.collected_fen += amount_fen
        self.commission_fen += earned
        if reversal:
            self.reversals += 1
            self.clawback_fen += earned
        if priced.band is None:
            self.unrated_payments += 1
            self.unrated_fen += amount_fen
        group = self.groups.get(_key(priced))
        if group is None:
            group = self.groups[_key(priced)] = Group()
        group.payments += 1
        group.collected_fen += amount_fen
        group.commission_fen += earned
        return earned

    def breakdown(self) -> list[dict[str, Any]]:
        """The groups as rows (JSON): rated bands by age, amount and rate, then the unrated by reason."""
        rows = []
        for key, group in sorted(self.groups.items(), key=lambda item: _order(item[0])):
            kind, *rest = key
            base = {"payments": group.payments, "collected_fen": group.collected_fen,
                    "commission_fen": group.commission_fen}  # fmt: skip
            if kind == "band":
                age, low, high, min_fen, max_fen, rate = rest
                band = RateBand(age, low, high, rate, min_fen, max_fen)
                rows.append({"age_band": age, "min_dpd": low, "max_dpd": high, "min_overdue_fen": min_fen,
                             "max_overdue_fen": max_fen, "amount_band": band.amount_band(), "rate_bp": rate,
                             "unrated": None} | base)  # fmt: skip
            else:
                rows.append({"age_band": None, "amount_band": None, "rate_bp": 0, "unrated": rest[0]} | base)
        return rows


def _key(priced: Priced) -> tuple[Any, ...]:
    band = priced.band
    if band is None:
        return ("unrated", priced.unrated)
    return ("band", band.age_band, band.min_dpd, band.max_dpd, band.min_overdue_fen, band.max_overdue_fen,
            band.rate_bp)  # fmt: skip


def _order(key: tuple[Any, ...]) -> tuple[Any, ...]:
    if key[0] == "band":
        return (0, key[2], key[4], key[6], key[1])
    return (1, UNRATED.index(key[1]) if key[1] in UNRATED else len(UNRATED), 0, 0, "")


# --- review and approval -------------------------------------------------------------------------


class StatementRefused(ArrearsError):
    """A review or approval the statement's state does not allow (the reason says why)."""


def check_review(*, status: str, provisional: bool) -> None:
    if provisional:
        raise StatementRefused(
            "the month is not over: the statement is provisional; make it again after the month's last run",
            "该月尚未结束，结算单为临时结算单；请在本月最后一次日批后重新生成",
        )
    if status != "draft":
        raise StatementRefused(f"the statement is {status}, not a draft", f"结算单状态为 {status}，不是草稿")


def check_approval(*, status: str, provisional: bool, reviewed_by_id: int | None, approver_id: int) -> None:
    if provisional:
        check_review(status="draft", provisional=True)
    if status != "reviewed":
        raise StatementRefused(
            f"only a reviewed statement is approved (this one is {status})",
            f"只有已复核的结算单可以审批（当前状态：{status}）",
        )
    if reviewed_by_id == approver_id:
        raise StatementRefused(
            "the person who reviewed the statement cannot approve it", "复核结算单的人不能再审批该结算单"
        )
