"""The scoring step: store mode's scoring with reasons gives file mode's numbers, and the model's output."""

from __future__ import annotations

from datetime import date

import polars as pl
from polars.testing import assert_frame_equal

from arrears.batch.pipeline import Day, prepare, prepare_scored
from arrears.batch.steps.score import score, score_rows, score_with_reasons


def _sorted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.sort(frame.columns, nulls_last=True)


def test_scoring_with_reasons_adds_the_same_columns_as_scoring(book: pl.DataFrame, day: Day) -> None:
    scored, _ = score_with_reasons(book, model=day.model)

    assert_frame_equal(scored, score(book, model=day.model, ability=True))  # the same ability, to the point
    assert "ability" not in score(book, model=day.model).columns  # only when a strategy segments by it
    # the prepared rows come from group-bys, in no set order
    assert_frame_equal(_sorted(prepare_scored(scored, day)), _sorted(prepare(book, day)))


def test_the_scores_are_the_models_output_per_account(book: pl.DataFrame, day: Day) -> None:
    _, scores = score_with_reasons(book, model=day.model)

    expected = day.model.score(book.with_columns(ID=pl.col("account_id")))
    assert_frame_equal(scores, expected.rename({"ID": "account_id"}))
    assert scores["reason_1"].null_count() < scores.height  # the book has reasons to show


def test_score_rows_have_the_tables_columns_in_plain_types(book: pl.DataFrame, day: Day) -> None:
    _, scores = score_with_reasons(book.head(5).with_columns(account_id=pl.Series(["1", "2", "3", "4", "5"])),
                                   model=day.model)  # fmt: skip

    rows = score_rows(scores, run_date=date(2026, 11, 23), model_version="m1")

    assert rows["account_id"].to_list() == [1, 2, 3, 4, 5]
    assert set(rows["run_date"]) == {date(2026, 11, 23)} and set(rows["model_version"]) == {"m1"}
    assert rows["score"].to_list() == scores["score"].cast(pl.Int64).to_list()
    assert rows["reason_1_en"].to_list() == scores["reason_1_en"].cast(pl.String).to_list()
    assert {dtype for dtype in rows.schema.values()} <= {pl.Int64, pl.Float64, pl.String, pl.Date}
