"""The portal's plan offers as pure decisions: what a cardholder may agree alone, and the terms a choice
makes. No session, no clock.

An offer is the stricter of two limits: the strategy's ``self_service`` offers for the account's
segment and the self-service authority of the arrangements' matrix (``rules.SELF_SERVICE``). A choice
(an instalment plan of some months, or a deferral of some days) becomes :class:`PlanTerms` for the
staff calculator (``rules.schedule``): the offer's whole waiver is applied (to interest and fees in
proportion, never principal), an instalment plan's down payment is the offer's minimum share of what
the plan collects, due tomorrow, and its first instalment falls due ``FIRST_DUE_DAYS`` after the
agreement. A choice outside the offer is :class:`BeyondOffer`: the cardholder may ask a collector.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Literal

from arrears.arrangements import rules
from arrears.arrangements.rules import Authority, Balances, PlanTerms, Schedule
from arrears.kit.errors import ArrearsError
from arrears.strategy.schema import SelfService

FIRST_DUE_DAYS = 14  # an instalment plan's first regular instalment, days after the agreement
DOWN_PAYMENT_DAYS = 1  # a down payment falls due the day after the agreement
BP = rules.BASIS_POINTS

ChoiceKind = Literal["instalment", "deferral"]


class BeyondOffer(ArrearsError):
    """A choice outside what the portal offers the account: a collector may still agree it."""


@dataclass(frozen=True, slots=True)
class Offer:
    """What the account's cardholder may agree alone (0: that kind of plan is not offered)."""

    segment: str
    max_instalments: int
    waiver_bp: int  # share of interest and fees waived, basis points
    min_down_payment_bp: int  # share of what an instalment plan collects, basis points
    deferral_days: int
    promise_days: int

    @property
    def plans(self) -> bool:
        return self.max_instalments >= rules.MIN_MONTHS or self.deferral_days > 0

    @property
    def months(self) -> list[int]:
        return list(range(rules.MIN_MONTHS, self.max_instalments + 1))


@dataclass(frozen=True, slots=True)
class Choice:
    kind: ChoiceKind
    months: int | None = None
    days: int | None = None


def _bp(share: Decimal) -> int:
    return int((share * BP).to_integral_value(rounding=ROUND_FLOOR))


def offer_of(segment: str, self_service: SelfService, authority: Authority = rules.SELF_SERVICE) -> Offer:
    """The stricter of the strategy's offers and the authority's limits."""
    months = min(self_service.max_instalments, authority.max_months)
    return Offer(
        segment=segment,
        max_instalments=months if months >= rules.MIN_MONTHS else 0,
        waiver_bp=min(_bp(self_service.max_waiver_share), authority.max_waived_share_bp),
        min_down_payment_bp=_bp(self_service.min_down_payment_share),
        deferral_days=min(self_service.deferral_days, authority.max_deferral_days),
        promise_days=self_service.promise_days,
    )


