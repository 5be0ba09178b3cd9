"""Calibration: isotonic and Platt fitted on half of a miscalibrated score, checked on the other half."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
import pytest

from arrears.scoring.calibration import EPSILON, METHODS, Calibrator, uncalibrated
from arrears.scoring.metrics import ece

Floats = npt.NDArray[np.float64]
Outcomes = npt.NDArray[np.int8]

ROWS = 6_000


def _sample(seed: int = 11) -> tuple[Floats, Outcomes]:
    """Raw scores 3z + 1 where z is the true log-odds of default: far too confident and shifted."""
    rng = np.random.default_rng(seed)
    z = rng.normal(-1.2, 1.3, size=ROWS)
    outcome = (rng.random(ROWS) < 1.0 / (1.0 + np.exp(-z))).astype(np.int8)
    return 3.0 * z + 1.0, outcome


def _halves() -> tuple[tuple[Floats, Outcomes], tuple[Floats, Outcomes]]:
    raw, outcome = _sample()
    half = ROWS // 2
    return (raw[:half], outcome[:half]), (raw[half:], outcome[half:])


def test_the_synthetic_score_is_badly_calibrated() -> None:
    _, (raw, outcome) = _halves()
    assert ece(outcome, uncalibrated(raw)) > 0.05


@pytest.mark.parametrize("method", METHODS)
def test_calibration_lowers_the_held_out_ece(method: str) -> None:
    (fit_raw, fit_outcome), (raw, outcome) = _halves()
    calibrator = Calibrator.fit(method, fit_raw, fit_outcome)
    assert calibrator.method == method
    before = ece(outcome, uncalibrated(raw))
    after = ece(outcome, calibrator.apply(raw))
    assert after < before / 2, (before, after)
    assert after < 0.03


def test_platt_recovers_the_true_slope_and_intercept() -> None:
    # raw = 3z + 1, so the true log-odds z = raw / 3 - 1 / 3
    (fit_raw, fit_outcome), _ = _halves()
    calibrator = Calibrator.fit("platt", fit_raw, fit_outcome)
    assert calibrator.slope == pytest.approx(1 / 3, abs=0.05)
    assert calibrator.intercept == pytest.approx(-1 / 3, abs=0.15)


def test_isotonic_is_monotone() -> None:
    (fit_raw, fit_outcome), (raw, _) = _halves()
    calibrator = Calibrator.fit("isotonic", fit_raw, fit_outcome)
    assert len(calibrator.x) == len(calibrator.y) > 1
    assert np.all(np.diff(calibrator.x) >= 0)
    assert np.all(np.diff(calibrator.y) >= 0)
    ordered = calibrator.apply(np.sort(raw))
    assert np.all(np.diff(ordered) >= 0)


def test_platt_is_increasing() -> None:
    (fit_raw, fit_outcome), (raw, _) = _halves()
    calibrator = Calibrator.fit("platt", fit_raw, fit_outcome)
    ordered = calibrator.apply(np.unique(raw))
    assert np.all(np.diff(ordered) > 0)


@pytest.mark.parametrize("method", METHODS)
def test_probabilities_stay_strictly_inside_zero_and_one(method: str) -> None:
    (fit_raw, fit_outcome), (raw, _) = _halves()
    calibrator = Calibrator.fit(method, fit_raw, fit_outcome)
    extremes = np.array([-300.0, -50.0, fit_raw.min() - 1.0, 0.0, fit_raw.max() + 1.0, 50.0, 300.0])
    for values in (raw, extremes):
        p = calibrator.apply(values)
        assert p.dtype == np.float64
        assert np.all(p > 0.0) and np.all(p < 1.0)
        assert np.all(p >= EPSILON) and np.all(p <= 1.0 - EPSILON)


def test_isotonic_clips_outside_the_fitted_range() -> None:
    calibrator = Calibrator("isotonic", x=(0.0, 1.0, 2.0), y=(0.1, 0.2, 0.6))
    p = calibrator.apply(np.array([-5.0, 0.0, 0.5, 1.5, 2.0, 9.0]))
    assert p.tolist() == pytest.approx([0.1, 0.1, 0.15, 0.4, 0.6, 0.6])


def test_platt_by_hand() -> None:
    calibrator = Calibrator("platt", slope=2.0, intercept=-1.0)
    # p = 1 / (1 + exp(-(2 raw - 1))): raw 0.5 -> 0.5, raw 1 -> 1 / (1 + e^-1)
    p = calibrator.apply(np.array([0.5, 1.0]))
    assert p.tolist() == pytest.approx([0.5, 1 / (1 + np.exp(-1.0))])


def test_uncalibrated_is_the_logistic() -> None:
    assert uncalibrated(np.array([0.0, np.log(3.0)])).tolist() == pytest.approx([0.5, 0.75])


def test_unknown_method_cannot_be_fitted() -> None:
    raw, outcome = _sample()
    with pytest.raises(ValueError, match="unknown calibration 'beta'"):
        Calibrator.fit("beta", raw, outcome)


# --- (de)serialisation -----------------------------------------------------------------------------


@pytest.mark.parametrize("method", METHODS)
def test_round_trip_through_json(method: str) -> None:
    (fit_raw, fit_outcome), (raw, _) = _halves()
    calibrator = Calibrator.fit(method, fit_raw, fit_outcome)
    data = calibrator.to_dict()
    assert data["method"] == method
    restored = Calibrator.from_dict(json.loads(json.dumps(data)))
    assert restored == calibrator
    np.testing.assert_array_equal(restored.apply(raw), calibrator.apply(raw))


def test_to_dict_holds_only_the_method_parameters() -> None:
    assert Calibrator("platt", slope=0.5, intercept=-2.0).to_dict() == {
        "method": "platt",
        "slope": 0.5,
        "intercept": -2.0,
    }
    assert Calibrator("isotonic", x=(0.0, 1.0), y=(0.2, 0.3)).to_dict() == {
        "method": "isotonic",
        "x": [0.0, 1.0],
        "y": [0.2, 0.3],
    }


def test_from_dict_accepts_integers() -> None:
    assert Calibrator.from_dict({"method": "platt", "slope": 1, "intercept": 0}) == Calibrator(
        "platt", slope=1.0, intercept=0.0
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"method": "beta", "x": [0.0], "y": [0.5]}, "unknown method 'beta'"),
        ({"x": [0.0], "y": [0.5]}, "unknown method None"),
        ({}, "unknown method"),
        ({"method": "isotonic", "x": [0.0, 1.0], "y": [0.5]}, "same, non-zero length"),
        ({"method": "isotonic", "x": [], "y": []}, "same, non-zero length"),
        ({"method": "isotonic", "x": [0.0]}, "isotonic needs lists"),
        ({"method": "isotonic", "x": "0,1", "y": "0,1"}, "isotonic needs lists"),
        ({"method": "isotonic", "x": (0.0, 1.0), "y": (0.1, 0.2)}, "isotonic needs lists"),
        ({"method": "platt", "slope": 1.0}, "platt needs numbers"),
        ({"method": "platt", "slope": "1.0", "intercept": 0.0}, "platt needs numbers"),
        ({"method": "platt", "slope": None, "intercept": 0.0}, "platt needs numbers"),
    ],
)
def test_from_dict_refuses_bad_data(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Calibrator.from_dict(data)
