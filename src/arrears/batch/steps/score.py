"""Scoring step: the model's probability of default, score and risk tier for every account."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise

import numpy as np
import polars as pl

from arrears.scoring.features import feature_frame
from arrears.scoring.model import ScoringModel

THREADS = 2  # NumPy releases the GIL: the rows are split between both cores


def score(accounts: pl.DataFrame, *, model: ScoringModel) -> pl.DataFrame:
    """Adds p_default, score and risk_tier (the accounts carry the model's input layout)."""
    matrix = feature_frame(accounts, model.features).to_numpy(order="fortran")
    bounds = np.linspace(0, matrix.shape[0], THREADS + 1).astype(int)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        parts = list(pool.map(lambda rows: model.grade(matrix[rows[0] : rows[1]]), pairwise(bounds)))
    tiers = np.array([str(cut["tier"]) for cut in model.card["tiers"]])
    return accounts.with_columns(
        p_default=pl.Series(np.concatenate([part["p_default"] for part in parts])),
        score=pl.Series(np.rint(np.concatenate([part["score"] for part in parts])).astype(np.int16)),
        risk_tier=pl.Series(tiers[np.concatenate([part["tier"] for part in parts])]),
    )
