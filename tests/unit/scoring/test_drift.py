"""Drift: reference bins, the PSI, its levels, Reference (de)serialisation and the drift report."""

from __future__ import annotations

import json
import math

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from arrears.scoring.drift import ALERT, WARN, Reference, drift_report, level, psi, reference

TWO_BINS = Reference(edges=(0.0,), shares=(0.5, 0.5))


def _sample(low: int, high: int) -> npt.NDArray[np.float64]:
    """``low`` values in the lower bin of ``TWO_BINS`` and ``high`` in the upper one."""
    return np.array([-1.0] * low + [1.0] * high, dtype=np.float64)


def test_constants() -> None:
    assert (WARN, ALERT) == (0.1, 0.25)


def test_same_distribution_is_ok() -> None:
    rng = np.random.default_rng(42)
    ref = reference(rng.normal(size=20_000))
    value = psi(ref, rng.normal(size=20_000))
    assert value == pytest.approx(0.0, abs=0.01)
    assert level(value) == "ok"


def test_psi_of_the_training_sample_itself_is_zero() -> None:
    values = np.random.default_rng(1).exponential(size=1_000)
    assert psi(reference(values), values) == pytest.approx(0.0, abs=1e-12)


def test_hand_computed_two_bin_example_is_alert() -> None:
    value = psi(TWO_BINS, _sample(80, 20))
    expected = 0.3 * math.log(1.6) + (-0.3) * math.log(0.4)
    assert value == pytest.approx(expected)
    assert value == pytest.approx(0.4159, abs=1e-4)
    assert level(value) == "alert"


def test_moderate_shift_is_warn() -> None:
    value = psi(TWO_BINS, _sample(70, 30))
    assert value == pytest.approx(0.2 * math.log(1.4) + (-0.2) * math.log(0.6))
    assert level(value) == "warn"


def test_empty_bin_is_floored_not_infinite() -> None:
    value = psi(TWO_BINS, _sample(100, 0))
    expected = (1.0 - 0.5) * math.log(1.0 / 0.5) + (1e-4 - 0.5) * math.log(1e-4 / 0.5)
    assert value == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0.0, "ok"), (0.0999, "ok"), (WARN, "warn"), (0.2, "warn"), (ALERT, "alert"), (3.0, "alert")],
)
def test_level_thresholds(value: float, expected: str) -> None:
    assert level(value) == expected


def test_value_equal_to_an_edge_falls_in_the_lower_bin() -> None:
    ref = Reference(edges=(1.0, 2.0), shares=(0.2, 0.3, 0.5))
    # Every value sits on the edge 1.0, so all of them belong to bin 0 (x <= 1.0), none to bin 1.
    on_edge = np.full(10, 1.0)
    expected_bins = np.array([1.0, 1e-4, 1e-4])
    shares = np.array([0.2, 0.3, 0.5])
    expected = float(np.sum((expected_bins - shares) * np.log(expected_bins / shares)))
    assert psi(ref, on_edge) == pytest.approx(expected)
    # And the reference built from such values counts them the same way.
    built = reference(np.array([1.0, 1.0, 2.0, 2.0, 3.0]), bins=2)
    assert built.edges == (2.0,)
    assert built.shares == pytest.approx((0.8, 0.2))


def test_few_distinct_values_get_fewer_bins() -> None:
    values = np.array([3.0, 7.0, 9.0] * 100)
    ref = reference(values, bins=10)
    assert ref.edges == (3.0, 7.0)
    assert ref.shares == pytest.approx((1 / 3, 1 / 3, 1 / 3))


def test_continuous_values_get_equal_share_bins() -> None:
    ref = reference(np.arange(1_000, dtype=np.float64), bins=10)
    assert len(ref.edges) == 9
    assert ref.shares == pytest.approx((0.1,) * 10)


def test_constant_variable_gets_a_single_bin() -> None:
    ref = reference(np.full(50, 5.0))
    assert ref == Reference(edges=(), shares=(1.0,))
    assert psi(ref, np.array([1.0, 100.0])) == 0.0


