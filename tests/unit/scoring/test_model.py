"""The shared small model: exact reasons and the scoring output."""

from __future__ import annotations

import math

import lightgbm as lgb
import numpy as np
import polars as pl
import pytest
from scoring_fitted import TRAINING_ROWS, Fitted, Floats, features_of

from arrears.scoring.calibration import Calibrator
from arrears.scoring.compiled import NotDecomposable, split_thresholds
from arrears.scoring.data import LABEL
from arrears.scoring.features import ABILITY, BY_NAME, DEFAULT_FEATURES, HUB, WILLINGNESS, feature_frame
from arrears.scoring.model import (
    ScoringModel,
    points,
)

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
    _assert_faithful(fitted.model, features_of(fitted.model, fitted.accounts))


def test_compiled_tables_reproduce_lightgbm_on_unseen_rows(fitted: Fitted) -> None:
    _assert_faithful(fitted.model, features_of(fitted.model, fitted.everything.slice(TRAINING_ROWS, 6_000)))


def test_compiled_tables_reproduce_lightgbm_on_and_beside_every_threshold(fitted: Fitted) -> None:
    """Values exactly on a split threshold go left, as in LightGBM; just above it, right.

    The +-1e-35 thresholds LightGBM places around zero are left out: LightGBM reads any value that
    close to zero as zero (see compiled._representatives), so only zero itself is checked there.
    """
    model = fitted.model
    rng = np.random.default_rng(3)
    base = features_of(model, fitted.everything.slice(TRAINING_ROWS, 2_000))
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
    raw = np.asarray(
        fitted.model.booster().predict(features_of(fitted.model, fitted.accounts), raw_score=True)
    )
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
    contributions = model.score_matrix(features_of(model, fitted.accounts))["contributions"]
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
    result = model.score_matrix(features_of(model, fitted.accounts))
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


def test_grade_is_the_score_without_reasons(fitted: Fitted) -> None:
    matrix = features_of(fitted.model, fitted.everything.head(2_000))
    full, graded = fitted.model.score_matrix(matrix), fitted.model.grade(np.asfortranarray(matrix))
    for key in ("p_default", "score", "tier"):
        assert np.array_equal(full[key], graded[key]), key
