"""The portfolio file: the synthetic book is valid and deterministic; bad files name row and column."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from arrears.batch.portfolio import (
    PORTFOLIO_SCHEMA,
    PortfolioError,
    check_portfolio,
    portfolio_partitions,
    read_portfolio,
)
from arrears.batch.synth_portfolio import synth_portfolio
from conftest import AS_OF


def test_the_synthetic_book_is_deterministic_and_does_not_depend_on_chunks(tmp_path: Path) -> None:
    synth_portfolio(tmp_path / "a.parquet", accounts=5_000, seed=9, as_of=AS_OF)
    synth_portfolio(tmp_path / "b.parquet", accounts=5_000, seed=9, as_of=AS_OF, chunk_rows=1_234)
    a, b = read_portfolio(tmp_path / "a.parquet"), read_portfolio(tmp_path / "b.parquet")
    assert a.equals(b)
    assert a.schema == pl.Schema(PORTFOLIO_SCHEMA)
    assert (a["dpd"] >= 1).all() and a["account_id"].is_unique().all()
    # the UCI mix: most delinquent accounts are one or two months late
    assert 0.6 < (a["dpd"] <= 60).mean() < 0.99  # type: ignore[operator]


def test_a_bad_file_is_refused_naming_row_and_column(book: pl.DataFrame) -> None:
    broken = book.with_columns(dpd=pl.when(pl.int_range(pl.len()) == 41).then(-3).otherwise(pl.col("dpd")))
    with pytest.raises(PortfolioError, match=r"book.parquet: row 42, column dpd"):
        check_portfolio(broken, "book.parquet")
    with pytest.raises(PortfolioError, match="missing columns zones"):
        check_portfolio(book.drop("zones"), "book.parquet")
    twice = pl.concat([book.head(2), book.head(1)])
    with pytest.raises(PortfolioError, match="row 1, column account_id: repeats"):
        check_portfolio(twice, "book.parquet")


def test_partitions_keep_customers_whole_and_count_rows_across_batches(
    book: pl.DataFrame, tmp_path: Path
) -> None:
    # accounts 0 and 2,999 belong to one customer, far apart in the file
    together = book.with_columns(
        customer_id=pl.when(pl.int_range(pl.len()) == 2_999)
        .then(pl.lit(book["customer_id"][0]))
        .otherwise("customer_id")
    )
    together.write_parquet(tmp_path / "book.parquet")
    parts = list(portfolio_partitions(tmp_path / "book.parquet", 1_000))
    assert sum(part.height for part in parts) == book.height
    owners = [set(part["customer_id"]) for part in parts]
    assert sum(book["customer_id"][0] in found for found in owners) == 1
    assert parts[-1]["account_id"].to_list() == [book["account_id"][0], book["account_id"][2_999]]
    broken = book.with_columns(
        balance_fen=pl.when(pl.int_range(pl.len()) == 2_500).then(-1).otherwise("balance_fen")
    )
    broken.write_parquet(tmp_path / "broken.parquet")
    with pytest.raises(PortfolioError, match="row 2,501, column balance_fen"):
        list(portfolio_partitions(tmp_path / "broken.parquet", 1_000))


def test_a_file_of_before_the_email_column_is_read_as_without_email(
    book: pl.DataFrame, tmp_path: Path
) -> None:
    """Backward compatible: a portfolio written without ``email_point`` runs, its accounts get no e-mail."""
    book.drop("email_point").write_parquet(tmp_path / "old.parquet")
    read = read_portfolio(tmp_path / "old.parquet")
    assert read.schema == pl.Schema(PORTFOLIO_SCHEMA)
    assert read["email_point"].null_count() == book.height
    assert read.drop("email_point").equals(book.drop("email_point"))


def test_the_synthetic_book_has_email_addresses_and_opt_outs_of_every_digital_channel(
    book: pl.DataFrame,
) -> None:
    assert 0.75 < book["email_point"].is_not_null().mean() < 0.85  # type: ignore[operator]
    opted = set(book["opted_out_points"].explode().drop_nulls())
    assert opted == {"m1", "e1", "push"}
    # an e-mail opt-out only where there is an e-mail address
    mailed_out = book.filter(pl.col("opted_out_points").list.contains("e1"))
    assert mailed_out["email_point"].is_not_null().all()
