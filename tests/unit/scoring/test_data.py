"""Account files for scoring: read as numbers, or refused naming file, row and column."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from arrears.imports.problems import Problem
from arrears.imports.uci import bundled_path
from arrears.scoring.data import LABEL, DataRejected, iter_accounts, read_accounts

# --- clear errors for a bad account file ----------------------------------------------------------


def _raw_rows(rows: int = 10) -> pl.DataFrame:
    """The first rows of the bundled file, every column as text (as it is in the CSV)."""
    return pl.read_csv(bundled_path(), infer_schema=False, n_rows=rows)


def _with_text(frame: pl.DataFrame, index: int, column: str, text: str) -> pl.DataFrame:
    values = frame[column].to_list()
    values[index] = text
    return frame.with_columns(pl.Series(column, values, dtype=pl.String))


def test_good_files_are_read_as_numbers(tmp_path: Path) -> None:
    frame = _raw_rows()
    frame.write_csv(tmp_path / "good.csv")
    frame.write_parquet(tmp_path / "good.parquet")
    from_csv = read_accounts(tmp_path / "good.csv", label=True)
    from_parquet = read_accounts(tmp_path / "good.parquet", label=True)
    assert from_csv.equals(from_parquet)
    assert from_csv.height == 10
    assert from_csv.schema["ID"] == pl.String
    assert from_csv.schema["BILL_AMT3"] == pl.Float64
    assert from_csv.schema[LABEL] == pl.Int8


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_missing_column_is_named(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"accounts.{suffix}"
    frame = _raw_rows().drop("LIMIT_BAL")
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path)
    message = str(caught.value)
    assert f"accounts.{suffix} row 1, column LIMIT_BAL: required column is missing" in message
    assert caught.value.problems == [
        Problem(f"accounts.{suffix}", 1, "LIMIT_BAL", "required column is missing")
    ]
    assert "LIMIT_BAL" in caught.value.message_zh


def test_missing_label_column_is_named_when_the_label_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    _raw_rows().drop("default_payment_next_month").write_csv(path)
    assert read_accounts(path).height == 10  # not needed for scoring
    with pytest.raises(DataRejected, match="column default_payment_next_month: required column is missing"):
        read_accounts(path, label=True)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_text_in_a_number_column_is_named_with_its_row(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bad.{suffix}"
    frame = _with_text(_raw_rows(), 4, "BILL_AMT3", "abc")  # the fifth account: spreadsheet row 6
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path)
    message = str(caught.value)
    assert message.startswith("1 problem in the account file:")
    assert f'bad.{suffix} row 6, column BILL_AMT3: "abc" is not a number' in message
    assert caught.value.problems == [Problem(f"bad.{suffix}", 6, "BILL_AMT3", '"abc" is not a number')]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_rows_are_counted_across_batches(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bad.{suffix}"
    frame = _with_text(_raw_rows(), 7, "PAY_AMT1", "12,5")  # the eighth account: row 9
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    batches = iter_accounts(path, batch_rows=3)
    assert next(batches).height == 3
    assert next(batches).height == 3
    with pytest.raises(DataRejected, match=rf'bad\.{suffix} row 9, column PAY_AMT1: "12,5" is not a number'):
        next(batches)


def test_empty_cells_and_bad_labels(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    frame = _with_text(_raw_rows(), 1, "default_payment_next_month", "2")
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(None).otherwise(pl.col("AGE")).alias("AGE")
    )
    frame.write_csv(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path, label=True)
    assert caught.value.problems == [
        Problem("bad.csv", 3, "default_payment_next_month", '"2" is not 0 or 1'),
        Problem("bad.csv", 4, "AGE", "is empty"),
    ]
    assert str(caught.value).startswith("2 problems in the account file:")


def test_many_problems_are_counted_but_not_all_shown(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    frame = _raw_rows(50).with_columns(pl.lit("x").alias("AGE"))
    frame.write_csv(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path)
    message = str(caught.value)
    assert message.startswith("50 problems in the account file:")
    assert "... and 30 more" in message
    assert "bad.csv row 2, column AGE" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataRejected, match="no such file"):
        read_accounts(tmp_path / "absent.csv")


def test_damaged_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "damaged.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataRejected, match=r"damaged\.parquet: is not a readable Parquet file"):
        read_accounts(path)
