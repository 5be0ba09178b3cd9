"""Scoring step: the model's probability of default, score and risk tier for every account.

``score`` is what file mode runs (with the ability sub-score when the strategy segments by it). Store
mode runs ``score_with_reasons``: the same columns from ``ScoringModel.score_matrix`` (the same numbers:
both add the same compiled tables in the same order), and from the same pass every account's sub-scores
and top three reasons, which it keeps per account.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from arrears.scoring.features import feature_frame
from arrears.scoring.model import ScoringModel, output_frame

THREADS = 2  # NumPy releases the GIL: the rows are split between both cores
REASONS = 3  # reason_1 .. reason_3, each with its zh and en text


def _in_threads(
    matrix: npt.NDArray[np.float64], evaluate: Callable[[npt.NDArray[np.float64]], dict[str, Any]]
) -> list[dict[str, Any]]:
    bounds = np.linspace(0, matrix.shape[0], THREADS + 1).astype(int)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(lambda rows: evaluate(matrix[rows[0] : rows[1]]), pairwise(bounds)))


def score(accounts: pl.DataFrame, *, model: ScoringModel, ability: bool = False) -> pl.DataFrame:
    """Adds p_default, score and risk_tier (the accounts carry the model's input layout); with
    ``ability`` (a strategy's segments use it), the ability sub-score as ``score_with_reasons`` gives it."""
    matrix = feature_frame(accounts, model.features).to_numpy(order="fortran")
    parts = _in_threads(matrix, lambda rows: model.grade(rows, ability=ability))
    tiers = np.array([str(cut["tier"]) for cut in model.card["tiers"]])
    scored = accounts.with_columns(
        p_default=pl.Series(np.concatenate([part["p_default"] for part in parts])),
        score=pl.Series(np.rint(np.concatenate([part["score"] for part in parts])).astype(np.int16)),
        risk_tier=pl.Series(tiers[np.concatenate([part["tier"] for part in parts])]),
    )
    if not ability:
        return scored
    points = np.rint(np.concatenate([part["ability"] for part in parts])).astype(np.int16)
    return scored.with_columns(ability=pl.Series(points))


def score_with_reasons(accounts: pl.DataFrame, *, model: ScoringModel) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``score``'s result, and the scoring output of every account (``ScoringModel.score``'s columns,
    keyed by ``account_id`` instead of ``ID``): p_default, score, risk_tier, willingness, ability and
    reason_1..3 with their ``_zh`` and ``_en`` texts."""
    matrix = feature_frame(accounts, model.features).to_numpy(order="fortran")
    parts = _in_threads(matrix, model.score_matrix)
    result = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
    tiers = [str(cut["tier"]) for cut in model.card["tiers"]]
    scores = output_frame(accounts["account_id"], result, model.reason_codes(), tiers)
    scored = accounts.with_columns(
        p_default=scores["p_default"],
        score=scores["score"],
        risk_tier=scores["risk_tier"].cast(pl.String),
        ability=scores["ability"],
    )
    return scored, scores.rename({"ID": "account_id"})


def score_rows(scores: pl.DataFrame, *, run_date: date, model_version: str) -> pl.DataFrame:
    """The ``account_score`` rows of ``score_with_reasons``'s scores (plain types, integer ids)."""
    reasons = [f"reason_{rank}{suffix}" for rank in range(1, REASONS + 1) for suffix in ("", "_zh", "_en")]
    return scores.select(
        pl.col("account_id").cast(pl.Int64),
        pl.lit(run_date, pl.Date).alias("run_date"),
        pl.lit(model_version, pl.String).alias("model_version"),
        pl.col("p_default").cast(pl.Float64),
        pl.col("score", "willingness", "ability").cast(pl.Int64),
        pl.col("risk_tier").cast(pl.String),
        *(
            (pl.col(name) if name in scores.columns else pl.lit(None)).cast(pl.String).alias(name)
            for name in reasons
        ),
    )
