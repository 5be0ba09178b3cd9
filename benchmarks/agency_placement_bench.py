"""Placement batches at scale: 100,000 accounts handed over in one run, shared among 12 agencies.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/agency_placement_bench.py --accounts 100000

1. The pure allocation (``agencies.placement_rules.allocate``): ``--accounts`` synthetic accounts (overdue
   lognormal around 4,000 yuan, buckets M4 to M7+, a holder's region among Zhongshan's 23 subdistricts
   and towns or none), 12 agencies (spare capacities of 5,000 to 14,000, 110% of the batch together; five
   working a few regions, the rest anywhere; three new, with no history); the median of ``--repeats``
   runs, the LP's size, and the checks: every capacity and territory held, every account once, every new
   agency given its fair share where its territory allows it.
2. The batch end to end (``agencies.placement.place`` in one audited transaction: reading the run's
   hand-overs, the register, what the agencies hold and their track record; the allocation; writing the
   placements and the 12 hand-over files with their SHA-256): on SQLite (a file under ``--work``) and, when
   ``--postgres-url`` or ``ARREARS_TEST_DATABASE_URL`` is given, on PostgreSQL (a schema of its own, dropped
   afterwards). The book is written first (customers, a home address and a mobile each, accounts, the run's
   ``agency_placement`` actions, 12 agencies and 20,000 finished placements with payments for the track
   record; on PostgreSQL then analysed, as the daily import leaves it; not timed); the batch is then
   checked against the register: capacity less what each agency held, territory, one placement per
   account.

The target: at most 10 s for 100,000 accounts among 12 agencies, every capacity held.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, text

from arrears import migrate
from arrears.agencies.placement_rules import Account, Allocation, Taker, allocate
from arrears.db import make_engine
from arrears.imports.zhongshan import zhongshan_districts
from arrears.models import (
    Agency,
    AgencyPlacement,
    CardAccount,
    CollectionAction,
    ContactPoint,
    Customer,
    Payment,
    table_of,
)

RUN = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 2, tzinfo=UTC)
REGIONS = [one.name_zh for one in zhongshan_districts()]
BUCKETS = (("M4", 100), ("M5", 130), ("M6", 160), ("M7+", 240))
CHUNK = 10_000
HISTORY = 20_000  # finished placements of the agencies with a history (their track record)


def book(accounts: int, seed: int) -> tuple[list[Account], list[Taker]]:
    """The synthetic batch and its agencies (module doc)."""
    rng = random.Random(seed)
    found = []
    for number in range(1, accounts + 1):
        bucket, _ = rng.choice(BUCKETS)
        region = None if rng.random() < 0.03 else rng.choice(REGIONS)
        found.append(Account(number, int(rng.lognormvariate(12.9, 0.9)), bucket, region))
    takers = []
    spares = [5_000 + 9_000 * rng.random() for _ in range(12)]
    scale = 1.10 * accounts / sum(spares)
    for index in range(12):
        territories = tuple(sorted(rng.sample(REGIONS, rng.randint(4, 10)))) if index % 12 < 5 else ()
        rate = None if index in (3, 7, 11) else round(rng.uniform(0.04, 0.22), 4)
        takers.append(Taker(f"AG{index + 1:02d}", int(spares[index] * scale), territories, rate))
    return found, takers


def check(allocation: Allocation, accounts: list[Account], takers: list[Taker]) -> list[str]:
    """What the allocation broke (empty: nothing)."""
    problems = []
    region = {one.account_id: one.region for one in accounts}
    by_code = {one.code: one for one in takers}
    counts = allocation.counts()
    for code, count in counts.items():
        if count > by_code[code].spare:
            problems.append(f"{code} took {count:,} over its spare {by_code[code].spare:,}")
    for account, code in allocation.assigned.items():
        if not by_code[code].covers(region[account]):
            problems.append(f"account {account} went to {code} outside its territory")
            break
    if set(allocation.assigned) & set(allocation.left) or len(allocation.assigned) + len(
        allocation.left
    ) != len(accounts):
        problems.append("an account is placed twice or lost")
    for code, owed in allocation.owed.items():
        if counts.get(code, 0) < owed:
            problems.append(f"new agency {code} got {counts.get(code, 0):,} of the {owed:,} it is owed")
    return problems


def pure(accounts: list[Account], takers: list[Taker], repeats: int) -> None:
    took, allocation = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        allocation = allocate(accounts, takers)
        took.append(time.perf_counter() - started)
    assert allocation is not None
    problems = check(allocation, accounts, takers)
    left = dict(Counter(allocation.left.values()))
    print(f"pure allocation of {len(accounts):,} accounts among {len(takers)} agencies: median "
          f"{statistics.median(took):.3f} s of {repeats} (min {min(took):.3f} s); {allocation.classes:,} "
          f"classes, placed {len(allocation.assigned):,}, left {left}")  # fmt: skip
    for taker in takers:
        kind = "new" if taker.performance is None else f"rate {taker.performance:.1%}"
        where = "anywhere" if not taker.territories else f"{len(taker.territories)} regions"
        print(f"  {taker.code}: spare {taker.spare:>6,}  took {allocation.counts().get(taker.code, 0):>6,}  "
              f"owed {allocation.owed.get(taker.code, 0):>5,}  {kind}, {where}")  # fmt: skip
    print(
        "  checks: "
        + ("every capacity, territory and fair share held" if not problems else "; ".join(problems))
    )


# --- end to end ------------------------------------------------------------------------------------------


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table_of(model)), rows[start : start + CHUNK])


def _customer(a: Account) -> dict[str, Any]:
    return {"id": a.account_id, "customer_no": f"C{a.account_id}", "name": "张三", "national_id_enc": b"\x00",
            "national_id_hash": f"{a.account_id:064d}", "national_id_masked": "442000********0000",
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _point(a: Account, kind: str) -> dict[str, Any]:
    home = kind == "home_address"
    return {"customer_id": a.account_id, "kind": kind, "value_enc": b"\x00",
            "value_hash": f"{kind}{a.account_id}",
            "value_masked": "广东省中山市****" if home else "138****0000",
            "district": a.region if home else None, "created_at": NOW}  # fmt: skip


def _account(a: Account) -> dict[str, Any]:
    number = a.account_id
    return {"id": number, "account_no": f"6222{number:012d}", "account_tail": f"{number % 10_000:04d}",
            "customer_id": number, "product": "standard", "currency": "CNY", "credit_limit_fen": 5_000_000,
            "principal_fen": a.overdue_fen, "interest_fen": 0, "fee_fen": 0, "open_date": date(2020, 1, 1),
            "cycle_day": 1, "due_day": 20, "status": "active", "dpd": dict(BUCKETS)[a.bucket],
            "bucket": a.bucket, "regulatory_class": "doubtful", "overdue_fen": a.overdue_fen,
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _action(a: Account) -> dict[str, Any]:
    return {"run_date": RUN, "account_id": a.account_id, "customer_id": a.account_id,
            "channel": "agency_placement", "segment": "m7", "arm": "champion", "treatment": "agency",
            "value_fen": 0, "scheduled_at": NOW, "status": "planned"}  # fmt: skip


def _agency(t: Taker) -> dict[str, Any]:
    return {"code": t.code, "name": f"委外机构 {t.code}", "licence_no": f"L-{t.code}", "whitelisted": True,
            "contract_starts_on": date(2025, 1, 1), "contract_ends_on": date(2027, 12, 31),
            "terms_signed": True, "last_inspection_on": date(2026, 6, 1), "status": "active",
            "capacity": t.spare,
            "territories": json.dumps(list(t.territories), ensure_ascii=False), "contacts": "[]",
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


SNAPSHOTS = (
    "INSERT INTO delinquency_snapshot (account_id, as_of_date, dpd, bucket, regulatory_class, overdue_fen, "
    "balance_fen) SELECT DISTINCT account_id, placed_on, 200, 'M7+', 'loss', 1000000, 1000000 "
    "FROM agency_placement"
)


def fill(engine: Engine, accounts: list[Account], takers: list[Taker], seed: int) -> None:
    """The book in the store: a customer, a home address, a mobile and an account per synthetic account,
    the run's hand-overs, the register, and the finished placements (with a snapshot on their first day
    and a payment each) behind the agencies' rates."""
    rng = random.Random(seed)
    _insert(engine, Customer, [_customer(a) for a in accounts])
    _insert(engine, ContactPoint, [_point(a, kind) for a in accounts for kind in ("home_address", "mobile")])
    _insert(engine, CardAccount, [_account(a) for a in accounts])
    _insert(engine, CollectionAction, [_action(a) for a in accounts])
    _insert(engine, Agency, [_agency(t) for t in takers])
    proven = [t for t in takers if t.performance is not None]
    chosen = rng.sample(range(1, len(accounts) + 1), min(HISTORY, len(accounts)))
    placed = [(account, proven[i % len(proven)]) for i, account in enumerate(chosen)]
    start, end = RUN - timedelta(days=300), RUN - timedelta(days=211)
    period = {"placed_on": start, "ends_on": end, "created_at": NOW}
    _insert(engine, AgencyPlacement, [{"account_id": account, "agency_code": t.code, **period}
                                      for account, t in placed])  # fmt: skip
    with engine.begin() as connection:
        connection.execute(text(SNAPSHOTS))
    _insert(engine, Payment, [{"payment_ref": f"bench-{number}", "account_id": account, "channel": "bank",
                               "paid_date": start + timedelta(days=30),
                               "amount_fen": int(1_000_000 * (t.performance or 0))}
                              for number, (account, t) in enumerate(placed)])  # fmt: skip
    if engine.dialect.name == "postgresql":  # as after the daily import: the planner knows the tables
        with engine.begin() as connection:
            connection.execute(text("ANALYZE"))


