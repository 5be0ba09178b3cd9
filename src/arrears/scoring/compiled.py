"""A trained booster compiled to lookup tables: its raw score and exact contributions at array speed.

The model is trained with interaction constraints: every path from a tree's root to a leaf splits on
the hub features (the two latest repayment statuses) and at most one other feature. So the
contribution LightGBM computes for a non-hub feature x (``pred_contrib``, path-dependent TreeSHAP)
depends only on the hub values and x:
it is constant on each cell of the grid that the split thresholds of the hub features and of x draw.
The same holds for the part of the raw score that the trees on x add. Compiling evaluates the
booster once per cell (with ``predict`` and ``pred_contrib`` themselves) and stores the results; scoring
then finds each account's cells with a binary search and adds table entries. The hub features' joint
contribution is what is left: raw score - bias - the other contributions (contributions and bias sum
to the raw score). Nothing is approximated: the tables hold LightGBM's own numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


class NotDecomposable(ValueError):
    """The booster has a tree that splits on more than one feature outside the hub."""


@dataclass(frozen=True)
class CompiledModel:
    features: tuple[str, ...]  # input columns, in order
    hub: tuple[str, ...]  # features that may interact with every other one
    thresholds: tuple[Floats, ...]  # per feature: the split thresholds used, sorted
    base_raw: Floats  # raw score per hub cell with every other feature in its first cell
    raw_tables: tuple[Floats, ...]  # per non-hub feature: (hub cells, its cells) raw-score part
    contribution_tables: tuple[Floats, ...]  # per non-hub feature: (hub cells, its cells) contribution
    bias: float  # expected raw score (the last column of pred_contrib)

    @property
    def others(self) -> tuple[str, ...]:
        return tuple(name for name in self.features if name not in self.hub)

    def _hub_cells(self, matrix: Floats) -> Ints:
        index = {name: i for i, name in enumerate(self.features)}
        hub_cell = np.zeros(matrix.shape[0], dtype=np.int64)
        for name in self.hub:
            column = index[name]
            hub_cell *= self.thresholds[column].size + 1
            hub_cell += _cells(self.thresholds[column], matrix[:, column])
        return hub_cell

    def _cells_of(self, matrix: Floats, j: int, hub_cell: Ints) -> Ints:
        column = self.features.index(self.others[j])
        flat = _cells(self.thresholds[column], matrix[:, column])
        flat += hub_cell * (self.thresholds[column].size + 1)
        return flat

    def evaluate(self, matrix: Floats) -> tuple[Floats, Floats, Floats]:
        """(raw score, contributions of the non-hub features, joint contribution of the hub) per row.

        ``matrix`` holds the features in ``self.features`` order; a column-major (Fortran) matrix is
        fastest. Contributions come back column-major too.
        """
        hub_cell = self._hub_cells(matrix)
        raw = np.take(self.base_raw, hub_cell)
        contributions = np.empty((matrix.shape[0], len(self.others)), dtype=np.float64, order="F")
        for j in range(len(self.others)):
            flat = self._cells_of(matrix, j, hub_cell)
            raw += np.take(self.raw_tables[j], flat)
            contributions[:, j] = np.take(self.contribution_tables[j], flat)
        hub = raw - self.bias - contributions.sum(axis=1)
        return raw, contributions, hub

    def raw(self, matrix: Floats) -> Floats:
        """The raw score alone: ``evaluate`` without the contributions."""
        return self.raw_and_sum(matrix, ())[0]

    def raw_and_sum(self, matrix: Floats, others: tuple[int, ...]) -> tuple[Floats, Floats]:
        """The raw score and the sum of the contributions of the non-hub features ``others`` (indexes
        into ``self.others``), added in increasing order from zero: :func:`summed` of ``evaluate``'s
        contributions, to the last bit, without computing the others'."""
        hub_cell = self._hub_cells(matrix)
        raw = np.take(self.base_raw, hub_cell)
        total = np.zeros(matrix.shape[0], dtype=np.float64)
        wanted = frozenset(others)
        for j in range(len(self.others)):
            flat = self._cells_of(matrix, j, hub_cell)
            raw += np.take(self.raw_tables[j], flat)
            if j in wanted:
                total += np.take(self.contribution_tables[j], flat)
        return raw, total

    def save(self, path: Path) -> None:
        arrays: dict[str, Any] = {
            "features": np.array(self.features),
            "hub": np.array(self.hub),
            "base_raw": self.base_raw,
            "bias": np.array([self.bias]),
        }
        arrays |= {f"thresholds_{i}": values for i, values in enumerate(self.thresholds)}
        arrays |= {f"raw_{j}": table for j, table in enumerate(self.raw_tables)}
        arrays |= {f"contribution_{j}": table for j, table in enumerate(self.contribution_tables)}
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> CompiledModel:
        with np.load(path, allow_pickle=False) as data:
            features = tuple(str(name) for name in data["features"])
            hub = tuple(str(name) for name in data["hub"])
            others = len(features) - len(hub)
            return cls(
                features=features,
                hub=hub,
                thresholds=tuple(data[f"thresholds_{i}"] for i in range(len(features))),
                base_raw=data["base_raw"],
                raw_tables=tuple(data[f"raw_{j}"] for j in range(others)),
                contribution_tables=tuple(data[f"contribution_{j}"] for j in range(others)),
                bias=float(data["bias"][0]),
            )


