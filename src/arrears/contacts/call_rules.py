"""How far a client's word is taken when a call is logged: pure decisions on the call's time and the
promise date, with the server's clock passed in.

The server's clock is the call's time. A client may say that the call happened a little earlier (a
collector logging it just after hanging up), only within ``backdate`` before now, never in the future;
such a time is audited. A promise to pay falls due from today (the cardholders' business date) to
``promise_days`` days later. The limits are settings (``ARREARS_CALL_BACKDATE_MINUTES``,
``ARREARS_PROMISE_MAX_DAYS``); docs/contact-actions.md and docs/arrangements.md state them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from arrears.config import Settings
from arrears.kit.errors import ArrearsError

_DEFAULTS = Settings.model_fields


class CallRefused(ArrearsError):
    """A call or promise the rules do not accept as logged; the message says what to change."""


@dataclass(frozen=True, slots=True)
class CallLimits:
    """The settings' limits (their defaults when none are given) and the cardholders' time zone."""

    zone: str = field(default_factory=lambda: str(_DEFAULTS["timezone"].default))
    backdate: timedelta = field(
        default_factory=lambda: timedelta(minutes=int(_DEFAULTS["call_backdate_minutes"].default))
    )
    promise_days: int = field(default_factory=lambda: int(_DEFAULTS["promise_max_days"].default))

    @classmethod
    def of(cls, settings: Settings) -> CallLimits:
        return cls(
            settings.timezone, timedelta(minutes=settings.call_backdate_minutes), settings.promise_max_days
        )


def call_time(*, claimed: datetime | None, now: datetime, backdate: timedelta) -> datetime:
    """The call's time: ``now``, or the time the client gives when it lies within ``backdate`` before
    ``now``. Raises :class:`CallRefused` for a time in the future or further back."""
    if claimed is None:
        return now
    if claimed > now:
        raise CallRefused("a call cannot be logged at a time in the future", "不能按将来的时间登记通话")
    minutes = int(backdate.total_seconds() // 60)
    if now - claimed > backdate:
        raise CallRefused(
            f"a call may be logged at most {minutes} minutes after it happened: leave the time out and "
            "it is logged now",
            f"通话最迟须在结束后 {minutes} 分钟内登记：请不填时间，系统按当前时间登记",
        )
    return claimed


def check_promise_date(*, promised: date, today: date, max_days: int) -> None:
    """A promise falls due from ``today`` to ``max_days`` days later; raises :class:`CallRefused`
    otherwise."""
    if promised < today:
        raise CallRefused(
            f"the promised date {promised.isoformat()} is in the past (today is {today.isoformat()})",
            f"承诺还款日期 {promised.isoformat()} 已过（今天是 {today.isoformat()}）",
        )
    last = (today + timedelta(days=max_days)).isoformat()
    if (promised - today).days > max_days:
        raise CallRefused(
            f"a promise falls due within {max_days} days (by {last}), not on {promised.isoformat()}: "
            "agree a plan instead",
            f"承诺还款日期须在 {max_days} 天内（不晚于 {last}），所填为 {promised.isoformat()}；"
            "更长的期限请制定还款计划",
        )


CALLBACK_DAYS = 30  # a callback falls due within this many days; an open one is current work as long


def check_callback_due(*, due_at: datetime, now: datetime) -> None:
    """Refuses a callback due in the past or more than ``CALLBACK_DAYS`` days after ``now``: a callback
    keeps its account in its owner's scope (docs/contact-actions.md), so it may not reach far ahead."""
    if due_at < now:
        raise CallRefused("a callback cannot be due in the past", "回拨时间不能早于当前时间")
    if due_at > now + timedelta(days=CALLBACK_DAYS):
        raise CallRefused(
            f"a callback falls due within {CALLBACK_DAYS} days",
            f"回拨时间须在 {CALLBACK_DAYS} 天之内",
        )
