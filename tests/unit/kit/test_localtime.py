"""Instants as people read them: local to a zone, labelled with the zone's offset, never ISO."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from arrears.kit.localtime import local_moment, local_text, offset_label

CALLED = datetime(2026, 12, 4, 19, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("zone", "label"),
    [
        ("Asia/Shanghai", "UTC+8"),
        ("UTC", "UTC"),
        ("America/St_Johns", "UTC-3:30"),
        ("Asia/Kathmandu", "UTC+5:45"),
    ],
)
def test_the_label_is_the_offset_at_that_moment(zone: str, label: str) -> None:
    assert offset_label(CALLED.astimezone(ZoneInfo(zone))) == label


def test_summer_time_changes_the_label() -> None:
    london = ZoneInfo("Europe/London")
    assert offset_label(datetime(2026, 7, 1, 12, tzinfo=UTC).astimezone(london)) == "UTC+1"
    assert offset_label(datetime(2026, 12, 1, 12, tzinfo=UTC).astimezone(london)) == "UTC"


def test_an_instant_is_shown_on_its_local_day_with_its_label() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    assert local_text(CALLED, shanghai) == "2026-12-05 03:09 UTC+8"
    assert local_text(CALLED, shanghai, shape="date") == "2026-12-05"
    assert local_text(CALLED, shanghai, shape="time") == "03:09 UTC+8"
    assert local_text(CALLED) == "2026-12-04 19:09 UTC"  # its own zone when none is given


def test_a_naive_moment_has_no_place_in_time() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_text(datetime(2026, 12, 5, 10, 30))


def test_a_typed_local_time_is_the_instant_in_that_zone() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    assert local_moment("2026-12-05T10:30", shanghai) == datetime(2026, 12, 5, 2, 30, tzinfo=UTC)
    assert local_moment(" 2026-12-05T10:30+00:00 ", shanghai) == datetime(2026, 12, 5, 10, 30, tzinfo=UTC)
    with pytest.raises(ValueError):
        local_moment("tomorrow", shanghai)
