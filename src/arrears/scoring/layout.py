"""The store's accounts in the input layout of the model (pure Polars, no database).

Month j = 1..6 is the calendar month ending at ``as_of`` shifted back j - 1 months:
- ``BILL_AMTj``: the j-th latest statement balance on or before ``as_of`` (0 without one);
- ``PAY_AMTj``: what was paid in month j;
- ``PAY_0``, ``PAY_2..6`` (the status of month j): k >= 1 when the account was k months late (DPD /
  30, rounded up, at most 8) at the end of month j; otherwise -1 when month j's payments covered the
  statement before it, -2 when there was nothing to pay and nothing was paid, and 0.
- ``LIMIT_BAL``, ``AGE`` (on ``as_of``), ``EDUCATION``, ``SEX``, ``MARRIAGE`` (0 when unknown).
Amounts are in yuan, as in the UCI file.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from arrears.accounts.delinquency_frame import delinquency_frame
from arrears.scoring.features import STATUS

MONTHS = 6
MAX_STATUS = 8


def month_ends(as_of: date) -> list[date]:
    """``as_of`` and the same day of the five months before it (clamped to the month's length)."""
    ends = []
    for back in range(MONTHS):
        month = as_of.month - back
        year = as_of.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        day = as_of.day
        while True:
            try:
                ends.append(date(year, month, day))
                break
            except ValueError:
                day -= 1
    return ends


def layout_frame(
    accounts: pl.DataFrame,
    statements: pl.DataFrame,
    payments: pl.DataFrame,
    installments: pl.DataFrame,
    settling: pl.DataFrame,
    *,
    as_of: date,
) -> pl.DataFrame:
    """One row per account in the model's input layout.

    ``accounts``: account_id, account_no, credit_limit_fen, birth_date, sex, education, marital_status.
    ``statements``: account_id, statement_date, balance_fen. ``payments``: account_id, paid_date,
    amount_fen (every payment). ``installments`` and ``settling``: the minimums due and the payments
    that settle them, as ``delinquency_frame`` takes them.
    """
    ends = month_ends(as_of)
    bills = (
        statements.filter(pl.col("statement_date") <= as_of)
        .sort("account_id", "statement_date", descending=[False, True])
        .group_by("account_id", maintain_order=True)
        .head(MONTHS)
        .with_columns(j=pl.int_range(1, pl.len() + 1).over("account_id"))
        .pivot(on="j", index="account_id", values="balance_fen")
    )
    frame = accounts.join(bills, on="account_id", how="left")
    for j in range(1, MONTHS + 1):
        column = str(j)
        value = pl.col(column) if column in frame.columns else pl.lit(0)
        frame = frame.with_columns((value.fill_null(0) / 100).alias(f"BILL_AMT{j}"))
    for j, end in enumerate(ends, start=1):
        start = ends[j] if j < MONTHS else _previous(end)
        paid = payments.filter((pl.col("paid_date") > start) & (pl.col("paid_date") <= end))
        total = paid.group_by("account_id").agg((pl.col("amount_fen").sum() / 100).alias(f"PAY_AMT{j}"))
        frame = frame.join(total, on="account_id", how="left").with_columns(
            pl.col(f"PAY_AMT{j}").fill_null(0.0)
        )
        state = delinquency_frame(installments=installments, payments=settling, as_of=end)
        frame = frame.join(
            state.select("account_id", pl.col("dpd").alias(f"_dpd{j}")), on="account_id", how="left"
        )
    return frame.select(
        pl.col("account_no").alias("ID"),
        (pl.col("credit_limit_fen") / 100).alias("LIMIT_BAL"),
        _age(as_of).alias("AGE"),
        pl.col("education").fill_null(0).cast(pl.Float64).alias("EDUCATION"),
        pl.col("sex").fill_null(0).cast(pl.Float64).alias("SEX"),
        pl.col("marital_status").fill_null(0).cast(pl.Float64).alias("MARRIAGE"),
        *(_status(j).alias(STATUS[j - 1]) for j in range(1, MONTHS + 1)),
        *(pl.col(f"BILL_AMT{j}") for j in range(1, MONTHS + 1)),
        *(pl.col(f"PAY_AMT{j}") for j in range(1, MONTHS + 1)),
    )


def _previous(end: date) -> date:
    return month_ends(end)[1]


def _age(as_of: date) -> pl.Expr:
    born = pl.col("birth_date")
    had_birthday = (born.dt.month() < as_of.month) | (
        (born.dt.month() == as_of.month) & (born.dt.day() <= as_of.day)
    )
    years = pl.lit(as_of.year) - born.dt.year() - pl.when(had_birthday).then(0).otherwise(1)
    return years.fill_null(0).cast(pl.Float64)


def _status(j: int) -> pl.Expr:
    dpd = pl.col(f"_dpd{j}").fill_null(0)
    late = ((dpd + 29) // 30).clip(upper_bound=MAX_STATUS)
    previous_bill = pl.col(f"BILL_AMT{j + 1}") if j < MONTHS else pl.lit(0.0)
    paid = pl.col(f"PAY_AMT{j}")
    nothing_due = (pl.col(f"BILL_AMT{j}") <= 0) & (paid == 0)
    paid_in_full = (previous_bill > 0) & (paid >= previous_bill)
    calm = pl.when(nothing_due).then(-2).when(paid_in_full).then(-1).otherwise(0)
    return pl.when(dpd > 0).then(late).otherwise(calm).cast(pl.Float64)
