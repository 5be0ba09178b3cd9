"""A small model trained once on the bundled UCI file: exact reasons, scoring output, card, clear errors."""

from __future__ import annotations

import json
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from arrears.imports.problems import Problem
from arrears.imports.uci import bundled_path
from arrears.scoring.calibration import Calibrator
from arrears.scoring.compiled import NotDecomposable, split_thresholds
from arrears.scoring.data import LABEL, DataRejected, iter_accounts, read_accounts
from arrears.scoring.features import ABILITY, BY_NAME, DEFAULT_FEATURES, HUB, WILLINGNESS, feature_frame
from arrears.scoring.model import (
    FORMAT,
    FORMAT_VERSION,
    ModelDirectoryError,
    ScoringModel,
    load_model,
    points,
    save_model,
)
from arrears.scoring.train import TrainedModel, TrainingConfig, train

Floats = npt.NDArray[np.float64]
TRAINING_ROWS = 6_000
REASON_RANKS = (1, 2, 3)
OUTPUT_COLUMNS = [
    "ID",
    "p_default",
    "score",
    "risk_tier",
    "willingness",
    "ability",
    *(f"reason_{rank}{suffix}" for rank in REASON_RANKS for suffix in ("", "_zh", "_en")),
]


@dataclass(frozen=True)
class Fitted:
    everything: pl.DataFrame  # the whole bundled file, checked
    accounts: pl.DataFrame  # the first TRAINING_ROWS, trained on
    trained: TrainedModel
    saved: ScoringModel  # as save_model returned it
    model: ScoringModel  # as load_model read it back
    directory: Path


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Fitted:
    everything = read_accounts(bundled_path(), label=True)
    accounts = everything.head(TRAINING_ROWS)
    config = TrainingConfig(folds=3, max_rounds=300, early_stopping_rounds=30, compare_protected=False)
    trained = train(accounts, config)
    directory = tmp_path_factory.mktemp("model")
    saved = save_model(trained, directory, data_path=bundled_path())
    return Fitted(everything, accounts, trained, saved, load_model(directory), directory)


def _matrix(model: ScoringModel, accounts: pl.DataFrame) -> Floats:
    return feature_frame(accounts, model.features).to_numpy()


def _booster_numbers(booster: lgb.Booster, matrix: Floats) -> tuple[Floats, Floats]:
    raw = np.asarray(booster.predict(matrix, raw_score=True), dtype=np.float64)
    contributions = np.asarray(booster.predict(matrix, pred_contrib=True), dtype=np.float64)
    return raw, contributions


def _assert_faithful(model: ScoringModel, matrix: Floats) -> None:
    """The compiled tables give LightGBM's own raw score and pred_contrib, to 1e-9."""
    raw, contributions, hub = model.compiled.evaluate(matrix)
    expected_raw, expected = _booster_numbers(model.booster(), matrix)
    features = list(model.features)
    assert expected.shape == (matrix.shape[0], len(features) + 1)
    np.testing.assert_allclose(raw, expected_raw, rtol=0, atol=1e-9)
    assert contributions.shape == (matrix.shape[0], len(features) - len(HUB))
    for j, name in enumerate(model.compiled.others):
        np.testing.assert_allclose(
            contributions[:, j], expected[:, features.index(name)], rtol=0, atol=1e-9, err_msg=name
        )
    hub_columns = [features.index(name) for name in HUB]
    np.testing.assert_allclose(hub, expected[:, hub_columns].sum(axis=1), rtol=0, atol=1e-9)
    np.testing.assert_allclose(expected[:, -1], model.compiled.bias, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.compiled.bias + hub + contributions.sum(axis=1), raw, rtol=0, atol=1e-9)


# --- faithful reasons ------------------------------------------------------------------------------


def test_model_uses_the_default_features(fitted: Fitted) -> None:
    assert fitted.model.features == DEFAULT_FEATURES
    assert fitted.model.compiled.hub == HUB
    assert fitted.model.compiled.others == tuple(n for n in DEFAULT_FEATURES if n not in HUB)


def test_compiled_tables_reproduce_lightgbm_on_the_training_rows(fitted: Fitted) -> None:
    _assert_faithful(fitted.model, _matrix(fitted.model, fitted.accounts))


def test_compiled_tables_reproduce_lightgbm_on_unseen_rows(fitted: Fitted) -> None:
    _assert_faithful(fitted.model, _matrix(fitted.model, fitted.everything.slice(TRAINING_ROWS, 6_000)))


