"""Streams an extract file (CSV or Parquet) as batches of text columns, with row numbers.

Every column arrives as text so that one validator serves both formats and every value that does
not parse can be quoted back to the user. Structural damage (broken quoting, a row with the wrong
number of fields, bytes that are not UTF-8) is located row by row with the ``csv`` module.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from arrears.imports.problems import Problem

FIRST_DATA_ROW = 2  # the header is row 1
FIRST_BATCH_ROWS = 10_000


class FileBroken(Exception):
    """The file cannot be read as a table; ``problem`` says where and why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Batch:
    first_row: int  # row number of the batch's first record
    frame: pl.DataFrame  # every column Utf8; empty strings already turned into nulls


def read_header(path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return list(pq.ParquetFile(path).schema_arrow.names)
    with path.open("rb") as handle:
        first = handle.readline()
    if not first.strip():
        raise FileBroken(Problem(path.name, None, None, "the file is empty (no header row)"))
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileBroken(Problem(path.name, 1, None, "the header is not UTF-8 text")) from exc
    return [name.strip() for name in next(csv.reader([text]))]


def iter_batches(path: Path, *, batch_rows: int) -> Iterator[Batch]:
    if path.suffix == ".parquet":
        yield from _parquet_batches(path, batch_rows=batch_rows)
    else:
        yield from _csv_batches(path, batch_rows=batch_rows)


def _to_text_frame(table: pa.Table | pa.RecordBatch) -> pl.DataFrame:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return frame.select(
        pl.col(name).cast(pl.String).str.strip_chars().replace("", None).alias(name) for name in frame.columns
    )


def _parquet_batches(path: Path, *, batch_rows: int) -> Iterator[Batch]:
    row = FIRST_DATA_ROW
    try:
        for record_batch in pq.ParquetFile(path).iter_batches(batch_size=batch_rows):
            yield Batch(row, _to_text_frame(record_batch))
            row += record_batch.num_rows
    except (pa.ArrowException, OSError) as exc:
        raise FileBroken(Problem(path.name, None, None, f"not a readable Parquet file ({exc})")) from exc


def _csv_batches(path: Path, *, batch_rows: int) -> Iterator[Batch]:
    header = read_header(path)
    options = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    read = pacsv.ReadOptions(block_size=1 << 20)
    parse = pacsv.ParseOptions(newlines_in_values=True)
    row = FIRST_DATA_ROW
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=options)
        for record_batch in reader:
            pending.append(record_batch)
            pending_rows += record_batch.num_rows
            # a small first batch lets the work that follows the reading start early
            if pending_rows >= (min(batch_rows, FIRST_BATCH_ROWS) if row == FIRST_DATA_ROW else batch_rows):
                yield Batch(row, _to_text_frame(pa.Table.from_batches(pending)))
                row += pending_rows
                pending, pending_rows = [], 0
    except pa.ArrowException as exc:
        raise FileBroken(locate_csv_damage(path, len(header))) from exc
    if pending:
        yield Batch(row, _to_text_frame(pa.Table.from_batches(pending)))


def locate_csv_damage(path: Path, width: int) -> Problem:
    """Reads the file record by record to name the first damaged row."""
    row = 1
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
        reader = csv.reader(text, strict=True)
        try:
            for row, record in enumerate(reader, start=1):
                if len(record) != width:
                    return Problem(path.name, row, None, _width_message(record, width))
        except UnicodeDecodeError:
            return Problem(path.name, row + 1, None, "the row is not UTF-8 text (is the file in GBK?)")
        except csv.Error as exc:
            return Problem(path.name, row + 1, None, f"broken CSV quoting ({exc})")
    return Problem(path.name, None, None, "the file could not be read as CSV")


def _width_message(record: list[str], width: int) -> str:
    joined = ",".join(record)
    if joined.count('"') % 2 or any("\n" in field for field in record):
        return f"broken CSV quoting: a quote is not closed ({len(record)} fields, expected {width})"
    return f"the row has {len(record)} fields, the header has {width}"
