from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from arrears.imports.extract_format import ACCOUNTS, STATEMENTS
from arrears.imports.identity import national_id_check_digit
from arrears.imports.uci import exact_integer, fen_text
from arrears.imports.validate import amount_fen, collect_problems, national_id_ok, row_checks


def test_amount_fen_is_exact() -> None:
    frame = pl.DataFrame({"a": ["1234.5", "0.01", "-20", "7", "-0.5", "99999999.99"]})
    assert frame.select(amount_fen(pl.col("a")))["a"].to_list() == [123450, 1, -2000, 700, -50, 9_999_999_999]


def test_fen_text_round_trips_through_amount_fen() -> None:
    values = [0, 1, -1, 99, -100, 123456, -98765]
    frame = pl.DataFrame({"f": values}).select(fen_text(pl.col("f")).alias("t"))
    assert frame["t"].to_list()[:4] == ["0.00", "0.01", "-0.01", "0.99"]
    assert frame.select(amount_fen(pl.col("t")))["t"].to_list() == values


def test_exact_integer_reads_scientific_notation() -> None:
    frame = pl.DataFrame({"v": ["2.00E+05", "1.5E+03", "-7", "1E+6", "2.5E+0", "abc", "1.23"]})
    assert frame.select(exact_integer("v"))["v"].to_list() == [200_000, 1500, -7, 1_000_000, None, None, None]


def test_exact_integer_refuses_a_huge_exponent_without_building_the_number() -> None:
    """An exponent of more than two digits is unreadable (null, reported with its row and column):
    ``1E+99999999`` would otherwise build a string of 10^8 zeros."""
    frame = pl.DataFrame({"v": ["1E+99999999", "1E+999999999999", "9E+18", "1E+19", "1E+99"]})
    assert frame.select(exact_integer("v"))["v"].to_list() == [None, None, 9 * 10**18, None, None]


def test_national_id_check_digit_vectorised() -> None:
    first17 = "11010519491231002"
    good = first17 + national_id_check_digit(first17)
    wrong = first17 + ("0" if good[-1] != "0" else "1")
    bad_date = "44200019991331001" + "X"
    frame = pl.DataFrame({"id": [good, wrong, bad_date]})
    assert frame.select(national_id_ok(pl.col("id")))["id"].to_list() == [True, False, False]


def test_problems_quote_the_value_and_count_rows_like_a_spreadsheet() -> None:
    frame = pl.DataFrame({"account_id": ["A1", "A2"], "statement_date": ["2026-10-05", "2026-10-05"],
                          "due_date": ["2026-10-25", "2026-10-01"], "statement_balance": ["1.00", "x"],
                          "minimum_due": ["0.10", "0.10"]})  # fmt: skip
    checks = row_checks(STATEMENTS, columns=frame.columns, as_of=date(2026, 11, 23))

    problems, total = collect_problems(frame, file="statements.csv", first_row=2, checks=checks, room=100)

    assert total == 2
    assert [str(p) for p in problems] == [
        'statements.csv row 3, column due_date: "2026-10-01" is before statement_date',
        'statements.csv row 3, column statement_balance: "x" is not an amount (yuan, at most two decimals, '
        "e.g. 1234.50)",
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("cycle_day", "29", "is above the maximum 28"),
        ("status", "frozen", "is not one of: active, blocked, closed, charged_off"),
        ("currency", "rmb", "is not a currency code"),
        ("open_date", "2026/01/01", "is not a date"),
        ("account_id", " A1", "is not an identifier"),
    ],
)
def test_account_column_rules(column: str, value: str, message: str) -> None:
    row = {"account_id": "A1", "customer_id": "C1", "credit_limit": "1", "principal_balance": "1",
           "interest_balance": "0", "fee_balance": "0", "open_date": "2020-01-01", "cycle_day": "5",
           "due_day": "25", "status": "active", "currency": "CNY"} | {column: value}  # fmt: skip
    frame = pl.DataFrame({key: [value] for key, value in row.items()})
    checks = row_checks(ACCOUNTS, columns=frame.columns, as_of=date(2026, 11, 23))

    problems, _ = collect_problems(frame, file="accounts.csv", first_row=2, checks=checks, room=10)

    assert len(problems) == 1 and problems[0].column == column and message in problems[0].message