def test_compiled_tables_reproduce_lightgbm_on_and_beside_every_threshold(fitted: Fitted) -> None:
    """Values exactly on a split threshold go left, as in LightGBM; just above it, right.

    The +-1e-35 thresholds LightGBM places around zero are left out: LightGBM reads any value that
    close to zero as zero (see compiled._representatives), so only zero itself is checked there.
    """
    model = fitted.model
    rng = np.random.default_rng(3)
    base = _matrix(model, fitted.everything.slice(TRAINING_ROWS, 2_000))
    for column, thresholds in enumerate(model.compiled.thresholds):
        usable = thresholds[np.abs(thresholds) > 1e-30]
        candidates = np.concatenate(
            [usable, np.nextafter(usable, np.inf), np.nextafter(usable, -np.inf), [0]]
        )
        base[:, column] = rng.choice(candidates, size=base.shape[0])
    _assert_faithful(model, base)


def test_split_thresholds_of_the_booster_are_the_compiled_ones(fitted: Fitted) -> None:
    found = split_thresholds(fitted.model.booster(), fitted.model.features, HUB)
    assert len(found) == len(fitted.model.compiled.thresholds)
    for mine, theirs in zip(found, fitted.model.compiled.thresholds, strict=True):
        np.testing.assert_array_equal(mine, theirs)


def test_loaded_tables_equal_the_trained_ones(fitted: Fitted) -> None:
    trained, loaded = fitted.trained.compiled, fitted.model.compiled
    assert loaded.features == trained.features and loaded.hub == trained.hub
    assert loaded.bias == trained.bias
    np.testing.assert_array_equal(loaded.base_raw, trained.base_raw)
    for pair in (
        *zip(loaded.thresholds, trained.thresholds, strict=True),
        *zip(loaded.raw_tables, trained.raw_tables, strict=True),
        *zip(loaded.contribution_tables, trained.contribution_tables, strict=True),
    ):
        np.testing.assert_array_equal(*pair)
    assert fitted.model.calibrator == fitted.trained.calibrator


def test_unconstrained_booster_is_not_decomposable(fitted: Fitted) -> None:
    matrix = feature_frame(fitted.accounts, DEFAULT_FEATURES).to_numpy()
    outcome = fitted.accounts[LABEL].to_numpy()
    booster = lgb.train(
        {"objective": "binary", "verbose": -1, "seed": 1}, lgb.Dataset(matrix, outcome), num_boost_round=50
    )
    with pytest.raises(NotDecomposable, match="combines"):
        split_thresholds(booster, DEFAULT_FEATURES, HUB)


# --- scoring output --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def scored(fitted: Fitted) -> pl.DataFrame:
    return fitted.model.score(fitted.accounts)


def test_output_columns(fitted: Fitted, scored: pl.DataFrame) -> None:
    assert scored.columns == OUTPUT_COLUMNS
    assert scored.height == TRAINING_ROWS
    assert scored["ID"].to_list() == fitted.accounts["ID"].to_list()
    assert scored["risk_tier"].dtype == pl.Enum(["A", "B", "C", "D", "E"])


def test_p_default_is_a_probability(scored: pl.DataFrame) -> None:
    p = scored["p_default"].to_numpy()
    assert scored["p_default"].null_count() == 0
    assert np.all(p > 0.0) and np.all(p < 1.0)


def test_p_default_is_the_calibrated_raw_score(fitted: Fitted, scored: pl.DataFrame) -> None:
    raw = np.asarray(fitted.model.booster().predict(_matrix(fitted.model, fitted.accounts), raw_score=True))
    np.testing.assert_allclose(scored["p_default"].to_numpy(), fitted.model.calibrator.apply(raw), atol=1e-12)


def test_score_is_in_range_and_falls_as_p_rises(fitted: Fitted, scored: pl.DataFrame) -> None:
    p = scored["p_default"].to_numpy()
    score = scored["score"].to_numpy()
    assert score.min() >= 0 and score.max() <= 1000
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(score[order]) <= 0), "a higher p_default has a higher score"
    ties = scored.group_by("p_default").agg(pl.col("score").n_unique().alias("scores"))
    assert ties["scores"].max() == 1, "equal p_default, different scores"
    expected = np.rint(points(p, fitted.model.card["scale"]))
    np.testing.assert_array_equal(score, expected)


def test_risk_tiers_follow_the_card(fitted: Fitted, scored: pl.DataFrame) -> None:
    tiers = fitted.model.card["tiers"]
    assert [tier["tier"] for tier in tiers] == ["A", "B", "C", "D", "E"]
    minimums = [float(tier["min_score"]) for tier in tiers]
    assert minimums == sorted(minimums, reverse=True) and minimums[-1] == 0.0
    found = scored["risk_tier"].cast(pl.String).to_list()
    by_score = [
        next(tier["tier"] for tier in tiers if score >= tier["min_score"]) for score in scored["score"]
    ]
    by_p = [next(tier["tier"] for tier in tiers if p <= tier["max_p_default"]) for p in scored["p_default"]]
    assert found == by_score
    assert found == by_p
    assert len(set(found)) >= 3  # the sample is spread over several tiers