def summed(contributions: Floats, others: tuple[int, ...]) -> Floats:
    """The sum of the columns ``others`` of ``contributions``, added in increasing order from zero (the
    same bits whatever the rows, their number or the array's layout)."""
    total = np.zeros(contributions.shape[0], dtype=np.float64)
    for j in sorted(others):
        total += contributions[:, j]
    return total


def _cells(thresholds: Floats, values: Floats) -> Ints:
    # LightGBM sends x <= t left: cell i holds thresholds[i-1] < x <= thresholds[i]
    return np.searchsorted(thresholds, values, side="left").astype(np.int64)


def _representatives(thresholds: Floats) -> Floats:
    """One value inside each cell: midpoints between thresholds, and one beyond each end.

    Not the thresholds themselves: LightGBM reads values within 1e-35 of zero as zero, and it places
    thresholds at +-1e-35 around zero, so such a value would land in the next cell.
    """
    if thresholds.size == 0:
        return np.zeros(1)
    first = thresholds[0] - max(1.0, abs(thresholds[0]))
    last = thresholds[-1] + max(1.0, abs(thresholds[-1]))
    middles = (thresholds[:-1] + thresholds[1:]) / 2
    return np.concatenate([[first], middles, [last]])


def split_thresholds(booster: lgb.Booster, features: tuple[str, ...], hub: tuple[str, ...]) -> list[Floats]:
    """The thresholds each feature is split on; checks that every tree respects the hub structure."""
    found: list[set[float]] = [set() for _ in features]
    hub_columns = {features.index(name) for name in hub}
    for number, tree in enumerate(booster.dump_model()["tree_info"]):
        # (node, the non-hub features split on above it): a root-to-leaf path may hold one at most
        stack: list[tuple[dict[str, Any], frozenset[int]]] = [(tree["tree_structure"], frozenset())]
        while stack:
            node, above = stack.pop()
            if "split_feature" not in node:
                continue
            if node["decision_type"] != "<=":
                raise NotDecomposable(f"tree {number} has a categorical split")
            column = int(node["split_feature"])
            found[column].add(float(node["threshold"]))
            path = above if column in hub_columns else above | {column}
            if len(path) > 1:
                names = sorted(features[i] for i in path)
                raise NotDecomposable(f"tree {number} combines {', '.join(names)} on one path")
            stack += [(node["left_child"], path), (node["right_child"], path)]
    return [np.array(sorted(values), dtype=np.float64) for values in found]


def compile_booster(booster: lgb.Booster, features: tuple[str, ...], hub: tuple[str, ...]) -> CompiledModel:
    """Evaluates ``booster`` on every cell of the threshold grid (see the module docstring)."""
    thresholds = split_thresholds(booster, features, hub)
    hub_columns = [features.index(name) for name in hub]
    other_columns = [i for i in range(len(features)) if i not in hub_columns]
    representatives = [_representatives(values) for values in thresholds]
    grid = np.stack(np.meshgrid(*(representatives[i] for i in hub_columns), indexing="ij"), axis=-1)
    hub_rows = grid.reshape(-1, len(hub_columns))  # row-major: the order evaluate() numbers cells in
    hub_cells = hub_rows.shape[0]
    baseline = np.array([representatives[i][0] for i in range(len(features))])

    def rows(assign: dict[int, Floats]) -> Floats:
        count = hub_cells * max((values.size for values in assign.values()), default=1)
        matrix = np.tile(baseline, (count, 1))
        matrix[:, hub_columns] = np.tile(hub_rows, (count // hub_cells, 1))
        for column, values in assign.items():
            matrix[:, column] = np.repeat(values, hub_cells)
        return matrix

    base_raw = np.asarray(booster.predict(rows({}), raw_score=True), dtype=np.float64)
    raw_tables = []
    for column in other_columns:
        values = representatives[column]
        predicted = np.asarray(booster.predict(rows({column: values}), raw_score=True), dtype=np.float64)
        raw_tables.append(predicted.reshape(values.size, hub_cells).T - base_raw[:, None])
    # contributions: every non-hub feature walks through its cells at once (cycling), since the
    # contribution of x does not depend on the other non-hub features
    depth = max(representatives[column].size for column in other_columns)
    cycled = {column: np.resize(representatives[column], depth) for column in other_columns}
    contributions = np.asarray(booster.predict(rows(cycled), pred_contrib=True), dtype=np.float64)
    contribution_tables = []
    for column in other_columns:
        size = representatives[column].size
        table = contributions[:, column].reshape(depth, hub_cells).T
        contribution_tables.append(np.ascontiguousarray(table[:, :size]))
    return CompiledModel(
        features=features,
        hub=hub,
        thresholds=tuple(thresholds),
        base_raw=base_raw,
        raw_tables=tuple(np.ascontiguousarray(table) for table in raw_tables),
        contribution_tables=tuple(contribution_tables),
        bias=float(contributions[0, -1]),
    )
