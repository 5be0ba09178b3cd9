"""Daily run benchmark (file mode): the whole day over N synthetic accounts, against a plain
per-account Python loop doing the same steps, and the allocation heuristic against the exact optimum.

    .venv/bin/python benchmarks/daily_run_bench.py                          # 10M accounts
    .venv/bin/python benchmarks/daily_run_bench.py --accounts 1000000 --loop-accounts 20000

1. Writes a synthetic portfolio (`arrears synth portfolio`) and trains nothing: the model is trained
   once on the bundled UCI data (or taken from --model).
2. Runs `arrears batch run` as a child process and reports its wall time and peak memory (RSS).
3. Runs the same steps account by account in plain Python on --loop-accounts accounts (scoring one
   row at a time, conditions and steps in Python, the scalar compliance check per action, a greedy
   allocation) and the vectorised run on the same accounts; prints the speed-up.
4. Times `arrears run-day` (store mode) on the UCI portfolio in a fresh embedded store.
5. Solves the allocation of the first --gap-accounts accounts exactly (HiGHS) and with the price
   heuristic, and prints the gap.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from arrears.batch.allocate import allocate
from arrears.batch.pipeline import Day, finish, prepare
from arrears.batch.portfolio import read_portfolio
from arrears.batch.steps.comply import PLANNED, TASKS, situation_of
from arrears.batch.steps.reach import NEEDS
from arrears.batch.synth_portfolio import synth_portfolio
from arrears.compliance import decide, load_policy, parse_situation
from arrears.imports.uci import bundled_path
from arrears.scoring.model import load_model
from arrears.strategy.load import load_strategy
from arrears.strategy.overlap import dpd_spans

AS_OF = date(2026, 11, 23)


def _model(directory: Path | None, work: Path) -> Path:
    if directory is not None:
        return directory
    out = work / "model"
    command = [
        sys.executable,
        "-m",
        "arrears",
        "model",
        "train",
        "--data",
        str(bundled_path()),
        "--out",
        str(out),
    ]
    subprocess.run(command, check=True, capture_output=True)
    return out


def _child_run(portfolio: Path, model: Path, out: Path) -> tuple[float, float]:
    command = [
        sys.executable,
        "-m",
        "arrears",
        "batch",
        "run",
        "--accounts",
        str(portfolio),
        "--model",
        str(model),
        "--date",
        AS_OF.isoformat(),
        "--out",
        str(out),
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    peak_gib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    return seconds, peak_gib


def _meets(value: float, low: object, high: object) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)  # type: ignore[operator]


def loop_day(accounts: pl.DataFrame, day: Day) -> int:
    """The day account by account in plain Python; returns the number of actions chosen."""
    strategy, policy = day.strategy, day.policy
    candidates = []
    for account in accounts.iter_rows(named=True):
        scored = day.model.score(pl.DataFrame([account]).with_columns(ID=pl.col("account_id")))
        p_default = float(scored["p_default"][0])
        ability = int(scored["ability"][0])  # the score's ability component (the legal segment's)
        hold = bool(account["holds"])
        segment = None
        for one in strategy.segments:
            when = one.when
            ok = any(
                (low is None or account["dpd"] >= low) and (high is None or account["dpd"] <= high)
                for low, high in dpd_spans(when)
            )
            if when.balance is not None:
                ok = ok and (when.balance.min is None or account["balance_fen"] >= when.balance.min * 100)
                ok = ok and (when.balance.max is None or account["balance_fen"] <= when.balance.max * 100)
            if when.ability is not None:
                ok = ok and _meets(ability, when.ability.min, when.ability.max)
            if when.hold is not None:
                ok = ok and hold == when.hold
            if ok:
                segment = one
                break
        if segment is None:
            continue
        arm = segment.arms_or_one()[0]
        name = (
            segment.on_broken_promise
            if account["promise_broken"] and segment.on_broken_promise
            else arm.treatment
        )
        entry = min((low or 0) for low, high in dpd_spans(segment.when) if (low or 0) <= account["dpd"])
        in_segment = account["dpd"] - int(entry) + 1
        for step in strategy.treatments[name].steps:
            used = [c["at"].date() for c in account["recent_contacts"] if c["channel"] == step.channel]
            since = (AS_OF - max(used)).days if used else None
            fresh = since is None or since >= in_segment
            due = in_segment in step.days or (step.within is not None and fresh)
            due = due or (step.every is not None and (fresh or (since is not None and since >= step.every)))
            if not due or (step.channel in NEEDS and account[NEEDS[step.channel][0]] is None):
                continue  # not due, or no phone or e-mail address to reach
            economics = strategy.economics[step.channel]
            value = account["balance_fen"] * economics.lift * (1 - p_default) * (1 - economics.commission)
            value = round(value - int(economics.cost * 100))
            if step.channel not in TASKS:
                zone = ZoneInfo(account["zones"][0])
                now = datetime.combine(AS_OF, PLANNED[step.channel], zone)
                situation = parse_situation(situation_of(account, step.channel, now))
                if decide(policy, situation).decision != "allow":
                    continue
            candidates.append(
                {
                    "account_id": account["account_id"],
                    "customer_id": account["customer_id"],
                    "channel": step.channel,
                    "value_fen": value,
                    "decision": "allow",
                }
            )
    if not candidates:
        return 0
    frame = pl.DataFrame(candidates)
    return allocate(frame.filter(pl.col("value_fen") > 0), strategy.limits(), method="prices").height


def store_mode(model: Path, work: Path) -> float:
    """Seconds of `arrears run-day` (a new process, as an operator runs it) on the UCI portfolio in a
    fresh embedded store; the import and the model registration before it are not timed."""
    shutil.rmtree(work / "store", ignore_errors=True)
    env = {**os.environ, "ARREARS_DATA_DIR": str(work / "store")}
    env.pop("ARREARS_DATABASE_URL", None)

    def arrears(*words: str) -> None:
        subprocess.run([sys.executable, "-m", "arrears", *words], check=True, capture_output=True, env=env)

    arrears("import", "uci")
    arrears("model", "register", str(model), "--by", "bench")
    arrears("model", "promote", json.loads((model / "card.json").read_text())["version"], "--by", "bench")
    started = time.perf_counter()
    arrears("run-day", "--date", "2005-10-01")
    return time.perf_counter() - started


def chosen_actions(report: dict[str, Any]) -> int:
    return sum(figures["actions"] for figures in report["chosen"].values())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=10_000_000)
    parser.add_argument("--loop-accounts", type=int, default=100_000)
    parser.add_argument("--gap-accounts", type=int, default=100_000)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument(
        "--work", type=Path, default=None, help="Keep the files here (default: a temporary folder)."
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        model = _model(args.model, work)
        portfolio = work / "portfolio.parquet"
        started = time.perf_counter()
        synth_portfolio(portfolio, accounts=args.accounts, seed=1, as_of=AS_OF)
        print(f"portfolio: {args.accounts:,} accounts written in {time.perf_counter() - started:.1f} s")
        seconds, peak = _child_run(portfolio, model, work / "out")
        report = json.loads((work / "out" / "report.json").read_text())
        print(
            f"file mode, local engine: {seconds:.1f} s end to end, peak RSS {peak:.2f} GiB "
            f"({report['candidates']:,} candidate actions, {chosen_actions(report):,} chosen)"
        )
        print(
            f"  target: <= 120 s and <= 12 GiB for 10M accounts: "
            f"{'met' if _meets(seconds, None, 120) and _meets(peak, None, 12) else 'not met'}"
            f"{'' if args.accounts == 10_000_000 else ' (run with 10M accounts to check)'}"
        )
        seconds = store_mode(model, work)
        print(
            f"store mode, UCI portfolio (24,000 accounts): `arrears run-day` in {seconds:.1f} s "
            "(target <= 10 s)"
        )
        day = Day(load_strategy("default").strategy, load_model(model), load_policy("cn"), AS_OF)
        sample = read_portfolio(portfolio).head(args.loop_accounts)
        started = time.perf_counter()
        finish(prepare(sample, day), day)
        vectorised = time.perf_counter() - started
        started = time.perf_counter()
        chosen = loop_day(sample, day)
        looped = time.perf_counter() - started
        print(
            f"{sample.height:,} accounts: vectorised {vectorised:.2f} s, per-account loop {looped:.1f} s "
            f"({chosen:,} actions): {looped / vectorised:.0f}x (target >= 30x)"
        )
        gap_sample = read_portfolio(portfolio).head(args.gap_accounts)
        prepared = prepare(gap_sample, day)
        allowed = prepared.filter(pl.col("kind") == "action")
        capacity = {
            channel: max(1, limit * gap_sample.height // args.accounts)
            for channel, limit in day.strategy.limits().items()
        }
        timings = {}
        values = {}
        for method in ("exact", "prices"):
            started = time.perf_counter()
            values[method] = int(allocate(allowed, capacity, method=method).get_column("value_fen").sum())
            timings[method] = time.perf_counter() - started
        gap = (values["exact"] - values["prices"]) / values["exact"] * 100
        print(
            f"allocation of {allowed.height:,} candidates "
            f"(capacity scaled to {gap_sample.height:,} accounts): "
            f"exact (HiGHS) {timings['exact']:.2f} s, prices {timings['prices']:.2f} s, gap {gap:.4f}%"
        )


if __name__ == "__main__":
    main()
