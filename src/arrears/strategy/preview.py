"""What a strategy would do to the book, before anything is sent: accounts and balance per segment,
arm and treatment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
from sqlalchemy import Connection

from arrears.kit.errors import NotFound
from arrears.strategy.repository import BookRepository, book
from arrears.strategy.schema import Strategy
from arrears.strategy.segment import needed_columns, segment

NO_SEGMENT = "-"


def summary(segmented: pl.DataFrame, strategy: Strategy, *, locale: str = "zh_CN") -> pl.DataFrame:
    """segment, label, arm, treatment, accounts, balance_fen, escalated; in the strategy's order,
    then the accounts that fall in no segment."""
    english = not locale.startswith("zh")
    order = {one.id: index for index, one in enumerate(strategy.segments)}
    labels = {one.id: one.label.en if english else one.label.zh for one in strategy.segments}
    outside = "no segment" if english else "未分群"
    grouped = segmented.group_by("segment", "arm", "treatment").agg(
        accounts=pl.len(), balance_fen=pl.col("balance_fen").sum(), escalated=pl.col("escalated").sum()
    )
    return (
        grouped.with_columns(
            label=pl.col("segment").replace_strict(labels, default=outside),
            _order=pl.col("segment").replace_strict(order, default=len(order), return_dtype=pl.Int64),
        )
        .sort("_order", "arm", "treatment", nulls_last=True)
        .select(
            pl.col("segment").fill_null(NO_SEGMENT),
            "label",
            pl.col("arm").fill_null(NO_SEGMENT),
            pl.col("treatment").fill_null(NO_SEGMENT),
            "accounts",
            "balance_fen",
            "escalated",
        )
    )


def preview_book(
    connection: Connection, strategy: Strategy, *, as_of: date | None, model_directory: Path | None
) -> tuple[date, pl.DataFrame]:
    """The book on ``as_of`` (default: the latest delinquency snapshot), segmented. When the strategy's
    conditions use the score (score, risk tier, ability), they come from the model given, else from the
    latest daily run's stored scores (an account never scored meets no condition on them)."""
    day = as_of or BookRepository(connection).latest_snapshot_date()
    if day is None:
        raise NotFound("the store holds no delinquency snapshot: import an extract first", "库中没有逾期快照")
    accounts = book(connection, as_of=day)
    if accounts.is_empty():
        raise NotFound(f"no delinquency snapshot on {day}", f"{day} 没有逾期快照")
    needed = needed_columns(strategy)
    if needed & {"score", "risk_tier", "ability"}:
        if model_directory is None:
            stored = BookRepository(connection).stored_scores()
            accounts = accounts.join(stored, on="account_id", how="left")
        else:
            accounts = accounts.join(_scores(connection, day, model_directory), on="account_no", how="left")
    return day, segment(accounts, strategy=strategy)


def _scores(connection: Connection, day: date, model_directory: Path) -> pl.DataFrame:
    from arrears.scoring.model import load_model
    from arrears.scoring.store import store_accounts

    scored = load_model(model_directory).score(store_accounts(connection, as_of=day))
    return scored.select(pl.col("ID").alias("account_no"), "score", "risk_tier", "ability")
