"""Scoring benchmark: model quality on the bundled UCI file and scoring throughput, Parquet to Parquet.

    .venv/bin/python benchmarks/scoring_bench.py                 # quality, then 10M accounts
    .venv/bin/python benchmarks/scoring_bench.py --accounts 2000000

Quality: 5-fold cross-validated AUC and ECE (10 equal-frequency bins, over all out-of-fold
probabilities; the mean of the folds' ECE is printed too) of the Arrears model
(interaction-constrained LightGBM, calibrated out of fold) and, in the same run and on the same
folds, of two baselines: plain LightGBM (default parameters, 100 rounds, all raw columns) and
logistic regression on the raw columns (standardised). Throughput: the bundled accounts resampled
to N rows (Parquet), scored by `arrears model score` in a fresh process; prints accounts/s and its
peak RSS.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import polars as pl
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from arrears.imports.uci import bundled_path
from arrears.scoring.data import LABEL, read_accounts
from arrears.scoring.features import INPUT_COLUMNS
from arrears.scoring.metrics import auc, ece
from arrears.scoring.model import save_model
from arrears.scoring.train import TrainingConfig, train

RAW = [c for c in INPUT_COLUMNS if c != "ID"]


def baselines(accounts: pl.DataFrame, folds: int, seed: int) -> dict[str, tuple[float, float, float]]:
    x = accounts.select(RAW).to_numpy()
    y = accounts[LABEL].to_numpy()
    splits = list(StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y))
    results = {}
    for name in ("plain LightGBM", "logistic regression"):
        p = np.zeros(len(y))
        for fit_rows, test_rows in splits:
            if name == "plain LightGBM":
                booster = lgb.train(
                    {"objective": "binary", "verbose": -1}, lgb.Dataset(x[fit_rows], y[fit_rows]), 100
                )
                p[test_rows] = booster.predict(x[test_rows])
            else:
                model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
                p[test_rows] = model.fit(x[fit_rows], y[fit_rows]).predict_proba(x[test_rows])[:, 1]
        fold_auc = [auc(y[t], p[t]) for _, t in splits]
        fold_ece = [ece(y[t], p[t]) for _, t in splits]
        results[name] = (float(np.mean(fold_auc)), ece(y, p), float(np.mean(fold_ece)))
    return results


def throughput(model_dir: Path, accounts: pl.DataFrame, rows: int, scratch: Path) -> tuple[float, float]:
    source = scratch / "accounts.parquet"
    rng = np.random.default_rng(11)
    picked = accounts.drop(LABEL)[rng.integers(0, accounts.height, rows)]
    picked.with_columns(pl.int_range(rows).cast(pl.String).alias("ID")).write_parquet(source)
    command = [
        sys.executable,
        "-m",
        "arrears",
        "model",
        "score",
        "--model",
        str(model_dir),
        "--data",
        str(source),
        "--out",
        str(scratch / "scores.parquet"),
    ]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status):
        sys.exit("scoring failed")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--accounts", type=int, default=10_000_000, help="rows to score for the throughput figure"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    accounts = read_accounts(bundled_path(), label=True)
    trained = train(accounts, TrainingConfig(seed=args.seed))
    cv = trained.cv
    print(f"{'model':<22}{'CV AUC':>8}{'ECE':>8}{'fold ECE':>10}")
    print(
        f"{'Arrears':<22}{np.mean([f.auc for f in cv.folds]):>8.4f}{cv.pooled_ece:>8.4f}"
        f"{np.mean([f.ece for f in cv.folds]):>10.4f}"
        f"   (training {trained.seconds:.1f} s, {cv.rounds} rounds)"
    )
    for name, (mean_auc, pooled, per_fold) in baselines(accounts, trained.config.folds, args.seed).items():
        print(f"{name:<22}{mean_auc:>8.4f}{pooled:>8.4f}{per_fold:>10.4f}")
    print(
        "CV AUC: mean of the fold AUCs; ECE: all out-of-fold probabilities together; fold ECE: mean of "
        f"the folds' (sampling noise alone gives about {cv.ece_noise_floor:.4f} on a fold this size)"
    )
    print("target: CV AUC >= 0.785 with ECE <= 0.015; training <= 60 s")
    with tempfile.TemporaryDirectory(prefix="arrears-score-") as name:
        scratch = Path(name)
        save_model(trained, scratch / "model", data_path=bundled_path())
        seconds, peak = throughput(scratch / "model", accounts, args.accounts, scratch)
    print(
        f"scored {args.accounts:,} accounts in {seconds:.1f} s: {args.accounts / seconds:,.0f} accounts/s, "
        f"peak RSS {peak:,.0f} MiB"
    )
    print("target: >= 500,000 accounts/s (10M in <= 20 s), peak memory <= 4 GB")


if __name__ == "__main__":
    main()
