"""Pure helpers of the dashboard: ratios that never invent a number, and business days as instants."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from arrears.kit.errors import ArrearsError


class DashboardInputError(ArrearsError):
    """The dashboard was asked for something it cannot answer (a bad window or time zone)."""


def ratio(numerator: int, denominator: int) -> float | None:
    """``numerator / denominator``; None when there is nothing to divide by."""
    return numerator / denominator if denominator else None


def window_days(*, as_of: date, days: int) -> tuple[date, ...]:
    """The ``days`` business days ending with ``as_of`` (inclusive), oldest first."""
    if days < 1:
        raise DashboardInputError(f"the window must hold at least one day, not {days}", "统计窗口至少为 1 天")
    return tuple(as_of - timedelta(days=offset) for offset in range(days - 1, -1, -1))


def zone_of(name: str) -> ZoneInfo:
    """The time zone called ``name`` (an IANA name such as ``Asia/Shanghai``)."""
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        raise DashboardInputError(f"{name!r} is not a known time zone", f"未知时区 {name!r}") from None


def day_starts(days: Sequence[date], zone: ZoneInfo) -> tuple[datetime, ...]:
    """The UTC instants at which each of the consecutive ``days`` starts in ``zone``, followed by the
    end of the last day: ``len(days) + 1`` bounds, so day ``i`` is ``[bounds[i], bounds[i + 1])``."""
    following = (days[-1] + timedelta(days=1),) if days else ()
    return tuple(datetime.combine(day, time(0), zone).astimezone(UTC) for day in (*days, *following))
