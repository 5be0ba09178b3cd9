"""File mode on both engines: Spark (mapInArrow on local[*]) gives exactly the rows of the local run."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from arrears.batch.run_file import REPORT, run_file
from arrears.batch.synth_portfolio import synth_portfolio
from arrears.compliance import load_policy
from arrears.imports.uci import bundled_path
from arrears.scoring.data import read_accounts
from arrears.scoring.model import save_model
from arrears.scoring.train import TrainingConfig, train
from arrears.strategy.load import load_strategy

AS_OF = date(2026, 11, 23)


@pytest.mark.spark
@pytest.mark.slow
def test_spark_and_local_engines_give_identical_outputs(tmp_path: Path) -> None:
    accounts = read_accounts(bundled_path(), label=True).head(3_000)
    config = TrainingConfig(folds=2, max_rounds=60, early_stopping_rounds=10, compare_protected=False)
    save_model(train(accounts, config), tmp_path / "model", data_path=bundled_path())
    synth_portfolio(tmp_path / "book.parquet", accounts=20_000, seed=8, as_of=AS_OF)
    runs = {}
    for engine in ("local", "spark"):
        out = tmp_path / engine
        runs[engine] = run_file(
            tmp_path / "book.parquet",
            strategy=load_strategy("default").strategy,
            model_directory=tmp_path / "model",
            policy=load_policy("cn"),
            as_of=AS_OF,
            out=out,
            engine=engine,
        )
        assert (out / REPORT).is_file()
    assert runs["local"].report == runs["spark"].report
    for stem, frame in runs["local"].frames.items():
        assert frame.height > 0, stem
        assert frame.equals(runs["spark"].frames[stem]), stem
        assert pl.read_parquet(tmp_path / "spark" / f"{stem}.parquet").equals(frame)
