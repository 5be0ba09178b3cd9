"""A date given on the command line (``--date``, ``--as-of``...) lies within the calendar every page and
form accepts (1900-01-01 to 2999-12-31), or the command stops naming the option."""

from __future__ import annotations

from datetime import date

import pytest
import typer

from arrears.cli.common import parse_day


@pytest.mark.parametrize(
    "text", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31", "2026-02-30", "tomorrow"]
)
def test_a_date_outside_the_calendar_is_refused_naming_the_option(text: str) -> None:
    with pytest.raises(typer.BadParameter) as refused:
        parse_day(text, option="--date")
    assert refused.value.param_hint == "--date" and text in str(refused.value)


def test_dates_within_it_and_none_pass() -> None:
    assert parse_day("1900-01-01", option="--date") == date(1900, 1, 1)
    assert parse_day("2999-12-31", option="--date") == date(2999, 12, 31)
    assert parse_day(None, option="--date") is None