def _constant_p_model(model: ScoringModel, p: float) -> ScoringModel:
    """The model with a calibration that gives every account the probability ``p``."""
    return ScoringModel(
        model.card,
        model.compiled,
        Calibrator("platt", slope=0.0, intercept=math.log(p / (1 - p))),
        model.directory,
    )


def test_tier_agrees_with_the_shown_score_at_a_cut_point(fitted: Fitted) -> None:
    # 599.7 points: odds 19 * 2 ** (-0.3 / 50), p = 1 / (1 + odds), a little above A's 0.05
    p = 1.0 / (1.0 + 19.0 * 2.0 ** (-0.3 / 50.0))
    out = _constant_p_model(fitted.model, p).score(fitted.accounts.head(1))
    tiers = fitted.model.card["tiers"]
    shown = int(out["score"][0])
    assert shown == 600
    expected = next(tier["tier"] for tier in tiers if shown >= tier["min_score"])
    assert out["risk_tier"].cast(pl.String)[0] == expected


def test_reasons_are_positive_contributions_in_order(fitted: Fitted, scored: pl.DataFrame) -> None:
    model = fitted.model
    contributions = model.score_matrix(_matrix(model, fitted.accounts))["contributions"]
    reasons = model.reason_codes()
    column = {code: i for i, (code, _, _) in enumerate(reasons)}
    rows = np.arange(scored.height)
    previous: Floats | None = None
    for rank in REASON_RANKS:
        codes = scored[f"reason_{rank}"].cast(pl.String).to_list()
        present = np.array([code is not None for code in codes])
        index = np.array([column[code] if code is not None else 0 for code in codes])
        value = np.where(present, contributions[rows, index], -np.inf)
        assert np.all(value[present] > 0), f"reason_{rank} with a contribution <= 0"
        if previous is not None:
            assert np.all(value <= previous), f"reason_{rank} contributes more than reason_{rank - 1}"
            assert not np.any(present & np.isneginf(previous)), f"reason_{rank} without reason_{rank - 1}"
        previous = value
    # reason_1 is the largest contribution; it is missing only when nothing raises the risk
    largest = contributions.max(axis=1)
    first = scored["reason_1"].cast(pl.String).to_list()
    for row in np.flatnonzero(largest > 0):
        assert contributions[row, column[first[row]]] == largest[row]
    assert all(first[row] is None for row in np.flatnonzero(largest <= 0))
    assert scored["reason_1"].null_count() < scored.height // 10


def test_reason_texts_match_their_codes(fitted: Fitted, scored: pl.DataFrame) -> None:
    texts = {code: (zh, en) for code, zh, en in fitted.model.reason_codes()}
    assert set(texts) == {"recent_status", *fitted.model.compiled.others}
    for rank in REASON_RANKS:
        trio = scored.select(
            pl.col(f"reason_{rank}{suffix}").cast(pl.String) for suffix in ("", "_zh", "_en")
        ).unique()
        for code, zh, en in trio.iter_rows():
            if code is None:
                assert zh is None and en is None
            else:
                assert (zh, en) == texts[code]
                if code != "recent_status":
                    assert (zh, en) == (BY_NAME[code].reason_zh, BY_NAME[code].reason_en)


def test_willingness_and_ability_split_the_raw_score(fitted: Fitted, scored: pl.DataFrame) -> None:
    model = fitted.model
    assert {BY_NAME[name].group for name in model.features} == {WILLINGNESS, ABILITY}
    result = model.score_matrix(_matrix(model, fitted.accounts))
    factor = model.card["scale"]["points_to_double_odds"] / math.log(2)
    total = -factor * (result["raw"] - model.compiled.bias)
    parts = scored["willingness"].to_numpy().astype(np.float64) + scored["ability"].to_numpy()
    assert np.all(np.abs(parts - total) <= 1.0 + 1e-9)  # two roundings of half a point at most


def test_saved_and_loaded_models_score_alike(fitted: Fitted, scored: pl.DataFrame) -> None:
    assert fitted.saved.score(fitted.accounts).equals(scored)


def test_score_of_no_accounts(fitted: Fitted) -> None:
    out = fitted.model.score(fitted.accounts.clear())
    assert out.columns == OUTPUT_COLUMNS
    assert out.height == 0


