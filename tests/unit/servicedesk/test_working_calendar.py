"""The working-day calendar: the bundled State Council notices, the provisional years, counting and
rolling across weekends, Chinese public holidays and worked weekend days, the ends of the calendar and
the bank's notice file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.kit.errors import ArrearsError, ConfigurationError
from arrears.servicedesk.calendar import (
    CalendarError,
    CalendarFileError,
    CalendarRangeError,
    WorkingCalendar,
    load_calendar,
    official_calendar,
    statutory_holidays,
)

CAL = official_calendar()
D = date


def test_official_years_are_those_the_bundled_data_covers() -> None:
    assert min(CAL.official_years) == 2004 and max(CAL.official_years) == 2026
    assert CAL.is_official(2026) and not CAL.is_official(2027) and not CAL.is_official(2003)


def test_every_day_of_the_official_years_agrees_with_chinese_calendar() -> None:
    day, mismatches = D(2004, 1, 1), []
    while day <= D(2026, 12, 31):
        if CAL.is_working_day(day) != chinese_calendar.is_workday(day):
            mismatches.append(day)
        day += timedelta(days=1)
    assert mismatches == []


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (D(2026, 2, 14), True),  # Saturday worked before Spring Festival 2026
        (D(2026, 2, 15), False),  # Spring Festival 2026: 15-23 February
        (D(2026, 2, 23), False),
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday worked after it
        (D(2026, 9, 20), True),  # Sunday worked before National Day 2026
        (D(2026, 10, 7), False),  # National Day 2026: 1-7 October
        (D(2026, 10, 10), True),  # Saturday worked after it
        (D(2026, 12, 5), False),  # an ordinary Saturday
        (D(2026, 12, 7), True),  # an ordinary Monday
    ],
)
def test_2026_days_from_the_notice(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_provisional_2027_has_weekends_the_fixed_holidays_and_qingming() -> None:
    off_weekdays = sorted(day for day in statutory_holidays(2027) if day.weekday() < 5)
    # 2027: 1 Jan Fri, 1-2 May Sat-Sun, 1 Oct Fri (2-3 Oct weekend), Qingming 5 Apr Mon
    assert off_weekdays == [D(2027, 1, 1), D(2027, 4, 5), D(2027, 10, 1)]
    assert not CAL.is_working_day(D(2027, 4, 5)) and CAL.is_working_day(D(2027, 4, 6))
    assert CAL.is_working_day(D(2027, 2, 8))  # Spring Festival 2027 is not known yet: a working day
    # the weekend days worked in lieu are not known yet either: every weekend day counts as worked, so
    # no deadline comes out later than the notice will make it
    assert CAL.is_working_day(D(2027, 2, 6)) and not CAL.is_working_day(D(2027, 5, 1))  # Sat; Sat 1 May


def test_qingming_is_the_solar_term_day() -> None:
    assert D(2026, 4, 5) in statutory_holidays(2026)  # agrees with the 2026 notice (4-6 April off)
    assert D(2028, 4, 4) in statutory_holidays(2028)
    assert all(day.month != 4 for day in statutory_holidays(2200))  # outside 1900-2100: left out


def test_roll_forward() -> None:
    assert CAL.roll_forward(D(2026, 12, 7)) == D(2026, 12, 7)
    assert CAL.roll_forward(D(2026, 12, 5)) == D(2026, 12, 7)
    assert CAL.roll_forward(D(2026, 10, 1)) == D(2026, 10, 8)
    assert CAL.roll_forward(D(2026, 9, 19)) == D(2026, 9, 20)  # to the worked Sunday


@pytest.mark.parametrize(
    ("start", "count", "expected"),
    [
        (D(2026, 12, 4), 1, D(2026, 12, 7)),  # Friday -> Monday
        (D(2026, 12, 5), 0, D(2026, 12, 7)),  # 0: roll forward
        (D(2026, 12, 7), 0, D(2026, 12, 7)),
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # over National Day
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # the worked Saturday counts
        (D(2026, 9, 30), 10, D(2026, 10, 20)),
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # to the worked Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # over Spring Festival
        (D(2026, 12, 31), 1, D(2027, 1, 2)),  # into provisional 2027: 1 Jan off, Saturday counted
    ],
)
def test_add_working_days(start: date, count: int, expected: date) -> None:
    assert CAL.add_working_days(start, count) == expected


@settings(max_examples=60, deadline=None)
@given(st.dates(D(2003, 1, 1), D(2028, 12, 31)), st.integers(0, 400))
def test_add_working_days_matches_stepping_one_day_at_a_time(start: date, count: int) -> None:
    day, left = start, count
    while left:
        day += timedelta(days=1)
        if CAL.is_working_day(day):
            left -= 1
    assert CAL.add_working_days(start, count) == CAL.roll_forward(day)
    if count:
        assert CAL.working_days_between(start, CAL.add_working_days(start, count)) == count


@settings(max_examples=60, deadline=None)
@given(st.dates(D(2002, 1, 1), D(2029, 12, 31)), st.dates(D(2002, 1, 1), D(2029, 12, 31)))
def test_working_days_between_counts_a_exclusive_b_inclusive(first: date, last: date) -> None:
    low, high = sorted((first, last))
    counted = sum(CAL.is_working_day(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))
    assert CAL.working_days_between(low, high) == counted
    assert CAL.working_days_between(high, low) == -counted


def test_working_days_between_examples() -> None:
    assert CAL.working_days_between(D(2026, 12, 7), D(2026, 12, 7)) == 0
    assert CAL.working_days_between(D(2026, 12, 4), D(2026, 12, 7)) == 1
    assert CAL.working_days_between(D(2026, 9, 30), D(2026, 10, 10)) == 3
    assert CAL.working_days_between(D(2026, 10, 10), D(2026, 9, 30)) == -3


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 12, 4), 15, D(2026, 12, 21)),  # 19 Dec is a Saturday: rolled to Monday
        (D(2026, 9, 22), 15, D(2026, 10, 8)),  # 7 Oct is National Day: the day after it ends
        (D(2026, 2, 5), 15, D(2026, 2, 24)),  # 20 Feb is Spring Festival
        (D(2026, 2, 13), 15, D(2026, 2, 28)),  # 28 Feb is a worked Saturday: not rolled
        (D(2026, 12, 17), 15, D(2027, 1, 2)),  # 1 Jan 2027 (provisional holiday, Friday); Saturday counted
        (D(2026, 12, 7), 0, D(2026, 12, 7)),
    ],
)
def test_add_days_rolled_follows_article_203(start: date, days: int, expected: date) -> None:
    assert CAL.add_days_rolled(start, days) == expected


def test_negative_counts_are_refused() -> None:
    with pytest.raises(CalendarError, match="negative"):
        CAL.add_working_days(D(2026, 12, 7), -1)
    with pytest.raises(CalendarError, match="negative"):
        CAL.add_days_rolled(D(2026, 12, 7), -3)


def test_the_ends_of_the_calendar_raise_a_clear_error() -> None:
    assert CAL.roll_forward(date.min) == D(1, 1, 2)  # 0001-01-01 is New Year's Day (a Monday)
    assert CAL.roll_forward(date.max) == date.max  # a Friday
    attempts: list[Callable[[], date]] = [
        lambda: CAL.add_working_days(date.max, 1),
        lambda: CAL.add_days_rolled(date.max, 1),
        lambda: WorkingCalendar(holidays=frozenset({date.max})).roll_forward(date.max),
        lambda: CAL.add_days_rolled(D(9999, 12, 1), 40),
        lambda: CAL.add_working_days(date.min, 3_700_000),
    ]
    for attempt in attempts:
        with pytest.raises(CalendarRangeError) as caught:
            attempt()
        assert isinstance(caught.value, ArrearsError) and "9999-12-31" in caught.value.message_zh


def test_the_whole_calendar_is_counted_without_walking_it() -> None:
    total = CAL.working_days_between(date.min, date.max)
    assert 2_500_000 < total <= (date.max - date.min).days  # provisional years count their weekends
    assert CAL.add_working_days(date.min, total) == date.max  # the last day is a working Friday


def test_a_run_of_days_off_longer_than_60_days_is_refused() -> None:
    days = frozenset(D(2030, 1, 1) + timedelta(days=i) for i in range(80))
    broken = WorkingCalendar(holidays=days, official_years=frozenset({2030}))
    with pytest.raises(CalendarError, match="days off in a row"):
        broken.roll_forward(D(2030, 1, 1))
    with pytest.raises(CalendarError, match="days off in a row"):
        broken.add_working_days(D(2029, 12, 31), 1)


NOTICE_2027 = """
[2027]
holidays = ["2026-12-31", "2027-01-01", "2027-02-08", "2027-02-09", "2027-04-05"]
workdays = ["2027-02-06", 2027-02-20]
"""


def test_a_notice_file_makes_its_year_official(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text(NOTICE_2027, "utf-8")
    calendar = load_calendar(path)
    assert calendar.is_official(2027) and calendar.is_official(2026)
    assert not calendar.is_working_day(D(2027, 2, 8)) and not calendar.is_working_day(D(2027, 2, 9))
    assert calendar.is_working_day(D(2027, 2, 6)) and calendar.is_working_day(D(2027, 2, 20))
    assert not calendar.is_working_day(D(2026, 12, 31))  # late December of the year before
    assert calendar.is_working_day(D(2027, 10, 1))  # not in the notice: the provisional holiday is gone
    assert calendar.add_working_days(D(2027, 2, 5), 1) == D(2027, 2, 6)
    assert CAL.is_working_day(D(2027, 2, 8))  # the bundled calendar is untouched
    assert load_calendar(None) is CAL


def test_a_year_in_the_file_replaces_the_bundled_year(tmp_path: Path) -> None:
    path = tmp_path / "holidays.toml"
    path.write_text('[2026]\nholidays = ["2026-01-01"]\nworkdays = []\n', "utf-8")
    calendar = load_calendar(path)
    assert calendar.is_working_day(D(2026, 10, 5)) and not calendar.is_working_day(D(2026, 2, 14))
    assert not calendar.is_working_day(D(2026, 1, 1))
    assert calendar.is_working_day(D(2025, 1, 28)) is False  # other years keep their notice


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[2027]\nholidays = ["2027-13-01"]\n', ["[2027]", "holidays", "2027-13-01"]),
        ('[2027]\nholidays = ["1 Jan 2027"]\n', ["[2027]", "holidays", "1 Jan 2027"]),
        ('[2027]\nholidays = ["20270101"]\n', ["[2027]", "20270101"]),
        ('[2027]\nholidays = ["2028-01-01"]\n', ["[2027]", "2028-01-01"]),
        ('[2027]\nholidays = ["2026-11-30"]\n', ["[2027]", "2026-11-30"]),
        ('[2027]\nholidays = []\nworkdays = ["2027-02-08"]\n', ["[2027] workdays", "2027-02-08", "weekday"]),
        ('[2027]\nholidays = ["2027-02-06"]\nworkdays = ["2027-02-06"]\n', ["[2027]", "2027-02-06"]),
        ('[2027]\nholidays = "2027-01-01"\n', ["[2027]", "holidays"]),
        ('[2027]\nholiday = ["2027-01-01"]\n', ["[2027]", "holiday"]),
        ("[2027]\nworkdays = []\n", ["[2027]", "holidays"]),
        ("[twenty]\nholidays = []\n", ["[twenty]"]),
        ("2027 = 1\n", ["[2027]"]),
        ("[2027\n", ["TOML"]),
    ],
)
def test_a_bad_notice_file_names_the_file_the_year_and_the_value(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    path = tmp_path / "bank-holidays.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(CalendarFileError) as caught:
        load_calendar(path)
    assert isinstance(caught.value, ConfigurationError)
    for word in [str(path), *words]:
        assert word in caught.value.message_en
    assert str(path) in caught.value.message_zh


def test_a_missing_notice_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    with pytest.raises(CalendarFileError, match=r"absent\.toml"):
        load_calendar(path)