def verify(engine: Engine, takers: list[Taker], accounts: list[Account], batch_id: int) -> list[str]:
    p = table_of(AgencyPlacement)
    region = {one.account_id: one.region for one in accounts}
    with engine.connect() as connection:
        rows = connection.execute(
            select(p.c.account_id, p.c.agency_code).where(p.c.batch_id == batch_id)
        ).all()
    problems = []
    counts = Counter(code for _, code in rows)
    by_code = {one.code: one for one in takers}
    for code, count in counts.items():
        if count > by_code[code].spare:  # nothing was held on the day: the capacity is the spare
            problems.append(f"{code} holds {count:,} over its capacity {by_code[code].spare:,}")
    if len({account for account, _ in rows}) != len(rows):
        problems.append("an account placed twice")
    if any(not by_code[code].covers(region[account]) for account, code in rows):
        problems.append("an account outside its agency's territory")
    return problems


def end_to_end(label: str, engine: Engine, accounts: list[Account], takers: list[Taker], work: Path,
               seed: int) -> None:  # fmt: skip
    from arrears.agencies.placement import place
    from arrears.audit.repository import audit_transaction

    migrate.upgrade(engine)
    started = time.perf_counter()
    fill(engine, accounts, takers, seed)
    print(f"{label}: book written in {time.perf_counter() - started:.1f} s (not counted)")
    data_dir = work / f"data-{label}"
    started = time.perf_counter()
    with audit_transaction(engine) as connection:
        report = place(connection, run_date=RUN, placed_on=RUN, days=90, actor="bench", actor_id=None,
                       now=NOW, data_dir=data_dir)  # fmt: skip
    took = time.perf_counter() - started
    summary = report.summary
    rates = {one["code"]: one["rate"] for one in summary["agencies"]}
    problems = verify(engine, takers, accounts, report.batch_id)
    rows = sum(one["rows"] for one in report.files)
    print(f"{label}: batch of {summary['candidates']:,} accounts in {took:.2f} s (allocation "
          f"{summary['solved_ms'] / 1000:.2f} s): placed {summary['placed']:,}, left {summary['left']}, "
          f"{len(report.files)} hand-over files ({rows:,} rows)")  # fmt: skip
    print("  rates credited: " + ", ".join(f"{code} {rate:.1%}" for code, rate in sorted(rates.items())))
    print("  checks: " + ("every capacity, territory held; each account placed once" if not problems
                          else "; ".join(problems)))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--postgres-url", default=os.environ.get("ARREARS_TEST_DATABASE_URL"))
    args = parser.parse_args()
    accounts, takers = book(args.accounts, args.seed)
    pure(accounts, takers, args.repeats)
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        work = Path(folder)
        engine = make_engine(f"sqlite:///{work / 'bench.db'}")
        try:
            end_to_end("SQLite", engine, accounts, takers, work, args.seed)
        finally:
            engine.dispose()
        if args.postgres_url:
            postgres(args.postgres_url, accounts, takers, work, args.seed)


def postgres(url: str, accounts: list[Account], takers: list[Taker], work: Path, seed: int) -> None:
    schema = f"placement_bench_{os.getpid()}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        end_to_end("PostgreSQL", engine, accounts, takers, work, seed)
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


if __name__ == "__main__":
    main()
