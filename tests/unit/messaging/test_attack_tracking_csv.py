"""The post's tracking file attacked at the parser: a cell past the csv module's field limit is a
problem named by file and row, not a traceback."""

from __future__ import annotations

from arrears.messaging.letters.tracking_rules import parse_tracking

HEADER = "letter_id,account_no,tracking_no,status,date\n"


def test_a_cell_past_the_field_limit_is_a_problem() -> None:
    text = (
        HEADER
        + "letters-2026-11-24#000001,,EA1,posted,2026-11-24\n"
        + "x" * 200_000
        + ",,EA2,posted,2026-11-24\n"
    )

    _rows, problems = parse_tracking(text, file="t.csv")

    assert [(problem.row, problem.column) for problem in problems] == [(3, None)]
    assert "x" * 50 not in str(problems[0])


def test_a_header_past_the_field_limit_is_a_problem() -> None:
    rows, problems = parse_tracking("y" * 200_000 + "\n", file="t.csv")

    assert rows == [] and [problem.row for problem in problems] == [1]


def test_a_first_row_past_the_field_limit_is_row_2() -> None:
    rows, problems = parse_tracking(HEADER + "z" * 200_000 + "\n", file="t.csv")

    assert rows == [] and [problem.row for problem in problems] == [2]
