"""The business date: the latest completed run's, never ahead of today, today before any run."""

from __future__ import annotations

from datetime import date

from arrears.batch.business_day import decide

TODAY = date(2026, 12, 6)


def test_the_latest_completed_run_gives_the_day_and_a_run_of_today_is_not_behind() -> None:
    day = decide(TODAY, today=TODAY)
    assert (day.date, day.behind) == (TODAY, False)


def test_an_earlier_run_is_shown_and_flagged_behind() -> None:
    day = decide(date(2005, 10, 1), today=TODAY)
    assert (day.date, day.latest_run, day.behind) == (date(2005, 10, 1), date(2005, 10, 1), True)


def test_before_any_run_the_pages_work_on_today_and_say_no_run_has_completed() -> None:
    day = decide(None, today=TODAY)
    assert (day.date, day.latest_run, day.behind) == (TODAY, None, True)


def test_a_run_dated_ahead_does_not_move_the_pages_into_the_future() -> None:
    day = decide(date(9999, 12, 31), today=TODAY)
    assert (day.date, day.behind) == (TODAY, False)