@pytest.mark.parametrize(
    "values",
    [np.array([], dtype=np.float64), np.array([1.0, np.nan]), np.array([1.0, np.inf]), np.ones((2, 2))],
)
def test_reference_refuses_bad_values(values: npt.NDArray[np.float64]) -> None:
    with pytest.raises(ValueError):
        reference(values)


def test_reference_refuses_zero_bins() -> None:
    with pytest.raises(ValueError, match="bins"):
        reference(np.array([1.0, 2.0]), bins=0)


def test_psi_refuses_empty_values() -> None:
    with pytest.raises(ValueError, match="empty"):
        psi(TWO_BINS, np.array([], dtype=np.float64))


def test_psi_refuses_non_finite_values() -> None:
    with pytest.raises(ValueError, match="non-finite"):
        psi(TWO_BINS, np.array([0.0, np.nan]))


def test_reference_round_trips_through_dict_and_json() -> None:
    ref = reference(np.random.default_rng(7).gamma(2.0, size=500))
    data = ref.to_dict()
    assert set(data) == {"edges", "shares"}
    assert Reference.from_dict(data) == ref
    assert Reference.from_dict(json.loads(json.dumps(data))) == ref


def test_from_dict_accepts_integers() -> None:
    ref = Reference.from_dict({"edges": [0, 1], "shares": [0, 1, 0]})
    assert ref == Reference(edges=(0.0, 1.0), shares=(0.0, 1.0, 0.0))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"edges": [0.0], "shares": [0.5, 0.4]}, "sum to 1"),
        ({"edges": [1.0, 0.0], "shares": [0.3, 0.3, 0.4]}, "strictly increasing"),
        ({"edges": [0.0, 0.0], "shares": [0.3, 0.3, 0.4]}, "strictly increasing"),
        ({"edges": [0.0], "shares": [1.0]}, "len"),
        ({"edges": [0.0], "shares": [0.2, 0.3, 0.5]}, "len"),
        ({"shares": [1.0]}, "missing 'edges'"),
        ({"edges": []}, "missing 'shares'"),
        ({"edges": "0.0", "shares": [0.5, 0.5]}, "list of numbers"),
        ({"edges": ["0.0"], "shares": [0.5, 0.5]}, "must be a number"),
        ({"edges": [True], "shares": [0.5, 0.5]}, "must be a number"),
        ({"edges": [float("nan")], "shares": [0.5, 0.5]}, "finite"),
        ({"edges": [0.0], "shares": [1.5, -0.5]}, r"\[0, 1\]"),
    ],
)
def test_from_dict_rejects_bad_data(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Reference.from_dict(data)


def test_drift_report_sorts_by_psi_descending() -> None:
    references = {"stable": TWO_BINS, "shifted": TWO_BINS, "moved": TWO_BINS}
    columns = {
        "stable": _sample(50, 50),
        "shifted": _sample(80, 20),
        "moved": _sample(70, 30),
        "extra": _sample(1, 1),
    }
    report = drift_report(references, columns)
    assert report.schema == pl.Schema({"variable": pl.String, "psi": pl.Float64, "level": pl.String})
    assert report["variable"].to_list() == ["shifted", "moved", "stable"]
    assert report["level"].to_list() == ["alert", "warn", "ok"]
    expected = [psi(TWO_BINS, columns[name]) for name in ["shifted", "moved", "stable"]]
    assert report["psi"].to_list() == pytest.approx(expected)


def test_drift_report_rejects_a_missing_column() -> None:
    with pytest.raises(ValueError, match="dpd_max"):
        drift_report({"balance": TWO_BINS, "dpd_max": TWO_BINS}, {"balance": _sample(1, 1)})


def test_drift_report_names_the_variable_with_bad_values() -> None:
    with pytest.raises(ValueError, match=r"'balance'.*empty"):
        drift_report({"balance": TWO_BINS}, {"balance": np.array([], dtype=np.float64)})


def test_drift_report_of_no_variables_is_empty() -> None:
    report = drift_report({}, {})
    assert report.height == 0
    assert report.columns == ["variable", "psi", "level"]