# --- the model card --------------------------------------------------------------------------------


def _card(fitted: Fitted) -> dict[str, Any]:
    card = json.loads((fitted.directory / "card.json").read_text())
    assert isinstance(card, dict)
    return card


def test_model_directory_files(fitted: Fitted) -> None:
    names = {path.name for path in fitted.directory.iterdir()}
    assert {"booster.txt", "tables.npz", "card.json", "card.md", "drift_reference.json"} <= names


def test_card_json(fitted: Fitted) -> None:
    card = _card(fitted)
    assert card["format"] == FORMAT == "arrears-model"
    assert card["format_version"] == FORMAT_VERSION == 1
    assert card == fitted.model.card
    for name in ("auc", "ks", "brier", "ece"):
        metric = card["cv"][name]
        assert isinstance(metric["mean"], float) and isinstance(metric["std"], float), name
        assert len(metric["folds"]) == 3
        assert metric["mean"] == pytest.approx(float(np.mean(metric["folds"])))
        assert metric["std"] >= 0
    assert 0.65 < card["cv"]["auc"]["mean"] < 0.9
    assert 0 < card["cv"]["ece"]["mean"] < 0.1
    groups = card["groups"]
    assert [row["group"] for row in groups["sex"]] == ["male", "female"]
    assert [row["group"] for row in groups["age_band"]] == ["<30", "30-39", "40-49", "50+"]
    assert sum(row["accounts"] for row in groups["sex"]) == TRAINING_ROWS
    assert sum(row["accounts"] for row in groups["age_band"]) == TRAINING_ROWS
    assert [tier["tier"] for tier in card["tiers"]] == ["A", "B", "C", "D", "E"]
    assert card["data"]["rows"] == TRAINING_ROWS
    assert card["data"]["file"] == "train.csv"
    assert [feature["name"] for feature in card["features"]] == list(DEFAULT_FEATURES)
    assert card["hub"] == list(HUB)
    assert card["protected_attributes"]["used"] == []


def test_card_markdown_mentions_the_auc(fitted: Fitted) -> None:
    text = (fitted.directory / "card.md").read_text()
    auc = _card(fitted)["cv"]["auc"]
    assert text.startswith("# Model card: ")
    assert f"| AUC | {auc['mean']:.4f} | {auc['std']:.4f} |" in text


# --- clear errors for a bad model directory -------------------------------------------------------


def _copy(fitted: Fitted, tmp_path: Path) -> Path:
    directory = tmp_path / "copy"
    shutil.copytree(fitted.directory, directory)
    return directory


def _edit_card(directory: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    path = directory / "card.json"
    card = json.loads(path.read_text())
    edit(card)
    path.write_text(json.dumps(card))


def test_copied_directory_loads(fitted: Fitted, tmp_path: Path) -> None:
    assert load_model(_copy(fitted, tmp_path)).card == fitted.model.card


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelDirectoryError, match="is not a model directory") as caught:
        load_model(tmp_path / "nowhere")
    assert "nowhere" in str(caught.value)


def test_directory_without_card(tmp_path: Path) -> None:
    with pytest.raises(ModelDirectoryError, match=r"card\.json is missing"):
        load_model(tmp_path)


