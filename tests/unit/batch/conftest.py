"""Fixtures of the daily-run tests: a small model and a synthetic book."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arrears.batch.pipeline import Day
from arrears.batch.portfolio import read_portfolio
from arrears.batch.synth_portfolio import synth_portfolio
from arrears.compliance import load_policy
from arrears.imports.uci import bundled_path
from arrears.scoring.data import read_accounts
from arrears.scoring.model import load_model, save_model
from arrears.scoring.train import TrainingConfig, train
from arrears.strategy.load import load_strategy

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="session")
def model_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small model (2 folds, 3,000 accounts): the tests check the run, not the model."""
    accounts = read_accounts(bundled_path(), label=True).head(3_000)
    trained = train(
        accounts, TrainingConfig(folds=2, max_rounds=60, early_stopping_rounds=10, compare_protected=False)
    )
    directory = tmp_path_factory.mktemp("model")
    save_model(trained, directory, data_path=bundled_path())
    return directory


@pytest.fixture(scope="session")
def day(model_directory: Path) -> Day:
    return Day(load_strategy("default").strategy, load_model(model_directory), load_policy("cn"), AS_OF)


@pytest.fixture(scope="session")
def book_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("book") / "portfolio.parquet"
    synth_portfolio(path, accounts=3_000, seed=5, as_of=AS_OF)
    return path


@pytest.fixture(scope="session")
def book(book_path: Path) -> pl.DataFrame:
    return read_portfolio(book_path)
