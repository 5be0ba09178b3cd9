"""Working days in mainland China.

A year whose State Council notice (国务院办公厅关于某年部分节假日安排的通知) the data holds is *official*:
its days off and its worked weekend days (调休上班) come from the notice. Any other year is
*provisional*: weekends plus the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision) that
fall on a fixed Gregorian date (1 January; 1-2 May; 1-3 October) and Qingming (the 清明 solar term).
The lunar holidays (Spring Festival, Dragon Boat, Mid-Autumn) and the Art. 6 substitute days (补假)
are not modelled, and the weekend days worked in lieu (调休) are not known: every weekend day of a
provisional year counts as a working day. So a provisional calendar has no working day the notice
will not have, and a deadline computed with it is never later than the notice's (it is often
earlier).

The bundled notices come from ``chinese_calendar``; a bank adds a newer year with a TOML file
(``load_calendar``) as soon as the notice is published, usually in November.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]

from arrears.kit.errors import ArrearsError, ConfigurationError

MAX_DAYS_OFF_IN_A_ROW = 60  # the longest real run is 9 (Spring Festival 2026): more means bad data
FIXED_HOLIDAYS = ((1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3))  # (month, day), 2024 revision, Art. 2
_JUMP_ABOVE = 20  # add_working_days counts in jumps while more than this many working days remain
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class CalendarError(ArrearsError):
    """A working-day computation that cannot be done (bad argument or impossible calendar)."""


class CalendarRangeError(CalendarError):
    """A computation would step outside 0001-01-01 .. 9999-12-31."""


class CalendarFileError(ConfigurationError):
    """A bank's holiday file is not usable."""


def shift(day: date, days: int) -> date:
    """``day`` moved by ``days`` calendar days; CalendarRangeError past the ends of the calendar."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        raise CalendarRangeError(
            f"{day.isoformat()} {days:+d} days is outside the calendar (0001-01-01 to 9999-12-31)",
            f"{day.isoformat()} {days:+d} 天超出日历范围（0001-01-01 至 9999-12-31）",
        ) from None


def _qingming(year: int) -> date | None:
    """The 清明 solar-term day; None outside the years ``chinese_calendar`` computes (1900-2100)."""
    if not 1900 <= year <= 2100:
        return None
    terms = chinese_calendar.get_solar_terms(date(year, 4, 1), date(year, 4, 30))
    return next((day for day, name in terms if name == "清明"), None)


@lru_cache(maxsize=1024)
def statutory_holidays(year: int) -> frozenset[date]:
    """The holidays a provisional year has: the fixed-date ones and Qingming."""
    days = {date(year, month, day) for month, day in FIXED_HOLIDAYS}
    qingming = _qingming(year)
    if qingming is not None:
        days.add(qingming)
    return frozenset(days)


def _weekdays_through(day: date) -> int:
    """Monday-to-Friday days from 0001-01-01 (a Monday) through ``day``."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


@lru_cache(maxsize=64)
def _weekend_days(year: int) -> frozenset[date]:
    """The Saturdays and Sundays of ``year``."""
    first = date(year, 1, 1)
    days = (first + timedelta(days=offset) for offset in range((date(year, 12, 31) - first).days + 1))
    return frozenset(day for day in days if day.weekday() >= 5)


def _by_year(days: frozenset[date]) -> dict[int, frozenset[date]]:
    years: dict[int, set[date]] = {}
    for day in days:
        years.setdefault(day.year, set()).add(day)
    return {year: frozenset(found) for year, found in years.items()}


