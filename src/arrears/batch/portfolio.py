"""The portfolio file of file mode: one row per delinquent account, everything the day needs.

Columns (Parquet), beyond the model's input layout (``scoring.features.INPUT_COLUMNS`` without
``ID``: limit, age, education, sex, marriage, six statuses, bills and payments):

    account_id (String, unique), customer_id (String), product (String), dpd (Int), balance_fen
    (Int), holds (List[String]), was_late_before (Boolean), promise_broken (Boolean), zones
    (List[String], the home zone first), contact_point (String, null: no phone), email_point (String,
    null: no e-mail address), consents and opted_out_points (List[String]; ``push`` there: app and
    WeChat notices turned off), recent_contacts (List[Struct]: at (Datetime UTC), channel,
    contact_point, party, connected, conversation)

Every column but the required ones may be left out (taken as empty): files written before a column
existed keep working.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from arrears.kit.errors import ArrearsError
from arrears.scoring.features import INPUT_COLUMNS

UTC_DATETIME = pl.Datetime("us", "UTC")
CONTACT = pl.Struct(
    {
        "at": UTC_DATETIME,
        "channel": pl.String(),
        "contact_point": pl.String(),
        "party": pl.String(),
        "connected": pl.Boolean(),
        "conversation": pl.Boolean(),
    }
)
PORTFOLIO_SCHEMA: dict[str, pl.DataType] = {
    "account_id": pl.String(),
    "customer_id": pl.String(),
    "product": pl.String(),
    "dpd": pl.Int32(),
    "balance_fen": pl.Int64(),
    "holds": pl.List(pl.String()),
    "was_late_before": pl.Boolean(),
    "promise_broken": pl.Boolean(),
    "zones": pl.List(pl.String()),
    "contact_point": pl.String(),
    "email_point": pl.String(),
    "consents": pl.List(pl.String()),
    "opted_out_points": pl.List(pl.String()),
    "recent_contacts": pl.List(CONTACT),
    **{name: pl.Float64() for name in INPUT_COLUMNS if name != "ID"},
}
REQUIRED = ("account_id", "customer_id", "dpd", "balance_fen", "zones")


def missing_columns(columns: list[str]) -> list[str]:
    return [name for name in (*REQUIRED, *(c for c in INPUT_COLUMNS if c != "ID")) if name not in columns]


class PortfolioError(ArrearsError):
    """A portfolio file that cannot be used: names the file, the row and the column."""


def check_portfolio(frame: pl.DataFrame, source: str, *, first_row: int = 1) -> pl.DataFrame:
    """The portfolio in its schema (missing optional columns filled), or PortfolioError naming the row
    (``first_row`` is the number of the frame's first row in the file)."""

    def refuse(message: str) -> PortfolioError:
        return PortfolioError(f"{source}: {message}", f"{source}：{message}")

    missing = [
        name for name in (*REQUIRED, *(c for c in INPUT_COLUMNS if c != "ID")) if name not in frame.columns
    ]
    if missing:
        raise refuse(f"missing columns {', '.join(missing)}")
    defaults = {
        "product": pl.lit("card"),
        "holds": pl.lit([], pl.List(pl.String())),
        "was_late_before": pl.lit(False),
        "promise_broken": pl.lit(False),
        "contact_point": pl.lit(None, pl.String()),
        "email_point": pl.lit(None, pl.String()),
        "consents": pl.lit([], pl.List(pl.String())),
        "opted_out_points": pl.lit([], pl.List(pl.String())),
        "recent_contacts": pl.lit([], pl.List(CONTACT)),
    }
    frame = frame.with_columns(
        expr.alias(name) for name, expr in defaults.items() if name not in frame.columns
    )
    for name, dtype in PORTFOLIO_SCHEMA.items():
        try:
            frame = frame.with_columns(pl.col(name).cast(dtype, strict=True))
        except pl.exceptions.PolarsError:
            raise refuse(f"column {name} is not {dtype}") from None
    problems = [
        (pl.col("account_id").is_null(), "account_id", "is empty"),
        (pl.col("account_id").is_duplicated(), "account_id", "repeats"),
        (pl.col("customer_id").is_null(), "customer_id", "is empty"),
        (pl.col("dpd").is_null() | (pl.col("dpd") < 0), "dpd", "is not a number of days (0 or more)"),
        (pl.col("balance_fen").is_null() | (pl.col("balance_fen") < 0), "balance_fen", "is not an amount"),
        (pl.col("zones").list.len().fill_null(0) == 0, "zones", "names no time zone"),
    ]
    for test, column, what in problems:
        bad = frame.select(pl.arg_where(test)).to_series()
        if bad.len():
            row = int(bad[0]) + first_row
            raise refuse(f"row {row:,}, column {column}: {what} ({bad.len():,} rows like it)")
    return frame.select(list(PORTFOLIO_SCHEMA))


def portfolio_rows(path: Path) -> int:
    """The number of accounts in a portfolio file (0 when it cannot be read: the run says why)."""
    try:
        return int(pq.ParquetFile(path).metadata.num_rows)
    except (OSError, pa.ArrowException):
        return 0


def unreadable(path: Path, error: Exception) -> PortfolioError:
    return PortfolioError(f"{path}: not a readable Parquet file ({error})", f"{path}：无法读取")


def read_portfolio(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as error:
        raise unreadable(path, error) from None
    return check_portfolio(frame, str(path))


def portfolio_partitions(path: Path, rows: int) -> Iterator[pl.DataFrame]:
    """The portfolio ``rows`` accounts at a time, checked, each customer whole in one partition: the
    customers whose accounts fall in two batches of the file come last, together."""
    try:
        missing = missing_columns(pq.read_schema(path).names)
        keys = pl.read_parquet(path, columns=["account_id", "customer_id"]) if not missing else None
        batches = pq.ParquetFile(path).iter_batches(batch_size=rows)
    except (OSError, pl.exceptions.PolarsError, pa.ArrowException) as error:
        raise unreadable(path, error) from None
    if keys is None:
        message = f"missing columns {', '.join(missing)}"
        raise PortfolioError(f"{path}: {message}", f"{path}：{message}")
    repeated = keys.select(pl.arg_where(pl.col("account_id").is_duplicated())).to_series()
    if repeated.len():
        row = int(repeated[0]) + 1
        raise PortfolioError(
            f"{path}: row {row:,}, column account_id: repeats", f"{path}：第 {row} 行账户号重复"
        )
    batch = pl.int_range(pl.len(), dtype=pl.Int64) // rows
    spread = keys.with_columns(batch=batch).group_by("customer_id").agg(pl.col("batch").n_unique() > 1)
    split = spread.filter("batch").get_column("customer_id")
    held_back = []
    offset = 1
    for record_batch in batches:
        frame = check_portfolio(pl.DataFrame(pl.from_arrow(record_batch)), str(path), first_row=offset)
        offset += record_batch.num_rows
        apart = frame.get_column("customer_id").is_in(split.implode())
        held_back.append(frame.filter(apart))
        yield frame.filter(~apart)
    rest = pl.concat(held_back)
    if rest.height:
        yield rest