def test_card_that_is_not_json(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    (directory / "card.json").write_text("{not json")
    with pytest.raises(ModelDirectoryError, match="is not valid JSON"):
        load_model(directory)


def test_card_without_tiers(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.pop("tiers"))
    with pytest.raises(ModelDirectoryError, match="missing field tiers") as caught:
        load_model(directory)
    assert "tiers" in caught.value.message_zh


def test_card_of_another_format_version(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(format_version=99))
    with pytest.raises(ModelDirectoryError) as caught:
        load_model(directory)
    message = str(caught.value)
    assert "arrears-model version 99" in message  # found
    assert f"reads arrears-model version {FORMAT_VERSION}" in message  # read


def test_card_of_another_format(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(format="someone-else"))
    with pytest.raises(ModelDirectoryError, match="format someone-else version 1"):
        load_model(directory)


def test_missing_tables(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    (directory / "tables.npz").unlink()
    with pytest.raises(ModelDirectoryError, match=r"tables\.npz"):
        load_model(directory)


def test_bad_calibration_in_the_card(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(calibration={"method": "beta"}))
    with pytest.raises(ModelDirectoryError, match="unknown method 'beta'"):
        load_model(directory)


def test_card_features_that_do_not_match_the_tables(fitted: Fitted, tmp_path: Path) -> None:
    directory = _copy(fitted, tmp_path)
    _edit_card(directory, lambda card: card.update(features=card["features"][:-1]))
    with pytest.raises(ModelDirectoryError, match=r"does not match card\.json's features"):
        load_model(directory)


# --- clear errors for a bad account file ----------------------------------------------------------


def _raw_rows(rows: int = 10) -> pl.DataFrame:
    """The first rows of the bundled file, every column as text (as it is in the CSV)."""
    return pl.read_csv(bundled_path(), infer_schema=False, n_rows=rows)


def _with_text(frame: pl.DataFrame, index: int, column: str, text: str) -> pl.DataFrame:
    values = frame[column].to_list()
    values[index] = text
    return frame.with_columns(pl.Series(column, values, dtype=pl.String))


def test_good_files_are_read_as_numbers(tmp_path: Path) -> None:
    frame = _raw_rows()
    frame.write_csv(tmp_path / "good.csv")
    frame.write_parquet(tmp_path / "good.parquet")
    from_csv = read_accounts(tmp_path / "good.csv", label=True)
    from_parquet = read_accounts(tmp_path / "good.parquet", label=True)
    assert from_csv.equals(from_parquet)
    assert from_csv.height == 10
    assert from_csv.schema["ID"] == pl.String
    assert from_csv.schema["BILL_AMT3"] == pl.Float64
    assert from_csv.schema[LABEL] == pl.Int8


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_missing_column_is_named(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"accounts.{suffix}"
    frame = _raw_rows().drop("LIMIT_BAL")
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path)
    message = str(caught.value)
    assert f"accounts.{suffix} row 1, column LIMIT_BAL: required column is missing" in message
    assert caught.value.problems == [
        Problem(f"accounts.{suffix}", 1, "LIMIT_BAL", "required column is missing")
    ]
    assert "LIMIT_BAL" in caught.value.message_zh


def test_missing_label_column_is_named_when_the_label_is_needed(tmp_path: Path) -> None:
    path = tmp_path / "accounts.csv"
    _raw_rows().drop("default_payment_next_month").write_csv(path)
    assert read_accounts(path).height == 10  # not needed for scoring
    with pytest.raises(DataRejected, match="column default_payment_next_month: required column is missing"):
        read_accounts(path, label=True)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_text_in_a_number_column_is_named_with_its_row(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bad.{suffix}"
    frame = _with_text(_raw_rows(), 4, "BILL_AMT3", "abc")  # the fifth account: spreadsheet row 6
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path)
    message = str(caught.value)
    assert message.startswith("1 problem in the account file:")
    assert f'bad.{suffix} row 6, column BILL_AMT3: "abc" is not a number' in message
    assert caught.value.problems == [Problem(f"bad.{suffix}", 6, "BILL_AMT3", '"abc" is not a number')]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_rows_are_counted_across_batches(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"bad.{suffix}"
    frame = _with_text(_raw_rows(), 7, "PAY_AMT1", "12,5")  # the eighth account: row 9
    frame.write_csv(path) if suffix == "csv" else frame.write_parquet(path)
    batches = iter_accounts(path, batch_rows=3)
    assert next(batches).height == 3
    assert next(batches).height == 3
    with pytest.raises(DataRejected, match=rf'bad\.{suffix} row 9, column PAY_AMT1: "12,5" is not a number'):
        next(batches)


def test_empty_cells_and_bad_labels(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    frame = _with_text(_raw_rows(), 1, "default_payment_next_month", "2")
    frame = frame.with_columns(
        pl.when(pl.int_range(pl.len()) == 2).then(None).otherwise(pl.col("AGE")).alias("AGE")
    )
    frame.write_csv(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path, label=True)
    assert caught.value.problems == [
        Problem("bad.csv", 3, "default_payment_next_month", '"2" is not 0 or 1'),
        Problem("bad.csv", 4, "AGE", "is empty"),
    ]
    assert str(caught.value).startswith("2 problems in the account file:")


def test_many_problems_are_counted_but_not_all_shown(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    frame = _raw_rows(50).with_columns(pl.lit("x").alias("AGE"))
    frame.write_csv(path)
    with pytest.raises(DataRejected) as caught:
        read_accounts(path)
    message = str(caught.value)
    assert message.startswith("50 problems in the account file:")
    assert "... and 30 more" in message
    assert "bad.csv row 2, column AGE" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataRejected, match="no such file"):
        read_accounts(tmp_path / "absent.csv")


def test_damaged_parquet_file(tmp_path: Path) -> None:
    path = tmp_path / "damaged.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataRejected, match=r"damaged\.parquet: is not a readable Parquet file"):
        read_accounts(path)
