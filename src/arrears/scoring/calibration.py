"""Probability calibration of raw scores: isotonic (default) or Platt, fitted out of fold."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression

Floats = npt.NDArray[np.float64]
METHODS = ("isotonic", "platt")
EPSILON = 1e-6  # probabilities stay inside (0, 1) so that odds and scores are finite


@dataclass(frozen=True)
class Calibrator:
    method: str
    x: tuple[float, ...] = ()  # isotonic: raw-score knots
    y: tuple[float, ...] = ()  # isotonic: probability at each knot
    slope: float = 1.0  # platt: p = 1 / (1 + exp(-(slope * raw + intercept)))
    intercept: float = 0.0

    @classmethod
    def fit(cls, method: str, raw: Floats, outcome: npt.NDArray[np.integer]) -> Calibrator:
        if method == "isotonic":
            model = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(raw, outcome)
            return cls(method, tuple(map(float, model.X_thresholds_)), tuple(map(float, model.y_thresholds_)))
        if method == "platt":
            logistic = LogisticRegression(C=1e6).fit(raw.reshape(-1, 1), outcome)
            return cls(method, slope=float(logistic.coef_[0, 0]), intercept=float(logistic.intercept_[0]))
        raise ValueError(f"unknown calibration {method!r}: use one of {', '.join(METHODS)}")

    def apply(self, raw: Floats) -> Floats:
        if self.method == "isotonic":
            p = np.interp(raw, np.asarray(self.x), np.asarray(self.y))
        else:
            p = 1.0 / (1.0 + np.exp(-(self.slope * raw + self.intercept)))
        return np.asarray(np.clip(p, EPSILON, 1.0 - EPSILON), dtype=np.float64)

    def to_dict(self) -> dict[str, object]:
        if self.method == "isotonic":
            return {"method": self.method, "x": list(self.x), "y": list(self.y)}
        return {"method": self.method, "slope": self.slope, "intercept": self.intercept}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Calibrator:
        method = data.get("method")
        if method == "isotonic":
            x, y = data.get("x"), data.get("y")
            if not isinstance(x, list) or not isinstance(y, list) or len(x) != len(y) or not x:
                raise ValueError("calibration: isotonic needs lists x and y of the same, non-zero length")
            return cls("isotonic", tuple(float(v) for v in x), tuple(float(v) for v in y))
        if method == "platt":
            slope, intercept = data.get("slope"), data.get("intercept")
            if not isinstance(slope, int | float) or not isinstance(intercept, int | float):
                raise ValueError("calibration: platt needs numbers slope and intercept")
            return cls("platt", slope=float(slope), intercept=float(intercept))
        raise ValueError(f"calibration: unknown method {method!r}")


def uncalibrated(raw: Floats) -> Floats:
    """The booster's own probability (the logistic of its raw score)."""
    return np.asarray(1.0 / (1.0 + np.exp(-raw)), dtype=np.float64)
