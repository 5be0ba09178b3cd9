"""Use cases of the accounts domain. Services never commit: the edge owns the transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from sqlalchemy import Connection

from arrears.accounts.delinquency_frame import delinquency_frame, with_bands
from arrears.accounts.repository import DelinquencyRepository
from arrears.accounts.rules import DEFAULT_BUCKETS, DEFAULT_CLASSES, BandTable


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    as_of: date
    accounts: int
    written: int


def refresh_delinquency(
    connection: Connection,
    *,
    as_of: date,
    buckets: BandTable = DEFAULT_BUCKETS,
    classes: BandTable = DEFAULT_CLASSES,
) -> SnapshotResult:
    """Computes every account's DPD, bucket and class on ``as_of`` and stores the day's snapshot."""
    repository = DelinquencyRepository(connection)
    state = delinquency_frame(
        installments=repository.installments(), payments=repository.payments(as_of=as_of), as_of=as_of
    )
    frame = (
        repository.balances()
        .join(state, on="account_id", how="left")
        .with_columns(pl.col("dpd").fill_null(0), pl.col("overdue_fen").fill_null(0))
    )
    frame = with_bands(frame, buckets=buckets, classes=classes).sort("account_id")
    written = repository.save_snapshot(frame, as_of=as_of)
    return SnapshotResult(as_of=as_of, accounts=frame.height, written=written)


@dataclass(frozen=True, slots=True)
class BandTotals:
    accounts: int
    balance_fen: int
    overdue_fen: int


@dataclass(frozen=True, slots=True)
class PortfolioSummary:
    as_of: date | None
    buckets: dict[str, BandTotals]
    classes: dict[str, BandTotals]


def _totals(frame: pl.DataFrame, column: str, codes: tuple[str, ...]) -> dict[str, BandTotals]:
    grouped = frame.group_by(column).agg(pl.col("accounts", "balance_fen", "overdue_fen").sum())
    found = {row[column]: row for row in grouped.iter_rows(named=True)}
    return {
        code: BandTotals(
            accounts=int(found.get(code, {}).get("accounts", 0)),
            balance_fen=int(found.get(code, {}).get("balance_fen", 0)),
            overdue_fen=int(found.get(code, {}).get("overdue_fen", 0)),
        )
        for code in codes
    }


def portfolio_summary(
    connection: Connection,
    *,
    as_of: date | None,
    buckets: BandTable = DEFAULT_BUCKETS,
    classes: BandTable = DEFAULT_CLASSES,
) -> PortfolioSummary:
    """Accounts and balances by bucket and by regulatory class on ``as_of`` (default: latest snapshot)."""
    repository = DelinquencyRepository(connection)
    day = as_of or repository.latest_snapshot_date()
    frame = (
        repository.summary(as_of=day)
        if day
        else pl.DataFrame(
            schema={
                "bucket": pl.String,
                "regulatory_class": pl.String,
                "accounts": pl.Int64,
                "balance_fen": pl.Int64,
                "overdue_fen": pl.Int64,
            }
        )
    )
    return PortfolioSummary(
        as_of=day,
        buckets=_totals(frame, "bucket", buckets.codes),
        classes=_totals(frame, "regulatory_class", classes.codes),
    )
