"""Reading account files for scoring (CSV or Parquet in the input layout of ``features``).

Every value must be a number; a bad file is refused with each problem's file, row and column (rows
count as in a spreadsheet: the header is row 1). Large Parquet files are read in batches.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from arrears.imports.problems import Problem, count_problems
from arrears.kit.errors import ArrearsError
from arrears.scoring.features import INPUT_COLUMNS, LABEL_COLUMNS

MAX_SHOWN = 20
LABEL = "defaulted"


class DataRejected(ArrearsError):
    """An account file cannot be scored; lists the first problems."""

    def __init__(self, problems: list[Problem], total: int) -> None:
        self.problems = problems
        shown = "\n".join(f"  {problem}" for problem in problems[:MAX_SHOWN])
        more = f"\n  ... and {total - MAX_SHOWN:,} more" if total > MAX_SHOWN else ""
        super().__init__(
            f"{count_problems(total)} in the account file:\n{shown}{more}",
            f"账户文件中发现 {total:,} 个问题：\n{shown}{more}",
        )


def _check_columns(path: Path, columns: list[str], *, label: bool) -> str | None:
    """The label column found (when ``label``); refuses missing input columns."""
    missing = [column for column in INPUT_COLUMNS if column not in columns]
    found = next((column for column in LABEL_COLUMNS if column in columns), None)
    if label and found is None:
        missing.append(LABEL_COLUMNS[0])
    if missing:
        raise DataRejected(
            [Problem(path.name, 1, column, "required column is missing") for column in missing], len(missing)
        )
    return found


def _typed(frame: pl.DataFrame, path: Path, first_row: int, label: str | None) -> pl.DataFrame:
    """Inputs as Float64 (``ID`` as text) and the label as 0/1; refuses text, empty cells and bad labels."""
    numbers = [column for column in INPUT_COLUMNS if column != "ID"]
    typed = frame.select(
        pl.col("ID").cast(pl.String),
        *(pl.col(column).cast(pl.Float64, strict=False) for column in numbers),
        *([pl.col(label).cast(pl.Float64, strict=False).alias(LABEL)] if label else []),
    )
    problems: list[Problem] = []
    total = 0
    checks = [
        *(("ID", typed["ID"].is_null()),),
        *((column, ~typed[column].is_finite().fill_null(False)) for column in numbers),
    ]
    if label:
        checks.append((label, ~typed[LABEL].is_in([0.0, 1.0]).fill_null(False)))
    for column, bad in checks:
        rows = bad.arg_true()
        total += rows.len()
        for index in rows.head(MAX_SHOWN).to_list():
            value = frame[column][index]
            reason = "is empty" if value is None else f'"{value}" is not a number'
            if column == label and value is not None:
                reason = f'"{value}" is not 0 or 1'
            problems.append(Problem(path.name, first_row + index, column, reason))
    if total:
        problems.sort(key=lambda problem: (problem.row or 0, problem.column or ""))
        raise DataRejected(problems, total)
    return typed.with_columns(pl.col(LABEL).cast(pl.Int8)) if label else typed


def read_accounts(path: Path, *, label: bool = False) -> pl.DataFrame:
    """The whole file, checked; with ``label`` the outcome column is required and kept as ``defaulted``."""
    return pl.concat(list(iter_accounts(path, label=label, batch_rows=None)))


def iter_accounts(
    path: Path, *, label: bool = False, batch_rows: int | None = 1_000_000
) -> Iterator[pl.DataFrame]:
    """The file in checked batches (the whole file at once when ``batch_rows`` is None)."""
    if not path.is_file():
        raise DataRejected([Problem(str(path), None, None, "no such file")], 1)
    if path.suffix.lower() == ".parquet":
        yield from _parquet_batches(path, label=label, batch_rows=batch_rows)
        return
    try:
        frame = pl.read_csv(path, infer_schema=False)
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise DataRejected(
            [Problem(path.name, None, None, f"is not a readable CSV file ({error})")], 1
        ) from None
    found = _check_columns(path, frame.columns, label=label)
    step = batch_rows or max(frame.height, 1)
    for start in range(0, max(frame.height, 1), step):
        yield _typed(frame.slice(start, step), path, start + 2, found)


def _parquet_batches(path: Path, *, label: bool, batch_rows: int | None) -> Iterator[pl.DataFrame]:
    try:
        source = pq.ParquetFile(path)
    except Exception as error:  # pyarrow raises several kinds for a damaged file
        raise DataRejected(
            [Problem(path.name, None, None, f"is not a readable Parquet file ({error})")], 1
        ) from None
    found = _check_columns(path, source.schema_arrow.names, label=label)
    columns = [*INPUT_COLUMNS, *([found] if found else [])]
    first = 2
    for batch in source.iter_batches(
        batch_size=batch_rows or max(source.metadata.num_rows, 1), columns=columns
    ):
        frame = pl.from_arrow(batch)
        assert isinstance(frame, pl.DataFrame)
        yield _typed(frame, path, first, found)
        first += frame.height
