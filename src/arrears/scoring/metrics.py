"""Evaluation metrics of a default-probability scorer: discrimination, calibration and gains tables.

Every function takes ``y`` (observed outcome, 1 = default, 0 = no default) and ``p`` (predicted
probability of default) of the same accounts, validates them and returns plain floats or Polars
DataFrames. Pure functions: no I/O, no clock, no global state.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

# scikit-learn ships no type information; ``unused-ignore`` keeps this valid if stubs are added later.
from sklearn.metrics import roc_auc_score, roc_curve

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

DECILES = 10
"""Number of groups of ``decile_gains``."""


def _validate(y: npt.ArrayLike, p: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """``y`` and ``p`` as 1-D float arrays, or ``ValueError`` when they are not a valid pair.

    ``y`` must contain only 0 and 1; ``p`` must be finite and within [0, 1]; both must be
    non-empty, one-dimensional and of the same length.
    """
    try:
        y_arr = np.asarray(y, dtype=np.float64)
        p_arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"y and p must be numeric arrays: {exc}") from exc
    if y_arr.ndim != 1 or p_arr.ndim != 1:
        raise ValueError(f"y and p must be one-dimensional, got shapes {y_arr.shape} and {p_arr.shape}")
    if y_arr.size != p_arr.size:
        raise ValueError(f"y and p must have the same length, got {y_arr.size} and {p_arr.size}")
    if y_arr.size == 0:
        raise ValueError("y and p must not be empty")
    if not np.all((y_arr == 0.0) | (y_arr == 1.0)):
        bad = np.unique(y_arr[(y_arr != 0.0) & (y_arr != 1.0)])[:5]
        raise ValueError(f"y must contain only 0 and 1, found {bad.tolist()}")
    if not np.all(np.isfinite(p_arr)):
        raise ValueError("p must be finite (no NaN or infinity)")
    if np.any((p_arr < 0.0) | (p_arr > 1.0)):
        raise ValueError(f"p must lie within [0, 1], found values in [{p_arr.min()}, {p_arr.max()}]")
    return y_arr, p_arr


def _require_both_classes(y: FloatArray, what: str) -> None:
    positives = int(y.sum())
    if positives == 0 or positives == y.size:
        raise ValueError(f"{what} needs both defaults (y=1) and non-defaults (y=0) in y")


def _check_bins(bins: int) -> None:
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")


def _equal_frequency_groups(p: FloatArray, bins: int) -> list[IntArray]:
    """Indices of ``p`` sorted ascending (stable) and split into ``bins`` nearly equal groups.

    Empty groups (when ``bins`` exceeds the number of accounts) are dropped.
    """
    order = np.argsort(p, kind="stable")
    return [group for group in np.array_split(order, bins) if group.size > 0]


def auc(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Area under the ROC curve: the probability that a random default is scored above a random non-default.

    Needs at least one default and one non-default.
    """
    y_arr, p_arr = _validate(y, p)
    _require_both_classes(y_arr, "AUC")
    return float(roc_auc_score(y_arr, p_arr))


