"""The outbox page's pure parts: a day's window in a zone, the channel x status grid, a live dispatcher."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.messaging.report import channel_grid, day_window, is_alive

NOW = datetime(2026, 11, 24, 2, tzinfo=UTC)


def test_a_day_is_midnight_to_midnight_in_the_zone() -> None:
    start, end = day_window(date(2026, 11, 24), ZoneInfo("Asia/Shanghai"))

    assert (start.astimezone(UTC), end.astimezone(UTC)) == (
        datetime(2026, 11, 23, 16, tzinfo=UTC),
        datetime(2026, 11, 24, 16, tzinfo=UTC),
    )


def test_the_grid_has_every_channel_and_status_with_totals() -> None:
    grid = channel_grid([
        {"channel": "sms", "status": "delivered", "count": 7},
        {"channel": "sms", "status": "failed", "count": 2},
        {"channel": "fax", "status": "queued", "count": 1},
    ])  # fmt: skip

    assert [row["channel"] for row in grid] == ["sms", "email", "push", "letter", "fax"]
    assert grid[0]["counts"]["delivered"] == 7 and grid[0]["counts"]["queued"] == 0 and grid[0]["total"] == 9
    assert grid[1]["total"] == 0 and grid[4]["total"] == 1


def test_a_dispatcher_is_alive_when_seen_in_the_last_minute_and_not_stopped() -> None:
    assert is_alive({"stopped_at": None, "seen_at": NOW - timedelta(seconds=59)}, now=NOW)
    assert not is_alive({"stopped_at": None, "seen_at": NOW - timedelta(seconds=61)}, now=NOW)
    assert not is_alive({"stopped_at": NOW, "seen_at": NOW}, now=NOW)