@dataclass(frozen=True)
class WorkingCalendar:
    """Days off and worked weekend days; years outside ``official_years`` are provisional."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # weekend days that are working days (调休上班)
    official_years: frozenset[int] = frozenset()
    _holidays_by_year: dict[int, frozenset[date]] = field(init=False, repr=False, compare=False)
    _workdays_by_year: dict[int, frozenset[date]] = field(init=False, repr=False, compare=False)
    # year -> (weekdays that are off, weekend days that are worked), filled as years are asked for
    _years: dict[int, tuple[frozenset[date], frozenset[date]]] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        object.__setattr__(self, "_holidays_by_year", _by_year(self.holidays))
        object.__setattr__(self, "_workdays_by_year", _by_year(self.workdays))

    def is_official(self, year: int) -> bool:
        """Whether ``year``'s days come from a State Council notice (False: provisional)."""
        return year in self.official_years

    def all_official(self, first: date, last: date) -> bool:
        """Whether every year from ``first`` to ``last`` is official."""
        low, high = sorted((first.year, last.year))
        return all(self.is_official(year) for year in range(low, high + 1))

    def _year(self, year: int) -> tuple[frozenset[date], frozenset[date]]:
        known = self._years.get(year)
        if known is None:
            worked = self._workdays_by_year.get(year, frozenset())
            off = self._holidays_by_year.get(year, frozenset())
            if not self.is_official(year):  # unknown weekend days worked in lieu: every weekend day is
                off = off | statutory_holidays(
                    year
                )  # counted as one, so no deadline is later than the notice's
                worked = worked | _weekend_days(year) - off
            known = (
                frozenset(day for day in off if day.weekday() < 5 and day not in worked),
                frozenset(day for day in worked if day.weekday() >= 5),
            )
            self._years[year] = known
        return known

    def is_working_day(self, day: date) -> bool:
        off, worked = self._year(day.year)
        return day in worked if day.weekday() >= 5 else day not in off

    def roll_forward(self, day: date) -> date:
        """``day`` if it is a working day, else the next working day."""
        current = day
        for _ in range(MAX_DAYS_OFF_IN_A_ROW + 1):
            if self.is_working_day(current):
                return current
            current = shift(current, 1)
        raise CalendarError(
            f"more than {MAX_DAYS_OFF_IN_A_ROW} days off in a row from {day.isoformat()}: bad calendar data",
            f"自 {day.isoformat()} 起连续休息超过 {MAX_DAYS_OFF_IN_A_ROW} 天：日历数据有误",
        )

    def working_days_between(self, first: date, last: date) -> int:
        """Working days ``d`` with ``first < d <= last``; negative (the same count) when ``last < first``."""
        if last < first:
            return -self.working_days_between(last, first)
        count = _weekdays_through(last) - _weekdays_through(first)
        for year in range(first.year, last.year + 1):
            off, worked = self._year(year)
            count += sum(1 for day in worked if first < day <= last)
            count -= sum(1 for day in off if first < day <= last)
        return count

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start``; ``count == 0`` is ``roll_forward(start)``."""
        _not_negative(count, "add_working_days")
        if count == 0:
            return self.roll_forward(start)
        day, left = start, count
        while left > _JUMP_ABOVE:  # (day, day + left - 1] holds fewer than `left` working days
            ahead = shift(day, left - 1)
            passed = self.working_days_between(day, ahead)
            if passed == 0:
                break
            day, left = ahead, left - passed
        for _ in range(left):
            day = self.roll_forward(shift(day, 1))
        return day

    def add_days_rolled(self, start: date, days: int) -> date:
        """``days`` calendar days after ``start``, moved to the next working day when that day is off
        (《民法典》 Art. 203: a period whose last day is a holiday ends on the day after the holiday)."""
        _not_negative(days, "add_days_rolled")
        return self.roll_forward(shift(start, days))


def _not_negative(count: int, name: str) -> None:
    if count < 0:
        raise CalendarError(
            f"{name} counts forward only: {count} is negative", f"{name} 只能向后计算：{count} 为负数"
        )


@cache
def official_calendar() -> WorkingCalendar:
    """The notices bundled with ``chinese_calendar`` (2004 to its last year)."""
    holidays = frozenset(chinese_calendar.constants.holidays)
    workdays = frozenset(chinese_calendar.constants.workdays)
    years = {day.year for day in holidays}
    return WorkingCalendar(holidays, workdays, frozenset(range(min(years), max(years) + 1)))


@dataclass(frozen=True)
class Notice:
    """One year's notice: its days off and its worked weekend days (may include late December of
    the year before, as the 2019 notice did)."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]