def waiver(
    offer: Offer, balances: Balances, *, other_waived_fen: int = 0, authority: Authority = rules.SELF_SERVICE
) -> tuple[int, int]:
    """(waived interest, waived fees) in fen: the offer's share of each, together at most what the
    authority may still waive for the cardholder (its amount less what their other open plans waive)."""
    base = balances.interest_fen + balances.fee_fen
    if base <= 0 or offer.waiver_bp <= 0:
        return 0, 0
    cap = min(base * offer.waiver_bp // BP, max(authority.max_waived_fen - other_waived_fen, 0))
    interest = balances.interest_fen * cap // base
    return interest, min(balances.fee_fen, cap - interest)


def terms_for(
    offer: Offer, balances: Balances, choice: Choice, *, today: date, other_waived_fen: int = 0
) -> PlanTerms:
    """The calculator's terms for the cardholder's choice; :class:`BeyondOffer` outside the offer."""
    interest, fee = waiver(offer, balances, other_waived_fen=other_waived_fen)
    if choice.kind == "deferral":
        days = choice.days or 0
        if not offer.deferral_days:
            raise BeyondOffer("no deferral is offered for this account", "该账户暂无延期还款方案")
        if not 1 <= days <= offer.deferral_days:
            raise BeyondOffer(
                f"a payment can be deferred here by 1 to {offer.deferral_days} days, not {days}",
                f"在线延期为 1 至 {offer.deferral_days} 天，所选为 {days} 天",
            )
        return PlanTerms(
            kind="deferral", first_due_date=today + timedelta(days=days),
            waived_interest_fen=interest, waived_fee_fen=fee,
        )  # fmt: skip
    if choice.kind != "instalment":
        raise BeyondOffer(f"no such offer: {choice.kind}", f"没有该方案：{choice.kind}")
    months = choice.months or 0
    if not offer.max_instalments:
        raise BeyondOffer("no instalment plan is offered for this account", "该账户暂无分期还款方案")
    if not rules.MIN_MONTHS <= months <= offer.max_instalments:
        raise BeyondOffer(
            f"an instalment plan here has {rules.MIN_MONTHS} to {offer.max_instalments} instalments, "
            f"not {months}",
            f"在线分期为 {rules.MIN_MONTHS} 至 {offer.max_instalments} 期，所选为 {months} 期",
        )
    total = balances.owed_fen - interest - fee
    down = -(-total * offer.min_down_payment_bp // BP) if offer.min_down_payment_bp else 0
    return PlanTerms(
        kind="instalment", first_due_date=today + timedelta(days=FIRST_DUE_DAYS), months=months,
        waived_interest_fen=interest, waived_fee_fen=fee, down_payment_fen=down,
        down_payment_date=today + timedelta(days=DOWN_PAYMENT_DAYS) if down else None,
    )  # fmt: skip


def plan_for(
    offer: Offer, balances: Balances, choice: Choice, *, today: date, other_waived_fen: int = 0
) -> Schedule:
    """The schedule of the choice, made by the staff calculator, checked against the self-service
    authority (:class:`BeyondOffer` when the matrix would not let the cardholder agree it alone)."""
    terms = terms_for(offer, balances, choice, today=today, other_waived_fen=other_waived_fen)
    plan = rules.schedule(balances=balances, terms=terms, agreed_on=today)
    over = rules.exceeded(rules.SELF_SERVICE, rules.proposal_of(plan, other_waived_fen=other_waived_fen))
    if over:
        raise BeyondOffer(
            f"this plan goes beyond what can be agreed online ({', '.join(over)}): ask a collector",
            "该方案超出在线可办理的范围，请申请催收员协助",
        )
    return plan


def promise_limit(offer: Offer | None, *, settings_days: int) -> int:
    """How many days ahead a promise made in the portal may fall due (0: no promise offered)."""
    return 0 if offer is None else min(offer.promise_days, settings_days)


def check_promise(*, promised: date, amount_fen: int, owed_fen: int, today: date, max_days: int) -> None:
    """A promise made in the portal: a positive amount up to what is owed, due from today to
    ``max_days`` days later. Raises :class:`BeyondOffer` with the reason."""
    if max_days <= 0:
        raise BeyondOffer("no promise to pay is offered for this account", "该账户暂不支持在线承诺还款")
    if amount_fen <= 0:
        raise BeyondOffer("the amount must be more than 0", "承诺金额须大于 0")
    if amount_fen > owed_fen:
        raise BeyondOffer("the amount is more than what is owed", "承诺金额超过欠款总额")
    last = today + timedelta(days=max_days)
    if promised < today:
        raise BeyondOffer(
            f"the date {promised.isoformat()} is in the past (today is {today.isoformat()})",
            f"日期 {promised.isoformat()} 已过（今天是 {today.isoformat()}）",
        )
    if promised > last:
        raise BeyondOffer(
            f"a promise made here falls due within {max_days} days, by {last.isoformat()}, not on "
            f"{promised.isoformat()}: choose a plan or ask a collector",
            f"在线承诺还款日期须在 {max_days} 天内（不晚于 {last.isoformat()}），"
            f"所选为 {promised.isoformat()}；"
            "如需更长时间，请选择还款方案或申请催收员协助",
        )


# --- callbacks and contact preferences ----------------------------------------------------------------

WINDOW_HOURS = 2  # a callback is asked for in a window of this many hours
PREFERRED_CHANNELS = ("call", "sms", "email", "push")


def callback_windows(start: time, end: time) -> list[tuple[time, time]]:
    """The windows a callback may be asked for within the rulebook's allowed hours [start, end): from
    the first whole hour, ``WINDOW_HOURS`` long, the last one cut at ``end``."""
    first = start.hour + (1 if (start.minute or start.second) else 0)
    last = end.hour * 60 + end.minute
    found = []
    for hour in range(first, 24, WINDOW_HOURS):
        if hour * 60 >= last:
            break
        until = min((hour + WINDOW_HOURS) * 60, last)
        found.append((time(hour), time(until // 60, until % 60) if until < 24 * 60 else time(23, 59)))
    return found


def parse_window(text: str, windows: list[tuple[time, time]]) -> tuple[time, time]:
    """A window given as ``HH:MM-HH:MM``, one of ``windows``; :class:`BeyondOffer` otherwise."""
    for window in windows:
        if text.strip() == window_label(window):
            return window
    raise BeyondOffer(
        f"choose one of the time windows offered, not {text.strip()[:20]!r}", "请选择页面提供的时间段"
    )


def window_label(window: tuple[time, time]) -> str:
    return f"{window[0]:%H:%M}-{window[1]:%H:%M}"


def check_preference(
    *, hours_from: time | None, hours_to: time | None, channels: list[str], allowed: tuple[time, time] | None
) -> None:
    """Preferred hours (both or neither, from before to, within the rulebook's allowed hours) and
    channels (of :data:`PREFERRED_CHANNELS`); :class:`BeyondOffer` names what is wrong."""
    unknown = [one for one in channels if one not in PREFERRED_CHANNELS]
    if unknown:
        raise BeyondOffer(f"unknown channel {', '.join(unknown)}", f"未知的联系方式 {'、'.join(unknown)}")
    if (hours_from is None) != (hours_to is None):
        raise BeyondOffer("give both hours, from and to, or neither", "请同时填写开始和结束时间，或都不填")
    if hours_from is None or hours_to is None:
        return
    if hours_from >= hours_to:
        raise BeyondOffer("the hours must start before they end", "开始时间须早于结束时间")
    if allowed is not None and (hours_from < allowed[0] or hours_to > allowed[1]):
        span = f"{allowed[0]:%H:%M}-{allowed[1]:%H:%M}"
        raise BeyondOffer(
            f"the bank may contact you only from {span}: choose hours within them",
            f"银行只能在 {span} 之间联系您，请在此范围内选择",
        )
