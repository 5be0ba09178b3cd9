"""The delinquency maths of ``rules.py`` vectorised with Polars, for books of millions of accounts.

DataFrame in, DataFrame out; no clock, no Python per-row code. The results agree with
``rules.delinquency_state``, ``rules.bucket_of`` and ``rules.roll_count_matrix`` row for row.
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar

import polars as pl

from arrears.accounts.rules import DEFAULT_BUCKETS, DEFAULT_CLASSES, BandTable, DelinquencyInputError

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

DELINQUENCY_SCHEMA = {"dpd": pl.Int64, "overdue_fen": pl.Int64, "oldest_unpaid_due_date": pl.Date}
"""Columns ``delinquency_frame`` adds after ``account_id``."""


def delinquency_frame(*, installments: pl.DataFrame, payments: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """One row per account of ``installments``: account_id, dpd, overdue_fen, oldest_unpaid_due_date.

    ``installments``: account_id, due_date (Date), minimum_fen (integer fen).
    ``payments``: account_id, paid_date (Date), amount_fen (integer fen).
    Payments dated on or before ``as_of`` settle each account's installments oldest due date first;
    an installment is overdue when due before ``as_of`` and not fully settled. Rows come sorted by
    account_id; oldest_unpaid_due_date is null when dpd is 0. Payments of accounts without
    installments are ignored.
    """
    _check_input(installments, name="installments", date_col="due_date", amount_col="minimum_fen")
    _check_input(payments, name="payments", date_col="paid_date", amount_col="amount_fen")
    key_dtype = installments.schema["account_id"]
    paid = (
        payments.lazy()
        .filter(pl.col("paid_date") <= as_of)
        .group_by(pl.col("account_id").cast(key_dtype))
        .agg(paid_fen=pl.col("amount_fen").cast(pl.Int64).sum())
    )
    overdue = (pl.col("unpaid_fen") > 0) & (pl.col("due_date") < as_of)
    oldest = pl.col("due_date").filter(overdue).min()
    return (
        _unpaid_per_installment(installments.lazy(), paid)
        .group_by("account_id", maintain_order=True)
        .agg(
            dpd=(pl.lit(as_of) - oldest).dt.total_days().fill_null(0).cast(pl.Int64),
            overdue_fen=pl.col("unpaid_fen").filter(overdue).sum().cast(pl.Int64),
            oldest_unpaid_due_date=oldest,
        )
        .collect()
    )


def _unpaid_per_installment(installments: pl.LazyFrame, paid: pl.LazyFrame) -> pl.LazyFrame:
    """Adds unpaid_fen: the part of each installment the pooled payments do not cover, oldest first.

    With C the running total of an account's minimums up to and including an installment and P the
    amount paid, the installment is settled when C <= P; otherwise min(minimum, C - P) of it is unpaid.
    Rows stay sorted by account_id, due_date. C is a global running sum less its value where the
    account starts, which avoids a per-group window over millions of rows.
    """
    running = pl.col("minimum_fen").cum_sum()
    starts_account = (pl.col("account_id") != pl.col("account_id").shift(1)).fill_null(True)
    before_account = pl.when(starts_account).then(running - pl.col("minimum_fen")).forward_fill()
    return (
        installments.select("account_id", "due_date", pl.col("minimum_fen").cast(pl.Int64))
        .sort("account_id", "due_date")
        .with_columns(cumulative_fen=running - before_account)
        .join(paid, on="account_id", how="left", maintain_order="left")
        .with_columns(
            unpaid_fen=pl.min_horizontal(
                pl.col("minimum_fen"),
                (pl.col("cumulative_fen") - pl.col("paid_fen").fill_null(0)).clip(lower_bound=0),
            )
        )
    )


def _check_input(frame: pl.DataFrame, *, name: str, date_col: str, amount_col: str) -> None:
    """Raise DelinquencyInputError for missing columns, wrong types, nulls or negative amounts."""
    missing = [column for column in ("account_id", date_col, amount_col) if column not in frame.columns]
    if missing:
        raise DelinquencyInputError(
            f"{name}: missing column(s) {', '.join(missing)}", f"{name}：缺少列 {', '.join(missing)}"
        )
    if frame.schema[date_col] != pl.Date:
        raise DelinquencyInputError(
            f"{name}, column {date_col}: expected Date, got {frame.schema[date_col]}",
            f"{name} 的 {date_col} 列应为日期类型，实际为 {frame.schema[date_col]}",
        )
    if not frame.schema[amount_col].is_integer():
        raise DelinquencyInputError(
            f"{name}, column {amount_col}: expected integer fen, got {frame.schema[amount_col]}",
            f"{name} 的 {amount_col} 列应为整数（分），实际为 {frame.schema[amount_col]}",
        )
    _check_values(frame, name=name, columns=("account_id", date_col, amount_col))


def _check_values(frame: pl.DataFrame, *, name: str, columns: tuple[str, str, str]) -> None:
    amount = pl.col(columns[2])
    problems = frame.select(
        nulls=pl.sum_horizontal(pl.col(column).null_count() for column in columns),
        negatives=(amount < 0).sum(),
        first_negative=pl.col("account_id").filter(amount < 0).first().cast(pl.String),
    ).row(0, named=True)
    if problems["nulls"]:
        raise DelinquencyInputError(
            f"{name}: {problems['nulls']} null value(s) in {', '.join(columns)}",
            f"{name}：{', '.join(columns)} 中有 {problems['nulls']} 个空值",
        )
    if problems["negatives"]:
        raise DelinquencyInputError(
            f"{name}, column {columns[2]}: {problems['negatives']} negative amount(s), "
            f"first for account {problems['first_negative']}",
            f"{name} 的 {columns[2]} 列有 {problems['negatives']} 个负数金额，"
            f"首个账户 {problems['first_negative']}",
        )


def with_bands(
    frame: FrameT,
    *,
    dpd_col: str = "dpd",
    buckets: BandTable = DEFAULT_BUCKETS,
    classes: BandTable = DEFAULT_CLASSES,
) -> FrameT:
    """Adds ``bucket`` and ``regulatory_class`` (String) from ``dpd_col``; null where DPD is null or negative.

    Works on a DataFrame or a LazyFrame and returns the same kind.
    """
    dpd = pl.col(dpd_col)
    return frame.with_columns(bucket=band_expr(dpd, buckets), regulatory_class=band_expr(dpd, classes))


def band_expr(dpd: pl.Expr, table: BandTable) -> pl.Expr:
    """An expression giving the code of the band of ``table`` that holds ``dpd``."""
    bands = table.bands
    expr = pl.lit(bands[-1].code, dtype=pl.String)
    for band, following in zip(reversed(bands[:-1]), reversed(bands[1:]), strict=True):
        expr = pl.when(dpd < following.min_dpd).then(pl.lit(band.code, dtype=pl.String)).otherwise(expr)
    return pl.when(dpd >= 0).then(expr).otherwise(pl.lit(None, dtype=pl.String))


def roll_rate_frame(
    before: pl.DataFrame, after: pl.DataFrame, *, table: BandTable = DEFAULT_BUCKETS
) -> pl.DataFrame:
    """from_bucket, to_bucket, accounts, share for the accounts present in both snapshots.

    ``before`` and ``after`` have account_id and bucket. Every pair of bands of ``table`` appears,
    in table order; share is accounts over the accounts that started in from_bucket (0.0 when none),
    so it matches ``rules.roll_rate_matrix``.
    """
    pairs = before.select("account_id", from_bucket=pl.col("bucket").cast(pl.String)).join(
        after.select("account_id", to_bucket=pl.col("bucket").cast(pl.String)), on="account_id", how="inner"
    )
    _check_codes(pairs, table)
    counts = pairs.group_by("from_bucket", "to_bucket").agg(accounts=pl.len().cast(pl.Int64))
    codes = pl.DataFrame({"code": table.codes, "rank": range(len(table.codes))})
    grid = codes.select(from_bucket="code", from_rank="rank").join(
        codes.select(to_bucket="code", to_rank="rank"), how="cross"
    )
    return (
        grid.join(counts, on=["from_bucket", "to_bucket"], how="left")
        .with_columns(accounts=pl.col("accounts").fill_null(0))
        .with_columns(row_total=pl.col("accounts").sum().over("from_bucket"))
        .with_columns(
            share=pl.when(pl.col("row_total") > 0)
            .then(pl.col("accounts") / pl.col("row_total"))
            .otherwise(0.0)
        )
        .sort("from_rank", "to_rank")
        .select("from_bucket", "to_bucket", "accounts", "share")
    )


def _check_codes(pairs: pl.DataFrame, table: BandTable) -> None:
    for column in ("from_bucket", "to_bucket"):
        unknown = sorted(set(pairs[column].unique().to_list()) - set(table.codes), key=str)
        if unknown:
            raise DelinquencyInputError(
                f"{column}: {unknown[0]!r} is not a band of the table (known: {', '.join(table.codes)})",
                f"{column}：{unknown[0]!r} 不在档位表中（可用：{', '.join(table.codes)}）",
            )
