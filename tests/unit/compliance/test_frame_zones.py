"""Local times of the vectorised check: fixed offsets by arithmetic, other zones by conversion."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from arrears.compliance.frame_zones import (
    DAY,
    FIXED_OFFSETS,
    clock,
    fixed_offsets,
    known_offset,
    offsets,
    to_utc,
)

NEW_YORK = ZoneInfo("America/New_York")


def micros(moment: datetime) -> int:
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


@pytest.fixture
def fixed():
    """Shanghai is fixed over 2026; New York changes its offset on 1 November."""
    found = fixed_offsets(
        ["Asia/Shanghai", "America/New_York"],
        datetime(2026, 10, 25, tzinfo=UTC),
        datetime(2026, 11, 5, tzinfo=UTC),
    )
    token = FIXED_OFFSETS.set(found)
    yield found
    FIXED_OFFSETS.reset(token)


def frame(rows: list[tuple[datetime | int, str | None]]) -> pl.DataFrame:
    data = pl.DataFrame(
        {
            "at": [value if isinstance(value, int) else micros(value) for value, _ in rows],
            "zone": [zone for _, zone in rows],
        },
        schema={"at": pl.Int64, "zone": pl.String},
    )
    return data.with_columns(known=known_offset("zone"))


def test_only_zones_without_a_change_over_the_dates_are_fixed(fixed: dict[str, int]) -> None:
    assert fixed == {"Asia/Shanghai": 8 * 3600}


def test_offsets_follow_the_zone_at_each_instant(fixed: dict[str, int]) -> None:
    moments = [
        datetime(2026, 10, 31, 12, tzinfo=UTC),
        datetime(2026, 11, 1, 5, 59, tzinfo=UTC),
        datetime(2026, 11, 1, 6, 0, tzinfo=UTC),
        datetime(2026, 11, 3, 12, tzinfo=UTC),
    ]
    rows = [(moment, "America/New_York") for moment in moments] + [(moments[0], "Asia/Shanghai"), (0, None)]
    found = offsets(frame(rows), "at", "zone", "known").to_list()
    expected = [int(m.astimezone(NEW_YORK).utcoffset().total_seconds()) * 1_000_000 for m in moments]  # type: ignore[union-attr]
    assert found == [*expected, 8 * 3600 * 1_000_000, None]
    assert expected[1] != expected[2]


def test_local_times_become_instants_earliest_when_repeated_and_null_when_skipped(
    fixed: dict[str, int],
) -> None:
    def local(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
        return micros(datetime(year, month, day, hour, minute, tzinfo=UTC))

    rows = [
        (local(2026, 11, 1, 1, 30), "America/New_York"),  # happens twice: EDT first
        (local(2026, 3, 8, 2, 30), "America/New_York"),  # skipped
        (local(2026, 11, 3, 8), "America/New_York"),
        (local(2026, 11, 3, 8), "Asia/Shanghai"),
    ]
    found = to_utc(frame(rows).rename({"at": "local"}), "local", "zone", "known").to_list()
    assert found == [
        micros(datetime(2026, 11, 1, 5, 30, tzinfo=UTC)),
        None,
        micros(datetime(2026, 11, 3, 13, tzinfo=UTC)),
        micros(datetime(2026, 11, 3, 0, tzinfo=UTC)),
    ]


def test_clock_and_day_arithmetic_agree_with_the_calendar() -> None:
    moment = datetime(2026, 11, 24, 21, 59, 59, 5, tzinfo=UTC)
    assert micros(moment) // DAY == (moment.date() - datetime(1970, 1, 1).date()).days
    assert micros(moment) % DAY == clock(time(21, 59, 59, 5))
