"""File mode: the daily run over a portfolio Parquet file, writing Parquet outputs and a report.

Partitions hold whole customers (compliance counts a customer's contacts over all their accounts).
The outputs are written to a hidden folder first and moved into place at the end, the report last:
a folder with ``report.json`` holds a complete run.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import polars as pl

from arrears.batch.pipeline import Day, Outputs, finish, prepare
from arrears.batch.portfolio import portfolio_partitions
from arrears.compliance.policy import Policy
from arrears.scoring.model import load_model
from arrears.strategy.schema import Strategy

PARTITION_ROWS = 1_000_000
REPORT = "report.json"
ENGINES = ("local", "spark")


def run_file(
    accounts_path: str | Path,
    *,
    strategy: Strategy,
    model_directory: Path,
    policy: Policy,
    as_of: date,
    out: Path,
    engine: str = "local",
    step: Callable[[str], None] = lambda _name: None,
    advance: Callable[[int], None] = lambda _rows: None,
    partition_rows: int = PARTITION_ROWS,
) -> Outputs:
    """The day over the portfolio at ``accounts_path`` (a file; for Spark, any URL it reads), written
    to ``out``; ``step`` hears of each step, ``advance`` of the accounts decided (local engine)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}")
    day = Day(strategy, load_model(model_directory), policy, as_of)
    step("prepare")
    if engine == "spark":
        from arrears.batch.spark import prepare_with_spark

        prepared = prepare_with_spark(accounts_path, model_directory, strategy, policy, as_of)
    else:
        parts = []
        for part in portfolio_partitions(Path(accounts_path), partition_rows):
            parts.append(prepare(part, day))
            advance(part.height)
        prepared = pl.concat(parts)
    step("allocate")
    outputs = finish(prepared, day)
    step("write")
    write_outputs(out, outputs)
    return outputs


def write_outputs(out: Path, outputs: Outputs) -> None:
    out.mkdir(parents=True, exist_ok=True)
    staging = out / ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    for stem, frame in outputs.frames.items():
        frame.write_parquet(staging / f"{stem}.parquet")
    (out / REPORT).unlink(missing_ok=True)
    for path in staging.iterdir():
        path.replace(out / path.name)
    staging.rmdir()
    (out / REPORT).write_text(json.dumps(outputs.report, ensure_ascii=False, indent=1) + "\n", "utf-8")
