"""Scorer evaluation metrics and plots, checked against hand-computed values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from arrears.scoring.metrics import (
    CALIBRATION_SCHEMA,
    GAINS_SCHEMA,
    Metrics,
    auc,
    brier,
    calibration_table,
    decile_gains,
    ece,
    ks,
    metrics,
    roc_points,
)
from arrears.scoring.plots import calibration_plot, roc_plot

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- AUC and KS ----------------------------------------------------------------------------------


def test_auc_of_perfect_ranking_is_one() -> None:
    assert auc(np.array([0, 0, 1, 1]), np.array([0.1, 0.2, 0.8, 0.9])) == 1.0


def test_auc_of_reversed_ranking_is_zero() -> None:
    assert auc(np.array([0, 0, 1, 1]), np.array([0.9, 0.8, 0.2, 0.1])) == 0.0


def test_auc_counts_concordant_pairs() -> None:
    # Pairs (default, non-default): (0.35, 0.1) ok, (0.35, 0.4) wrong, (0.8, 0.1) ok, (0.8, 0.4) ok -> 3/4.
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_ks_by_hand() -> None:
    # Riskiest first: y = 1, 1, 0, 1, 0, 0 (3 defaults, 3 non-defaults).
    # Cut after each account: TPR - FPR = 1/3, 2/3, 1/3, 2/3, 1/3, 0 -> KS = 2/3.
    y = np.array([1, 1, 0, 1, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    assert ks(y, p) == pytest.approx(2 / 3)


def test_roc_points_by_hand() -> None:
    fpr, tpr = roc_points([1, 1, 0, 1, 0, 0], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    assert fpr[0] == 0.0 and tpr[0] == 0.0
    assert fpr[-1] == 1.0 and tpr[-1] == 1.0
    assert np.all(np.diff(fpr) >= 0) and np.all(np.diff(tpr) >= 0)
    assert float(np.max(tpr - fpr)) == pytest.approx(2 / 3)


def test_ks_of_perfect_ranking_is_one_and_of_random_ties_zero() -> None:
    assert ks([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == pytest.approx(1.0)
    assert ks([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5]) == pytest.approx(0.0)


# --- Brier and ECE -------------------------------------------------------------------------------


def test_brier_by_hand() -> None:
    # (0.2² + 0.3² + 0.4² + 0²) / 4 = 0.29 / 4
    assert brier([1, 0, 1, 0], [0.8, 0.3, 0.6, 0.0]) == pytest.approx(0.0725)


def test_brier_of_certain_correct_predictions_is_zero() -> None:
    assert brier([1, 0], [1.0, 0.0]) == 0.0


def test_ece_is_zero_when_every_bin_is_calibrated() -> None:
    # Bin 1: p = 0.5 x4, 2 defaults of 4; bin 2: p = 0.75 x4, 3 defaults of 4.
    p = np.array([0.5, 0.75, 0.5, 0.75, 0.5, 0.75, 0.5, 0.75])
    y = np.array([0, 1, 1, 1, 0, 0, 1, 1])
    assert ece(y, p, bins=2) == pytest.approx(0.0)


def test_ece_by_hand_equal_bins() -> None:
    # Bin 1: mean p 0.5, observed 1/4 -> gap 0.25; bin 2: mean p 0.75, observed 1 -> gap 0.25.
    # ECE = 0.5 * 0.25 + 0.5 * 0.25 = 0.25
    p = np.array([0.5, 0.5, 0.5, 0.5, 0.75, 0.75, 0.75, 0.75])
    y = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    assert ece(y, p, bins=2) == pytest.approx(0.25)


def test_ece_by_hand_unequal_bins() -> None:
    # 5 accounts in 2 bins -> sizes 3 and 2 (np.array_split), sorted by p whatever the input order.
    # Bin 1: p 0.1, 0.2, 0.3 (mean 0.2), y 0, 0, 1 (1/3) -> 3/5 * 2/15 = 0.08
    # Bin 2: p 0.4, 0.5 (mean 0.45), y 1, 1 (1)           -> 2/5 * 0.55 = 0.22
    p = np.array([0.5, 0.1, 0.4, 0.3, 0.2])
    y = np.array([1, 0, 1, 1, 0])
    assert ece(y, p, bins=2) == pytest.approx(0.30)


def test_ece_rejects_non_positive_bins() -> None:
    with pytest.raises(ValueError, match="bins"):
        ece([0, 1], [0.2, 0.8], bins=0)


def test_calibration_table_matches_ece_bins() -> None:
    p = np.array([0.5, 0.1, 0.4, 0.3, 0.2])
    y = np.array([1, 0, 1, 1, 0])
    table = calibration_table(y, p, bins=2)
    assert table.schema == pl.Schema(CALIBRATION_SCHEMA)
    assert table["bin"].to_list() == [1, 2]
    assert table["accounts"].to_list() == [3, 2]
    assert table["mean_p"].to_list() == pytest.approx([0.2, 0.45])
    assert table["observed_rate"].to_list() == pytest.approx([1 / 3, 1.0])


def test_calibration_table_drops_empty_bins() -> None:
    table = calibration_table([0, 1, 1], [0.1, 0.5, 0.9], bins=10)
    assert table["accounts"].to_list() == [1, 1, 1]


# --- Metrics bundle ------------------------------------------------------------------------------


def test_metrics_bundles_the_individual_functions() -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(0.0, 1.0, 500)
    y = (rng.uniform(0.0, 1.0, 500) < p).astype(np.int64)
    result = metrics(y, p)
    assert result == Metrics(auc=auc(y, p), ks=ks(y, p), brier=brier(y, p), ece=ece(y, p))
    as_dict = result.as_dict()
    assert list(as_dict) == ["auc", "ks", "brier", "ece"]
    assert as_dict["auc"] == result.auc
    assert 0.5 < result.auc <= 1.0


def test_metrics_is_frozen() -> None:
    result = Metrics(auc=0.8, ks=0.5, brier=0.1, ece=0.02)
    with pytest.raises(AttributeError):
        result.auc = 0.9  # type: ignore[misc]


# --- Decile gains --------------------------------------------------------------------------------

DEFAULTS_PER_DECILE = [8, 6, 5, 4, 3, 2, 1, 1, 0, 0]  # 30 defaults among 100 accounts


def _hundred_accounts() -> tuple[np.ndarray, np.ndarray]:
    """100 accounts with distinct p (0.995 down to 0.005), DEFAULTS_PER_DECILE defaults, shuffled."""
    p = (np.arange(100, 0, -1) - 0.5) / 100
    y = np.zeros(100, dtype=np.int64)
    for d, k in enumerate(DEFAULTS_PER_DECILE):
        y[d * 10 : d * 10 + k] = 1
    order = np.random.default_rng(42).permutation(100)
    return y[order], p[order]


def test_decile_gains_on_hundred_accounts() -> None:
    y, p = _hundred_accounts()
    gains = decile_gains(y, p)

    assert gains.schema == pl.Schema(GAINS_SCHEMA)
    assert gains["decile"].to_list() == list(range(1, 11))
    assert gains["accounts"].to_list() == [10] * 10
    assert gains["defaults"].to_list() == DEFAULTS_PER_DECILE
    assert gains["max_p"][0] == pytest.approx(0.995)
    assert gains["min_p"][0] == pytest.approx(0.905)
    assert gains["min_p"][9] == pytest.approx(0.005)
    assert gains["default_rate"].to_list() == pytest.approx([k / 10 for k in DEFAULTS_PER_DECILE])

    capture = gains["cumulative_capture"].to_list()
    assert capture == pytest.approx(list(np.cumsum(DEFAULTS_PER_DECILE) / 30))
    assert capture[0] == pytest.approx(8 / 30)
    assert capture[-1] == pytest.approx(1.0)
    assert capture == sorted(capture)

    # Overall default rate 0.3: lift of decile 1 = 0.8 / 0.3, of decile 5 = 0.3 / 0.3.
    lift = gains["lift"].to_list()
    assert lift[0] == pytest.approx(8 / 3)
    assert lift[4] == pytest.approx(1.0)
    assert lift[-1] == pytest.approx(0.0)


def test_decile_gains_uneven_split() -> None:
    # 25 accounts -> np.array_split sizes 3, 3, 3, 3, 3, 2, 2, 2, 2, 2.
    p = np.linspace(0.0, 1.0, 25)
    y = (p > 0.5).astype(np.int64)
    gains = decile_gains(y, p)
    assert gains["accounts"].to_list() == [3] * 5 + [2] * 5
    assert gains["accounts"].sum() == 25
    assert gains["defaults"].sum() == int(y.sum())
    assert gains["cumulative_capture"][-1] == pytest.approx(1.0)


def test_decile_gains_without_defaults_has_null_capture_and_lift() -> None:
    gains = decile_gains(np.zeros(20, dtype=np.int64), np.linspace(0.0, 0.5, 20))
    assert gains["defaults"].sum() == 0
    assert gains["cumulative_capture"].null_count() == 10
    assert gains["lift"].null_count() == 10


# --- Input validation ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("y", "p", "message"),
    [
        ([0, 1, 1], [0.1, 0.9], "same length"),
        ([], [], "empty"),
        ([0, 1, 2], [0.1, 0.5, 0.9], "only 0 and 1"),
        ([0, 1, 1], [0.1, 0.5, 1.2], r"within \[0, 1\]"),
        ([0, 1, 1], [-0.1, 0.5, 0.9], r"within \[0, 1\]"),
        ([0, 1, 1], [0.1, float("nan"), 0.9], "finite"),
        ([0, 1, 1], [0.1, float("inf"), 0.9], "finite"),
        ([0, float("nan"), 1], [0.1, 0.5, 0.9], "only 0 and 1"),
        ([[0, 1]], [[0.1, 0.9]], "one-dimensional"),
    ],
)
@pytest.mark.parametrize("fn", [auc, ks, roc_points, brier, ece, metrics, decile_gains, calibration_table])
def test_bad_inputs_raise_value_error(y: list[float], p: list[float], message: str, fn: object) -> None:
    with pytest.raises(ValueError, match=message):
        fn(y, p)  # type: ignore[operator]


@pytest.mark.parametrize("fn", [auc, ks, roc_points])
def test_ranking_metrics_need_both_classes(fn: object) -> None:
    with pytest.raises(ValueError, match="both defaults"):
        fn([1, 1, 1], [0.2, 0.5, 0.9])  # type: ignore[operator]


# --- Plots ---------------------------------------------------------------------------------------


def test_roc_plot_writes_png(tmp_path: Path) -> None:
    y, p = _hundred_accounts()
    target = tmp_path / "charts" / "roc.png"
    written = roc_plot(y, p, target, title="Test ROC")
    assert written == target
    data = target.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000


def test_calibration_plot_writes_png(tmp_path: Path) -> None:
    y, p = _hundred_accounts()
    target = tmp_path / "nested" / "dir" / "calibration.png"
    written = calibration_plot(y, p, target, bins=5)
    assert written == target
    data = target.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > 5_000


def test_plots_validate_inputs(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="same length"):
        roc_plot([0, 1], [0.5], tmp_path / "roc.png")
    with pytest.raises(ValueError, match="only 0 and 1"):
        calibration_plot([0, 2], [0.1, 0.5], tmp_path / "cal.png")
    assert not list(tmp_path.iterdir())
