"""Service-desk deadlines: which period applies to a case, when it falls due, how the clock stands and
when to escalate. Pure: the time is always passed in.

A period starts the day after the receipt's local date (《民法典》 Art. 201) and its due instant is the
end of its last local day (24:00, that is the start of the next local day; Art. 203).
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from importlib import resources
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from arrears.kit.errors import ArrearsError, ConfigurationError
from arrears.servicedesk.calendar import CalendarRangeError, WorkingCalendar, shift
from arrears.servicedesk.categories import CATEGORIES

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEYS = ("acknowledge", "resolve")
MAX_PERIOD = 366
MANAGER_AFTER = 2  # working days past the resolution deadline before a manager is called in
_SPEC = re.compile(r"(\d{1,4}) +(working +)?days?")

State = Literal["on_time", "at_risk", "breached"]


class DeadlineError(ArrearsError):
    """A deadline question that cannot be answered (unknown kind, naive datetime, ...)."""


class DeadlineConfigError(ConfigurationError):
    """A deadlines file is not usable."""


@dataclass(frozen=True)
class Period:
    """``count`` working days, or ``count`` calendar days rolled forward to a working day."""

    count: int
    working: bool

    def __str__(self) -> str:
        unit = "working day" if self.working else "day"
        return f"{self.count} {unit}{'' if self.count == 1 else 's'}"

    def last_day(self, start: date, calendar: WorkingCalendar) -> date:
        """The period's last day when it starts the day after ``start``."""
        if self.working:
            return calendar.add_working_days(start, self.count)
        return calendar.add_days_rolled(start, self.count)


def parse_period(spec: str) -> Period:
    """``"N working days"`` / ``"N days"`` (singular accepted); ValueError otherwise."""
    found = _SPEC.fullmatch(spec.strip())
    if found is None:
        raise ValueError(f'{spec!r} is not "N working days" or "N days"')
    count = int(found.group(1))
    if count > MAX_PERIOD:
        raise ValueError(f"{spec!r} is longer than {MAX_PERIOD} days")
    return Period(count, found.group(2) is not None)


@dataclass(frozen=True)
class DeadlineSettings:
    """Periods by scope: ``default``, ``kind.<kind>``, ``category.<kind>.<category>``, ``regulator``."""

    scopes: Mapping[str, Mapping[str, Period]]

    def period(self, key: str, *, kind: str, category: str, regulator: bool) -> Period:
        """The period for ``key``: regulator > category > kind > default."""
        _check_case(kind, category)
        order = (["regulator"] if regulator else []) + [
            f"category.{kind}.{category}",
            f"kind.{kind}",
            "default",
        ]
        for scope in order:
            found = self.scopes.get(scope, {}).get(key)
            if found is not None:
                return found
        raise DeadlineError(f"no period for {key}", f"没有 {key} 的期限")


def _check_case(kind: str, category: str) -> None:
    if category not in CATEGORIES.get(kind, ()):
        raise DeadlineError(
            f"unknown case kind or category: {kind}/{category}", f"未知的案件类型或类别：{kind}/{category}"
        )


def _config_error(source: str, key: str, en: str, zh: str) -> DeadlineConfigError:
    return DeadlineConfigError(f"{source}: {key}: {en}", f"{source}：{key}：{zh}")


def _periods(source: str, scope: str, table: object) -> dict[str, Period]:
    if not isinstance(table, dict):
        raise _config_error(source, scope, "must be a table", "必须是表")
    periods: dict[str, Period] = {}
    for key, spec in table.items():
        name = f"{scope}.{key}"
        if key not in KEYS:
            raise _config_error(
                source, name, "unknown key (acknowledge, resolve)", "未知的键（acknowledge、resolve）"
            )
        try:
            periods[key] = parse_period(spec if isinstance(spec, str) else repr(spec))
        except ValueError as error:
            raise _config_error(
                source, name, str(error), f'{spec!r} 不是 "N working days" 或 "N days"'
            ) from None
    return periods


def _tables(source: str, name: str, value: object) -> dict[str, object]:
    if not isinstance(value, dict):
        raise _config_error(source, name, "must be a table", "必须是表")
    return value


