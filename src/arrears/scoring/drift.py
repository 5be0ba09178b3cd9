"""Population drift of scoring variables: binned reference distributions and the PSI.

``reference`` records how a variable was distributed at training time (quantile bins and the
share of training values in each); ``psi`` compares a new sample against it with the population
stability index; ``level`` maps a PSI to ``"ok"`` / ``"warn"`` / ``"alert"``; ``drift_report``
does all variables at once. Pure functions: no I/O, no clock.

Bin rule, everywhere: a value ``x`` falls in bin ``np.searchsorted(edges, x, side="left")``, so
bin ``i`` holds ``edges[i-1] < x <= edges[i]`` and a value equal to an edge is in the lower bin.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

WARN = 0.1
"""PSI from which a variable has drifted enough to look at."""
ALERT = 0.25
"""PSI from which a variable has drifted enough to act on (e.g. re-train)."""

SHARE_FLOOR = 1e-4
"""Shares below this are raised to it before taking logs, so an empty bin does not give log(0)."""

SHARE_SUM_TOLERANCE = 1e-6
"""How far the shares of a ``Reference`` may sum from 1."""

REPORT_SCHEMA = {"variable": pl.String, "psi": pl.Float64, "level": pl.String}
"""Columns of ``drift_report``."""


@dataclass(frozen=True, slots=True)
class Reference:
    """The training distribution of one variable.

    ``edges``: the interior cut points, strictly increasing; ``shares``: the fraction of training
    values in each of the ``len(edges) + 1`` bins (see the module docstring for the bin rule).
    Checked on construction: a bad combination raises ``ValueError``.
    """

    edges: tuple[float, ...]
    shares: tuple[float, ...]

    def __post_init__(self) -> None:
        if len(self.shares) != len(self.edges) + 1:
            raise ValueError(
                f"reference needs len(shares) == len(edges) + 1, got {len(self.shares)} shares "
                f"for {len(self.edges)} edges"
            )
        if not all(math.isfinite(e) for e in self.edges):
            raise ValueError(f"reference edges must be finite, got {list(self.edges)}")
        if any(b <= a for a, b in zip(self.edges, self.edges[1:], strict=False)):
            raise ValueError(f"reference edges must be strictly increasing, got {list(self.edges)}")
        if not all(math.isfinite(s) and 0.0 <= s <= 1.0 for s in self.shares):
            raise ValueError(f"reference shares must lie in [0, 1], got {list(self.shares)}")
        total = math.fsum(self.shares)
        if abs(total - 1.0) > SHARE_SUM_TOLERANCE:
            raise ValueError(f"reference shares must sum to 1, got {total!r}")

    def to_dict(self) -> dict[str, list[float]]:
        """``{"edges": [...], "shares": [...]}``, JSON-ready; ``from_dict`` reads it back."""
        return {"edges": [float(e) for e in self.edges], "shares": [float(s) for s in self.shares]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Reference:
        """Read what ``to_dict`` wrote; ``ValueError`` naming the problem if it is not a valid reference."""
        return cls(edges=_numbers(data, "edges"), shares=_numbers(data, "shares"))


def _numbers(data: Mapping[str, object], key: str) -> tuple[float, ...]:
    """``data[key]`` as a tuple of floats, or ``ValueError`` if it is missing or not a list of numbers."""
    if key not in data:
        raise ValueError(f"reference is missing {key!r}")
    raw = data[key]
    if not isinstance(raw, list | tuple):
        raise ValueError(f"reference {key!r} must be a list of numbers, got {type(raw).__name__}")
    out: list[float] = []
    for i, item in enumerate(raw):
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ValueError(f"reference {key!r}[{i}] must be a number, got {item!r}")
        out.append(float(item))
    return tuple(out)


def _as_sample(values: npt.ArrayLike, what: str) -> npt.NDArray[np.float64]:
    """``values`` as a 1-D float64 array; ``ValueError`` if empty, not 1-D or not all finite."""
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{what} is empty")
    if not np.isfinite(arr).all():
        raise ValueError(f"{what} contains {int((~np.isfinite(arr)).sum())} non-finite value(s)")
    return arr


def _shares(edges: tuple[float, ...], values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Fraction of ``values`` in each of the ``len(edges) + 1`` bins, by the module's bin rule."""
    idx = np.searchsorted(np.asarray(edges, dtype=np.float64), values, side="left")
    counts = np.bincount(idx, minlength=len(edges) + 1)
    return counts.astype(np.float64) / float(values.size)


def reference(values: npt.NDArray[np.float64], bins: int = 10) -> Reference:
    """The reference distribution of ``values`` in (at most) ``bins`` quantile bins.

    Cut points are the quantiles ``1/bins ... (bins-1)/bins`` of ``values`` (taken as observed
    values, ``method="inverted_cdf"``), de-duplicated, and without any equal to the maximum (which
    would only open an empty top bin). A variable with few distinct values therefore gets fewer
    bins: ``d`` distinct values give at most ``d - 1`` edges, and a constant gives a single bin.
    ``ValueError`` for ``bins < 1`` or an empty, non-1-D or non-finite ``values``.
    """
    if bins < 1:
        raise ValueError(f"bins must be at least 1, got {bins}")
    arr = _as_sample(values, "reference values")
    probs = np.arange(1, bins, dtype=np.float64) / bins
    cuts = np.unique(np.quantile(arr, probs, method="inverted_cdf"))
    cuts = cuts[cuts < arr.max()]
    edges = tuple(float(c) for c in cuts)
    return Reference(edges=edges, shares=tuple(float(s) for s in _shares(edges, arr)))


def psi(ref: Reference, values: npt.NDArray[np.float64]) -> float:
    """Population stability index of ``values`` against ``ref``: ``sum((a - e) * ln(a / e))``.

    ``e`` are the reference shares, ``a`` the shares of ``values`` in the same bins, both raised to
    at least ``SHARE_FLOOR`` first. 0 for identical distributions, larger the more they differ.
    ``ValueError`` for an empty, non-1-D or non-finite ``values``.
    """
    arr = _as_sample(values, "values")
    expected = np.maximum(np.asarray(ref.shares, dtype=np.float64), SHARE_FLOOR)
    actual = np.maximum(_shares(ref.edges, arr), SHARE_FLOOR)
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def level(value: float) -> str:
    """``"alert"`` when ``value >= ALERT``, ``"warn"`` when ``value >= WARN``, otherwise ``"ok"``."""
    if value >= ALERT:
        return "alert"
    if value >= WARN:
        return "warn"
    return "ok"


def drift_report(
    references: Mapping[str, Reference], columns: Mapping[str, npt.NDArray[np.float64]]
) -> pl.DataFrame:
    """One row per variable of ``references``: ``variable``, ``psi``, ``level``, highest PSI first.

    Ties are broken by variable name. Columns without a reference are ignored; a reference without
    a column raises ``ValueError`` naming it, as do the errors of ``psi``.
    """
    missing = sorted(name for name in references if name not in columns)
    if missing:
        raise ValueError(f"no values for variable(s): {', '.join(missing)}")
    names: list[str] = []
    values: list[float] = []
    for name, ref in references.items():
        try:
            value = psi(ref, columns[name])
        except ValueError as exc:
            raise ValueError(f"variable {name!r}: {exc}") from exc
        names.append(name)
        values.append(value)
    return pl.DataFrame(
        {"variable": names, "psi": values, "level": [level(v) for v in values]}, schema=REPORT_SCHEMA
    ).sort(["psi", "variable"], descending=[True, False])
