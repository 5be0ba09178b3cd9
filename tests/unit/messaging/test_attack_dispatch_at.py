"""``arrears dispatch --at``: a time out of the supported dates is refused as bad input (before, the
year 1 gave an OverflowError traceback and the year 9999 a "dispatch step failed" with exit 0)."""

from __future__ import annotations

import pytest

from arrears.cli.dispatch import _instant
from arrears.kit.errors import ArrearsError


@pytest.mark.parametrize(
    "text",
    ["0001-01-01T00:00+08:00", "9999-12-31T23:59:59+00:00", "1899-12-31T23:00+00:00", "3000-01-01T00:00Z"],
)
def test_a_time_out_of_the_supported_dates_is_refused(text: str) -> None:
    with pytest.raises(ArrearsError, match="between"):
        _instant(text)


@pytest.mark.parametrize("text", ["2005-10-01T10:30+08:00", "2026-11-24T10:00Z", "1900-01-01T12:00+00:00"])
def test_a_time_in_them_is_taken(text: str) -> None:
    assert _instant(text).tzinfo is not None
