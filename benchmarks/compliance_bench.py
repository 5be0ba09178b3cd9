"""Compliance benchmark: the vectorised check on N candidate actions, and single in-process checks.

    .venv/bin/python benchmarks/compliance_bench.py                    # 10M candidates
    .venv/bin/python benchmarks/compliance_bench.py --candidates 1000000

Candidates: one call, SMS or visit per debtor (60% calls), 1 to 2 time zones, a few holds, consents
and opt-outs, an agency actor on a quarter of them; history: 0 to 6 contacts per debtor in the last
9 days. Both policies are run. Single checks: 20,000 random situations through
`arrears.compliance.check`, timed one by one; prints p50 and p99.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta

import numpy as np
import polars as pl

from arrears.compliance import check, load_policy
from arrears.compliance.frame import CANDIDATE_SCHEMA, HISTORY_SCHEMA, decide_frame

ZONE_SETS = [["Asia/Shanghai"], ["Asia/Shanghai"], ["Asia/Shanghai", "Asia/Urumqi"], ["America/New_York"],
             ["America/New_York", "America/Los_Angeles"]]  # fmt: skip
START = datetime(2026, 11, 23, tzinfo=UTC)


def _utc(values: np.ndarray) -> pl.Series:
    return pl.Series(values.astype("datetime64[us]")).dt.replace_time_zone("UTC")


def candidates_and_history(count: int, seed: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    debtors = pl.Series("debtor", np.arange(count)).cast(pl.String)
    base = np.datetime64("2026-11-23T06:00:00", "us")
    now = _utc(base + rng.integers(0, 16 * 3600, count).astype("timedelta64[s]"))
    channel = np.array(["call", "sms", "visit"])[rng.choice(3, count, p=[0.6, 0.3, 0.1])]
    zone_index = rng.integers(0, len(ZONE_SETS), count)
    agency = rng.random(count) < 0.25
    candidates = pl.DataFrame(
        {
            "id": debtors,
            "debtor": debtors,
            "now": now,
            "channel": channel,
            "party": np.where(rng.random(count) < 0.95, "debtor", "third_party"),
            "contact_point": np.array(["m1", "m2"])[rng.integers(0, 2, count)],
            "actor": np.where(agency, "agency:A1", "bank"),
            "purpose": np.where(rng.random(count) < 0.9, "collect", "relay_message"),
            "discloses_debt": rng.random(count) < 0.9,
            "staff_count": rng.integers(1, 3, count),
            "recording": rng.random(count) < 0.95,
            "zones": pl.Series([ZONE_SETS[i] for i in range(len(ZONE_SETS))])[zone_index],
            "holds": pl.Series([[], [], [], [], ["dispute"], ["hardship"]])[rng.integers(0, 6, count)],
            "consents": pl.Series([[], [], [], ["extra_calls"]])[rng.integers(0, 4, count)],
            "opted_out_points": pl.Series([[], [], [], ["m2"]])[rng.integers(0, 4, count)],
            "unreachable_since": None,
            "agency_code": pl.Series(["A1"] * count).set(pl.Series(~agency), None),
            "agency_whitelisted": pl.Series(rng.random(count) < 0.9).set(pl.Series(~agency), None),
            "agency_last_inspection_date": pl.Series([START.date() - timedelta(days=200)] * count),
            "agency_contract_valid_until": pl.Series([START.date() + timedelta(days=100)] * count),
        },
        schema_overrides=CANDIDATE_SCHEMA,
    ).select(list(CANDIDATE_SCHEMA))
    contacts = rng.integers(0, 7, count)
    owners = np.repeat(np.arange(count), contacts)
    total = len(owners)
    history = pl.DataFrame(
        {
            "debtor": pl.Series(owners).cast(pl.String),
            "at": _utc(base - rng.integers(0, 9 * 86400, total).astype("timedelta64[s]")),
            "channel": np.where(rng.random(total) < 0.8, "call", "sms"),
            "contact_point": np.array(["m1", "m2"])[rng.integers(0, 2, total)],
            "party": "debtor",
            "actor": np.where(rng.random(total) < 0.7, "bank", "agency:A1"),
            "connected": rng.random(total) < 0.4,
            "conversation": rng.random(total) < 0.3,
        },
        schema_overrides=HISTORY_SCHEMA,
    ).select(list(HISTORY_SCHEMA))
    return candidates, history


def single_checks(count: int) -> tuple[float, float]:
    policy = load_policy("cn")
    rng = random.Random(5)
    times = []
    for _ in range(count):
        now = START + timedelta(minutes=rng.randint(0, 24 * 60))
        data = {
            "now": now.isoformat(),
            "action": {"channel": "call", "party": "debtor", "contact_point": "m1"},
            "debtor": {"timezones": ["Asia/Shanghai"], "holds": [], "consents": []},
            "history": [
                {
                    "at": (now - timedelta(minutes=rng.randint(1, 3 * 24 * 60))).isoformat(),
                    "channel": "call",
                    "contact_point": "m1",
                    "party": "debtor",
                    "connected": rng.random() < 0.5,
                }
                for _ in range(rng.randint(0, 10))
            ],
        }
        started = time.perf_counter()
        check(policy, data)
        times.append(time.perf_counter() - started)
    return float(np.percentile(times, 50) * 1000), float(np.percentile(times, 99) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--candidates", type=int, default=10_000_000)
    args = parser.parse_args()
    started = time.perf_counter()
    candidates, history = candidates_and_history(args.candidates, seed=3)
    print(
        f"{candidates.height:,} candidates, {history.height:,} history rows, "
        f"built in {time.perf_counter() - started:.1f} s"
    )
    for name in ("cn", "us"):
        policy = load_policy(name)
        started = time.perf_counter()
        decisions = decide_frame(policy, candidates, history)
        seconds = time.perf_counter() - started
        blocked = decisions.filter(pl.col("decision") == "block").height
        print(
            f"{name}: decided in {seconds:.1f} s ({candidates.height / seconds:,.0f}/s), {blocked:,} blocked"
        )
    print("target: 10,000,000 candidates in <= 15 s")
    p50, p99 = single_checks(20_000)
    print(f"single check: p50 {p50:.3f} ms, p99 {p99:.3f} ms (target: p99 <= 2 ms)")


if __name__ == "__main__":
    main()