def with_notices(base: WorkingCalendar, notices: list[Notice]) -> WorkingCalendar:
    """``base`` with each notice's year replaced by the notice, which makes that year official."""
    replaced = {notice.year for notice in notices}
    holidays = {day for day in base.holidays if day.year not in replaced}
    workdays = {day for day in base.workdays if day.year not in replaced}
    for notice in notices:
        holidays = (holidays - notice.workdays) | notice.holidays
        workdays = (workdays - notice.holidays) | notice.workdays
    return WorkingCalendar(frozenset(holidays), frozenset(workdays), base.official_years | replaced)


def load_calendar(path: Path | None) -> WorkingCalendar:
    """The official calendar, plus the years of a bank's notice file when ``path`` is given."""
    if path is None:
        return official_calendar()
    return with_notices(official_calendar(), read_notices(path))


def _file_error(path: Path, en: str, zh: str) -> CalendarFileError:
    return CalendarFileError(f"{path}: {en}", f"{path}：{zh}")


def read_notices(path: Path) -> list[Notice]:
    """The notices of a TOML file with one ``[YYYY]`` table per year (``holidays``, ``workdays``)."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except OSError as error:
        raise _file_error(
            path, f"cannot be read ({error.strerror})", f"无法读取（{error.strerror}）"
        ) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise _file_error(path, f"not valid TOML ({error})", f"不是有效的 TOML（{error}）") from None
    return [_notice(path, key, table) for key, table in data.items()]


def _notice(path: Path, key: str, table: object) -> Notice:
    if not re.fullmatch(r"\d{4}", key) or int(key) < 1:
        raise _file_error(path, f"[{key}] is not a year (YYYY)", f"[{key}] 不是年份（YYYY）")
    year = int(key)
    if not isinstance(table, dict):
        raise _file_error(path, f"[{year}] must be a table", f"[{year}] 必须是表")
    unknown = sorted(set(table) - {"holidays", "workdays"})
    if unknown:
        raise _file_error(path, f"[{year}] unknown key {unknown[0]}", f"[{year}] 未知的键 {unknown[0]}")
    if "holidays" not in table:
        raise _file_error(path, f"[{year}] has no holidays", f"[{year}] 缺少 holidays")
    holidays = _dates(path, year, "holidays", table["holidays"])
    workdays = _dates(path, year, "workdays", table.get("workdays", []))
    for day in sorted(workdays):
        if day.weekday() < 5:
            raise _file_error(
                path,
                f"[{year}] workdays: {day.isoformat()} is a weekday (list only worked weekend days)",
                f"[{year}] workdays：{day.isoformat()} 是工作日（只列调休上班的周末）",
            )
    both = sorted(holidays & workdays)
    if both:
        day_text = both[0].isoformat()
        raise _file_error(
            path,
            f"[{year}] {day_text} is both a holiday and a workday",
            f"[{year}] {day_text} 既是假日又是上班日",
        )
    return Notice(year, holidays, workdays)


def _dates(path: Path, year: int, key: str, values: object) -> frozenset[date]:
    if not isinstance(values, list):
        raise _file_error(path, f"[{year}] {key} must be a list of dates", f"[{year}] {key} 必须是日期列表")
    return frozenset(_date(path, year, key, value) for value in values)


def _date(path: Path, year: int, key: str, value: object) -> date:
    day: date | None = None
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            day = None
    if day is None:
        raise _file_error(
            path,
            f"[{year}] {key}: {value!r} is not a date (YYYY-MM-DD)",
            f"[{year}] {key}：{value!r} 不是日期（YYYY-MM-DD）",
        )
    if day.year != year and not (day.year == year - 1 and day.month == 12):
        raise _file_error(
            path,
            f"[{year}] {key}: {day.isoformat()} is not in {year} (nor in December {year - 1})",
            f"[{year}] {key}：{day.isoformat()} 不在 {year} 年（也不在 {year - 1} 年 12 月）",
        )
    return day
