"""The post's tracking file read and checked: rows, problems by row and column, status moves, times."""

from __future__ import annotations

from datetime import UTC, date, datetime

from arrears.messaging.letters.tracking_rules import (
    TrackedLetter,
    TrackingRow,
    event_time,
    letter_of,
    next_status,
    parse_tracking,
    row_problems,
)

HEADER = "letter_id,account_no,tracking_no,status,date\n"


def test_good_rows_are_read_with_their_row_numbers() -> None:
    text = (
        "\ufeff"
        + HEADER
        + "letters-2026-11-24#000001,,EA1,Posted,2026-11-24\n,6222,SF 2/3,returned,2026-11-25\n"
    )

    rows, problems = parse_tracking(text, file="t.csv")

    assert problems == []
    assert rows == [
        TrackingRow(2, "letters-2026-11-24#000001", None, "EA1", "posted", date(2026, 11, 24)),
        TrackingRow(3, None, "6222", "SF 2/3", "returned", date(2026, 11, 25)),
    ]


def test_every_bad_cell_is_named_by_row_and_column() -> None:
    text = HEADER + ",,EA1,posted,2026-11-24\nletters-x,,,lost,24/11/2026\n"

    _, problems = parse_tracking(text, file="t.csv")

    assert [(p.row, p.column) for p in problems] == [
        (2, "letter_id"), (3, "letter_id"), (3, "tracking_no"), (3, "status"), (3, "date"),
    ]  # fmt: skip
    assert str(problems[3]) == "t.csv row 3, column status: 'lost' is not one of posted, delivered, returned"


def test_a_file_without_the_needed_columns_is_refused_at_its_header() -> None:
    _, problems = parse_tracking("tracking_no,date\nEA1,2026-11-24\n", file="t.csv")

    assert [(p.row, p.column) for p in problems] == [(1, "status"), (1, "letter_id")]


def _letter(run_date: date = date(2026, 11, 24)) -> TrackedLetter:
    return TrackedLetter(7, "letters-2026-11-24#000001", "6222", "sent", run_date, None, 3)


def test_an_account_row_names_the_latest_letter_rendered_by_its_date() -> None:
    newer, older = _letter(date(2026, 11, 30)), _letter(date(2026, 11, 24))
    row = TrackingRow(2, None, "6222", "EA1", "posted", date(2026, 11, 26))

    assert letter_of(row, by_id={}, by_account={"6222": [newer, older]}) is older


def test_a_date_after_today_or_before_the_letter_is_a_problem() -> None:
    row = TrackingRow(2, None, "6222", "EA1", "posted", date(2026, 11, 26))

    assert row_problems(row, _letter(), file="t", today=date(2026, 11, 26)) == []
    assert row_problems(row, _letter(), file="t", today=date(2026, 11, 25))[0].column == "date"
    assert (
        row_problems(row, _letter(date(2026, 11, 27)), file="t", today=date(2026, 11, 30))[0].column == "date"
    )
    assert row_problems(row, None, file="t", today=date(2026, 11, 30))[0].column == "account_no"


def test_delivered_and_returned_move_the_status_posted_does_not() -> None:
    assert next_status("sent", "delivered") == "delivered"
    assert next_status("sent", "returned") == "failed"
    assert next_status("delivered", "returned") == "failed"
    assert next_status("failed", "delivered") is None
    assert next_status("sent", "posted") is None


def test_an_event_is_at_the_start_of_its_day_not_before_the_letter() -> None:
    sent = datetime(2026, 11, 24, 2, tzinfo=UTC)

    assert event_time(date(2026, 11, 25), zone="Asia/Shanghai", not_before=sent) == datetime(
        2026, 11, 24, 16, tzinfo=UTC
    )
    assert event_time(date(2026, 11, 24), zone="Asia/Shanghai", not_before=sent) == sent
