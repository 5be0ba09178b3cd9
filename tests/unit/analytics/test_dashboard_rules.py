"""The dashboard's pure parts: ratios, windows of business days, and figures from grouped rows."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from arrears.accounts.rules import DEFAULT_BUCKETS, DEFAULT_CLASSES
from arrears.analytics.dashboard import (
    UNASSIGNED,
    book,
    contacts_by_day,
    promise_figures,
    queue_depth,
    run_figures,
    throughput,
)
from arrears.analytics.repository import BookGroup, PromiseGroup, QueueGroup, RunRecord, TeamDayCalls
from arrears.analytics.rules import DashboardInputError, day_starts, ratio, window_days, zone_of

DAY1, DAY2 = date(2026, 1, 1), date(2026, 1, 2)


class TestRatio:
    def test_none_when_nothing_to_divide_by(self) -> None:
        assert ratio(0, 0) is None and ratio(3, 0) is None

    def test_a_plain_share_otherwise(self) -> None:
        assert ratio(0, 4) == 0.0 and ratio(1, 4) == 0.25 and ratio(4, 4) == 1.0


class TestWindow:
    def test_the_days_ending_with_as_of(self) -> None:
        assert window_days(as_of=date(2026, 3, 2), days=3) == (
            date(2026, 2, 28),
            date(2026, 3, 1),
            date(2026, 3, 2),
        )

    def test_at_least_one_day(self) -> None:
        with pytest.raises(DashboardInputError):
            window_days(as_of=date(2026, 3, 2), days=0)

    def test_days_start_at_local_midnight(self) -> None:
        bounds = day_starts((date(2026, 3, 1), date(2026, 3, 2)), zone_of("Asia/Shanghai"))

        assert bounds == (
            datetime(2026, 2, 28, 16, tzinfo=UTC),
            datetime(2026, 3, 1, 16, tzinfo=UTC),
            datetime(2026, 3, 2, 16, tzinfo=UTC),
        )

    def test_a_daylight_saving_day_is_shorter(self) -> None:
        spring = (date(2026, 3, 8),)  # New York moves its clocks forward: a 23-hour day
        start, end = day_starts(spring, zone_of("America/New_York"))

        assert (end - start).total_seconds() == 23 * 3600

    def test_an_unknown_zone_is_refused(self) -> None:
        with pytest.raises(DashboardInputError, match="not a known time zone"):
            zone_of("Mars/Olympus_Mons")


class TestFiguresFromGroups:
    def test_the_book_orders_known_bands_and_keeps_unknown_codes(self) -> None:
        groups = [
            BookGroup("M1", "special_mention", 2, 300, 30),
            BookGroup("M0", "normal", 5, 1_000, 0),
            BookGroup("M1", "special_mention", 1, 100, 10),
            BookGroup("X9", "normal", 1, 7, 0),
        ]
        found = book(groups, as_of=date(2026, 1, 1), buckets=DEFAULT_BUCKETS, classes=DEFAULT_CLASSES)

        assert (found.accounts, found.balance_fen, found.overdue_fen) == (9, 1_407, 40)
        assert [b.code for b in found.buckets] == [*DEFAULT_BUCKETS.codes, "X9"]
        m1 = found.buckets[1]
        assert (m1.accounts, m1.balance_fen, m1.overdue_fen, m1.label_en) == (3, 400, 40, "M1 (1-30 days)")
        assert found.buckets[-1].label_zh == "X9"
        assert [c.accounts for c in found.classes] == [6, 3, 0, 0, 0]

    def test_queue_depth_counts_other_statuses_and_puts_the_unassigned_last(self) -> None:
        groups = [
            QueueGroup(None, None, None, "planned", 4),
            QueueGroup(2, "b", "B", "done", 1),
            QueueGroup(2, "b", "B", "expired", 2),
            QueueGroup(1, "a", "A", "claimed", 3),
        ]
        rows = [(q.team, q.planned, q.claimed, q.done, q.other, q.total) for q in queue_depth(groups)]

        assert rows == [("a", 0, 3, 0, 0, 3), ("b", 0, 0, 1, 2, 3), (UNASSIGNED, 4, 0, 0, 0, 4)]

    def test_throughput_per_team_over_the_window_and_today(self) -> None:
        groups = [
            TeamDayCalls(None, None, None, DAY1, 1, 0, 0),
            TeamDayCalls(1, "a", "A", DAY1, 3, 1, 0),
            TeamDayCalls(1, "a", "A", DAY2, 1, 1, 1),
        ]
        rows = throughput(groups, today=DAY2)

        assert [(t.team, t.calls, t.calls_today, t.connected, t.conversations) for t in rows] == [
            ("a", 4, 1, 2, 1),
            (UNASSIGNED, 1, 0, 0, 0),
        ]
        assert [(t.contact_rate, t.rpc_rate) for t in rows] == [(0.5, 0.25), (0.0, 0.0)]

    def test_every_day_of_the_window_all_teams_together_even_without_calls(self) -> None:
        groups = [TeamDayCalls(1, "a", "A", DAY2, 3, 2, 1), TeamDayCalls(None, None, None, DAY2, 1, 1, 0)]
        days = contacts_by_day(groups, (DAY1, DAY2))

        assert [(d.day, d.calls, d.contact_rate, d.rpc_rate) for d in days] == [
            (DAY1, 0, None, None),
            (DAY2, 4, 0.75, 0.25),
        ]
        assert throughput([], today=DAY2) == ()

    def test_kept_rate_among_settled_promises(self) -> None:
        found = promise_figures([PromiseGroup("kept", 3, 300, 300), PromiseGroup("broken", 1, 100, 0)])

        assert (found.settled, found.kept, found.partly_kept, found.broken, found.kept_rate) == (
            4,
            3,
            0,
            1,
            0.75,
        )
        assert promise_figures([]).kept_rate is None

    def test_a_report_missing_figures_reads_as_none(self) -> None:
        report = {"chosen": {"call": {"actions": 2}, "odd": "not figures"}, "blocked_by_rule": {"R": 1}}
        found = run_figures(RunRecord(date(2026, 1, 1), None, None, None, json.dumps(report)))

        assert found.accounts is None and found.candidates is None and found.expected_value_fen is None
        assert [(c.channel, c.actions, c.expected_value_fen) for c in found.by_channel] == [("call", 2, 0)]
        assert found.blocked_by_rule == {"R": 1} and found.report == report
        assert run_figures(RunRecord(date(2026, 1, 1), None, None, None, None)).report == {}
