"""Scoring a file, Parquet (or CSV) to Parquet, in batches: bounded memory, both cores busy."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow.parquet as pq

from arrears.kit.threads import prefetch
from arrears.scoring.data import iter_accounts
from arrears.scoring.features import feature_frame
from arrears.scoring.model import ScoringModel, output_frame

BATCH_ROWS = 1_000_000


@dataclass(frozen=True, slots=True)
class ScoredFile:
    accounts: int
    tiers: dict[str, int]


def score_frame(
    model: ScoringModel, accounts: pl.DataFrame, pool: ThreadPoolExecutor, threads: int
) -> pl.DataFrame:
    """``model.score`` with the rows split between the pool's threads (NumPy releases the GIL)."""
    matrix = feature_frame(accounts, model.features).to_numpy()
    bounds = np.linspace(0, matrix.shape[0], threads + 1).astype(int)
    parts = [slice(int(start), int(stop)) for start, stop in pairwise(bounds)]
    results = list(pool.map(lambda rows: model.score_matrix(matrix[rows]), parts))
    merged: dict[str, Any] = {key: np.concatenate([r[key] for r in results]) for key in results[0]}
    tiers = [str(cut["tier"]) for cut in model.card["tiers"]]
    return output_frame(accounts["ID"], merged, model.reason_codes(), tiers)


def score_file(
    model: ScoringModel, source: Path, target: Path, *, batch_rows: int = BATCH_ROWS, threads: int = 2
) -> ScoredFile:
    """Scores every account of ``source`` into ``target`` (Parquet). Written to a temporary name and
    renamed at the end, so a failed run leaves no partial output."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    writer: pq.ParquetWriter | None = None
    accounts = 0
    tiers: dict[str, int] = {}
    try:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            for batch in prefetch(iter_accounts(source, batch_rows=batch_rows)):
                scored = score_frame(model, batch, pool, threads)
                table = scored.to_arrow()
                if writer is None:
                    writer = pq.ParquetWriter(partial, table.schema, compression="zstd")
                writer.write_table(table)
                accounts += scored.height
                for tier, count in scored["risk_tier"].value_counts().iter_rows():
                    tiers[str(tier)] = tiers.get(str(tier), 0) + int(count)
        if writer is None:
            raise ValueError(f"{source.name} holds no accounts")
        writer.close()
        partial.replace(target)
    except BaseException:
        if writer is not None:
            writer.close()
        partial.unlink(missing_ok=True)
        raise
    return ScoredFile(accounts, tiers)


def score_accounts(
    model: ScoringModel, accounts: pl.DataFrame, target: Path, *, threads: int = 2
) -> ScoredFile:
    """Scores accounts already in memory (from the store or an extract) into ``target`` (Parquet)."""
    if accounts.is_empty():
        raise ValueError("there are no accounts to score")
    with ThreadPoolExecutor(max_workers=threads) as pool:
        scored = score_frame(model, accounts, pool, threads)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    scored.write_parquet(partial, compression="zstd")
    partial.replace(target)
    tiers = {str(tier): int(count) for tier, count in scored["risk_tier"].value_counts().iter_rows()}
    return ScoredFile(scored.height, tiers)
