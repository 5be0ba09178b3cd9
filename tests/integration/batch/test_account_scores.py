"""Store mode keeps each account's latest score with its reasons (``account_score``), on SQLite and
PostgreSQL: the model's output for every scored account, unchanged by a second run of the date,
replaced by a later date, not written by a run that fails."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl
import pytest
from sqlalchemy import Engine, select

from arrears.batch.run_day import RunInputs, run_day
from arrears.batch.store import RunRepository
from arrears.compliance import load_policy
from arrears.models import AccountScore, CardAccount, DelinquencySnapshot, table_of
from arrears.scoring.account_scores import AccountScoreRepository, latest_score
from arrears.scoring.model import ScoringModel
from arrears.scoring.store import store_accounts
from arrears.strategy.load import load_strategy

AS_OF = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, tzinfo=UTC)
REASON_COLUMNS = [f"reason_{rank}{suffix}" for rank in (1, 2, 3) for suffix in ("", "_zh", "_en")]


@pytest.fixture
def book_size() -> int:
    return 800


def run(engine: Engine, model: ScoringModel, when: date = AS_OF, version: str = "m1") -> Any:
    inputs = RunInputs(
        load_strategy("default"), model, version, load_policy("cn"), "Asia/Shanghai", lambda: NOW
    )
    return run_day(engine, when, inputs)


def stored(engine: Engine) -> pl.DataFrame:
    s = table_of(AccountScore)
    with engine.connect() as connection:
        rows = connection.execute(select(s).order_by(s.c.account_id)).all()
    return pl.DataFrame(rows, schema=[column.name for column in s.c], orient="row")


def expected(engine: Engine, model: ScoringModel, when: date) -> pl.DataFrame:
    """``ScoringModel.score`` over the accounts the run scored, from the same inputs (the store's book
    on the date in the model's layout), keyed by account id."""
    a, s = table_of(CardAccount), table_of(DelinquencySnapshot)
    with engine.connect() as connection:
        layout = store_accounts(connection, as_of=when)
        numbers = connection.execute(
            select(a.c.id, a.c.account_no).join(s, s.c.account_id == a.c.id).where(s.c.as_of_date == when)
        ).all()
    ids = pl.DataFrame(numbers, schema={"account_id": pl.Int64, "ID": pl.String}, orient="row")
    scores = model.score(layout.join(ids, on="ID", how="semi"))
    return (
        scores.join(ids, on="ID")
        .drop("ID")
        .with_columns(pl.col(pl.Enum).cast(pl.String), pl.col(pl.Int16).cast(pl.Int64))
        .sort("account_id")
    )


def assert_matches(rows: pl.DataFrame, model_scores: pl.DataFrame) -> None:
    assert rows["account_id"].to_list() == model_scores["account_id"].to_list()
    for column in ("score", "risk_tier", "willingness", "ability", *REASON_COLUMNS):
        assert rows[column].to_list() == model_scores[column].to_list(), column
    assert rows["p_default"].to_list() == model_scores["p_default"].to_list()


def test_every_scored_account_has_the_models_score_and_reasons(store: Engine, model: ScoringModel) -> None:
    result = run(store, model)

    rows = stored(store)
    model_scores = expected(store, model, AS_OF)
    assert rows.height == model_scores.height == result.report["accounts"] == 800
    assert_matches(rows, model_scores)
    assert set(rows["run_date"]) == {AS_OF} and set(rows["model_version"]) == {"m1"}
    assert rows["reason_1"].null_count() < rows.height  # the book has reasons to show
    # the case file's view of a few accounts
    with store.connect() as connection:
        for row in model_scores.head(3).iter_rows(named=True):
            found = latest_score(connection, row["account_id"])
            assert found is not None
            reasons = [
                {
                    "code": row[f"reason_{rank}"],
                    "zh": row[f"reason_{rank}_zh"],
                    "en": row[f"reason_{rank}_en"],
                }
                for rank in (1, 2, 3)
                if row[f"reason_{rank}"] is not None
            ]
            assert found == {
                "score": row["score"],
                "tier": row["risk_tier"],
                "p_default": row["p_default"],
                "willingness": row["willingness"],
                "ability": row["ability"],
                "run_date": AS_OF,
                "model_version": "m1",
                "reasons": reasons,
            }
        assert latest_score(connection, 10**9) is None


def test_a_second_run_changes_nothing_and_a_later_date_replaces_the_rows(
    store: Engine, model: ScoringModel
) -> None:
    run(store, model)
    first = stored(store)

    again = run(store, model)

    assert again.already_completed
    assert stored(store).equals(first)
    later = AS_OF + timedelta(days=1)
    run(store, model, later, version="m2")
    rows = stored(store)
    model_scores = expected(store, model, later)
    assert rows.height == model_scores.height == first.height  # one row per account, replaced
    assert_matches(rows, model_scores)
    assert set(rows["run_date"]) == {later} and set(rows["model_version"]) == {"m2"}


def test_a_run_that_fails_writes_no_scores_and_its_rerun_writes_them(
    store: Engine, model: ScoringModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: RunRepository, run_date: date, **_: Any) -> None:
        raise RuntimeError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(RunRepository, "complete", fail)  # after the actions and the scores are written
        with pytest.raises(RuntimeError, match="killed"):
            run(store, model)

    assert stored(store).is_empty()
    resumed = run(store, model)
    assert resumed.steps_run == ("decide",)
    assert_matches(stored(store), expected(store, model, AS_OF))


def test_writing_the_same_scores_again_changes_no_row(store: Engine, model: ScoringModel) -> None:
    run(store, model)
    rows = stored(store)

    with store.begin() as connection:
        repository = AccountScoreRepository(connection)
        unchanged = repository.replace(rows)
        changed = repository.replace(rows.head(2).with_columns(score=pl.col("score") + 1))

    assert (unchanged, changed) == (0, 2)
    assert stored(store)["score"].to_list() == [*(rows["score"].head(2) + 1), *rows["score"].slice(2)]