def roc_points(y: npt.ArrayLike, p: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Points (FPR, TPR) of the ROC curve, one per distinct threshold, starting at (0, 0).

    Needs at least one default and one non-default.
    """
    y_arr, p_arr = _validate(y, p)
    _require_both_classes(y_arr, "The ROC curve (and KS)")
    fpr, tpr, _ = roc_curve(y_arr, p_arr)
    return np.asarray(fpr, dtype=np.float64), np.asarray(tpr, dtype=np.float64)


def ks(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Kolmogorov-Smirnov statistic: the largest gap |TPR - FPR| over all score thresholds.

    Needs at least one default and one non-default.
    """
    fpr, tpr = roc_points(y, p)
    return float(np.max(np.abs(tpr - fpr)))


def brier(y: npt.ArrayLike, p: npt.ArrayLike) -> float:
    """Brier score: mean squared difference between predicted probability and outcome (0 is perfect)."""
    y_arr, p_arr = _validate(y, p)
    return float(np.mean((p_arr - y_arr) ** 2))


def ece(y: npt.ArrayLike, p: npt.ArrayLike, bins: int = 10) -> float:
    """Expected calibration error over ``bins`` equal-frequency bins of ``p``.

    Accounts are sorted by ``p`` and split into ``bins`` nearly equal groups; the result is the sum
    over groups of (group size / n) * |observed default rate - mean predicted probability|.
    """
    _check_bins(bins)
    y_arr, p_arr = _validate(y, p)
    n = y_arr.size
    total = 0.0
    for group in _equal_frequency_groups(p_arr, bins):
        gap = abs(float(y_arr[group].mean()) - float(p_arr[group].mean()))
        total += group.size / n * gap
    return total


@dataclass(frozen=True, slots=True)
class Metrics:
    """The headline metrics of a scorer on one sample."""

    auc: float
    ks: float
    brier: float
    ece: float

    def as_dict(self) -> dict[str, float]:
        """The metrics as a plain ``{name: value}`` mapping, in field order."""
        return asdict(self)


def metrics(y: npt.ArrayLike, p: npt.ArrayLike) -> Metrics:
    """AUC, KS, Brier score and ECE (10 equal-frequency bins) of ``p`` against ``y``."""
    y_arr, p_arr = _validate(y, p)
    return Metrics(
        auc=auc(y_arr, p_arr), ks=ks(y_arr, p_arr), brier=brier(y_arr, p_arr), ece=ece(y_arr, p_arr)
    )


GAINS_SCHEMA = {
    "decile": pl.Int64,
    "accounts": pl.Int64,
    "defaults": pl.Int64,
    "min_p": pl.Float64,
    "max_p": pl.Float64,
    "default_rate": pl.Float64,
    "cumulative_capture": pl.Float64,
    "lift": pl.Float64,
}
"""Columns of ``decile_gains``."""


def decile_gains(y: npt.ArrayLike, p: npt.ArrayLike) -> pl.DataFrame:
    """Gains table: accounts ranked riskiest first and cut into 10 nearly equal deciles.

    Columns (see ``GAINS_SCHEMA``): decile (1 = highest ``p``), accounts, defaults, min_p, max_p,
    default_rate, cumulative_capture (share of all defaults found in deciles 1..k) and lift
    (default_rate / overall default rate). Ties in ``p`` keep their input order. With fewer than
    10 accounts only non-empty deciles are returned; with no defaults at all, cumulative_capture
    and lift are null.
    """
    y_arr, p_arr = _validate(y, p)
    order = np.argsort(-p_arr, kind="stable")
    groups = [group for group in np.array_split(order, DECILES) if group.size > 0]
    total_defaults = int(y_arr.sum())
    overall_rate = total_defaults / y_arr.size

    rows: list[dict[str, int | float | None]] = []
    captured = 0
    for k, group in enumerate(groups, start=1):
        defaults = int(y_arr[group].sum())
        captured += defaults
        rate = defaults / group.size
        rows.append(
            {
                "decile": k,
                "accounts": int(group.size),
                "defaults": defaults,
                "min_p": float(p_arr[group].min()),
                "max_p": float(p_arr[group].max()),
                "default_rate": rate,
                "cumulative_capture": captured / total_defaults if total_defaults else None,
                "lift": rate / overall_rate if total_defaults else None,
            }
        )
    return pl.DataFrame(rows, schema=GAINS_SCHEMA)


CALIBRATION_SCHEMA = {
    "bin": pl.Int64,
    "accounts": pl.Int64,
    "mean_p": pl.Float64,
    "observed_rate": pl.Float64,
}
"""Columns of ``calibration_table``."""


def calibration_table(y: npt.ArrayLike, p: npt.ArrayLike, bins: int = 10) -> pl.DataFrame:
    """Reliability table over ``bins`` equal-frequency bins of ``p`` (the bins of ``ece``).

    Columns (see ``CALIBRATION_SCHEMA``): bin (1 = lowest ``p``), accounts, mean_p (mean predicted
    probability) and observed_rate (share of defaults). Empty bins are dropped.
    """
    _check_bins(bins)
    y_arr, p_arr = _validate(y, p)
    rows = [
        {
            "bin": k,
            "accounts": int(group.size),
            "mean_p": float(p_arr[group].mean()),
            "observed_rate": float(y_arr[group].mean()),
        }
        for k, group in enumerate(_equal_frequency_groups(p_arr, bins), start=1)
    ]
    return pl.DataFrame(rows, schema=CALIBRATION_SCHEMA)