def parse_deadlines(text: str, source: str) -> dict[str, dict[str, Period]]:
    """The scopes a deadlines file sets; ``source`` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DeadlineConfigError(
            f"{source}: not valid TOML ({error})", f"{source}：不是有效的 TOML（{error}）"
        ) from None
    scopes: dict[str, dict[str, Period]] = {}
    for top, value in data.items():
        if top in ("default", "regulator"):
            scopes[top] = _periods(source, top, value)
        elif top == "kind":
            for kind, table in _tables(source, top, value).items():
                if kind not in CATEGORIES:
                    raise _config_error(source, f"kind.{kind}", "unknown kind", "未知的类型")
                scopes[f"kind.{kind}"] = _periods(source, f"kind.{kind}", table)
        elif top == "category":
            for kind, tables in _tables(source, top, value).items():
                for category, table in _tables(source, f"category.{kind}", tables).items():
                    scope = f"category.{kind}.{category}"
                    if category not in CATEGORIES.get(kind, ()):
                        raise _config_error(source, scope, "unknown kind or category", "未知的类型或类别")
                    scopes[scope] = _periods(source, scope, table)
        else:
            raise _config_error(source, top, "unknown table", "未知的表")
    return scopes


def load_deadlines(path: Path | None = None) -> DeadlineSettings:
    """The bundled defaults, each key of a bank's override file (same form) replacing its default."""
    bundled = (resources.files("arrears.servicedesk") / "deadlines.toml").read_text("utf-8")
    scopes = parse_deadlines(bundled, "deadlines.toml (bundled)")
    if path is not None:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise DeadlineConfigError(
                f"{path}: cannot be read ({error})", f"{path}：无法读取（{error}）"
            ) from None
        for scope, periods in parse_deadlines(text, str(path)).items():
            scopes[scope] = {**scopes.get(scope, {}), **periods}
    missing = [key for key in KEYS if key not in scopes.get("default", {})]
    if missing:
        raise _config_error("deadlines", f"default.{missing[0]}", "is required", "必须设置")
    return DeadlineSettings(scopes)


def _local(moment: datetime, zone: ZoneInfo, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DeadlineError(f"{what} must be an aware datetime", f"{what} 必须带时区")
    try:
        return moment.astimezone(zone)
    except OverflowError:
        raise CalendarRangeError(f"{what} is at the end of the calendar", f"{what} 位于日历的尽头") from None


def end_of_day(day: date, zone: ZoneInfo) -> datetime:
    """24:00 of ``day`` in ``zone``: the start of the next local day."""
    return datetime.combine(shift(day, 1), time(0), tzinfo=zone)


def due_day(due_by: datetime, zone: ZoneInfo) -> date:
    """The local day a due instant belongs to (24:00 belongs to the day it ends)."""
    _local(due_by, zone, "due_by")
    try:
        return (due_by.astimezone(UTC) - timedelta(microseconds=1)).astimezone(zone).date()
    except OverflowError:
        raise CalendarRangeError("due_by is at the start of the calendar", "due_by 位于日历的开端") from None


@dataclass(frozen=True)
class Due:
    acknowledge_by: datetime
    resolve_by: datetime
    provisional: bool  # a date was computed in a year without a State Council notice


def due_dates(
    received_at: datetime,
    kind: str,
    category: str,
    regulator: bool,
    settings: DeadlineSettings,
    calendar: WorkingCalendar,
    zone: ZoneInfo = SHANGHAI,
) -> Due:
    """When a case received at ``received_at`` must be acknowledged and resolved."""
    received = _local(received_at, zone, "received_at").date()
    acknowledge, resolve = (
        settings.period(key, kind=kind, category=category, regulator=regulator).last_day(received, calendar)
        for key in KEYS
    )
    official = calendar.all_official(received, max(acknowledge, resolve))
    return Due(end_of_day(acknowledge, zone), end_of_day(resolve, zone), provisional=not official)


@dataclass(frozen=True)
class Clock:
    state: State
    working_days_left: int  # working days after today up to the due day (0 when breached)
    overdue_working_days: int  # working days from the due day to today (0 when not breached)


def clock(now: datetime, due_by: datetime, calendar: WorkingCalendar, zone: ZoneInfo = SHANGHAI) -> Clock:
    """``at_risk`` when the due day is today or the next working day; ``breached`` once ``now >= due_by``."""
    today = _local(now, zone, "now").date()
    last = due_day(due_by, zone)
    if now >= due_by:
        return Clock("breached", 0, max(0, calendar.working_days_between(last, today)))
    left = max(0, calendar.working_days_between(today, last))
    return Clock("at_risk" if left <= 1 else "on_time", left, 0)


def escalation_level(
    *,
    now: datetime,
    acknowledged_at: datetime | None,
    acknowledge_by: datetime,
    resolve_by: datetime,
    resolved: bool,
    regulator: bool,
    calendar: WorkingCalendar,
    zone: ZoneInfo = SHANGHAI,
) -> int:
    """0 none, 1 team lead, 2 manager. A resolved case asks for nothing (0): escalations raised while it
    was open stay on its record. An acknowledgement after its deadline still counts as missed."""
    if resolved:
        return 0
    _local(now, zone, "now")
    if acknowledged_at is not None:
        _local(acknowledged_at, zone, "acknowledged_at")
    late_ack = acknowledged_at is None or acknowledged_at >= acknowledge_by
    ack_missed = now >= acknowledge_by and late_ack
    resolve_clock = clock(now, resolve_by, calendar, zone)
    resolve_missed = resolve_clock.state == "breached"
    if (regulator and (ack_missed or resolve_missed)) or resolve_clock.overdue_working_days >= MANAGER_AFTER:
        return 2
    return 1 if ack_missed or resolve_missed else 0
