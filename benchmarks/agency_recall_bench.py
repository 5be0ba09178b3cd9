"""The daily agency recall sweep (``arrears agencies recall``) over a book of placed accounts, on SQLite and
PostgreSQL, and what the recall adds to placing a hold.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/agency_recall_bench.py --accounts 100000

Builds ``--accounts`` card accounts, every one placed with one of 12 agencies on the register (placed
over the last 90 days, so that about 1/90 of the periods ended yesterday); 0.5% of the accounts have a
hold in force, 0.5% have nothing overdue left (as the bank's extract would say), and one agency's last
inspection is 400 days old (everything it holds goes). Then times, each in its own audit transaction:
the sweep of the day (every recall audited), the same sweep again (nothing left to do), and placing a
complaint hold on a placed account (recalled at once) against placing one on an account never placed,
the median of ``--holds`` of each. Checks that every expected placement was recalled, with its reason.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, insert, select, text

from arrears import migrate
from arrears.agencies.recall import sweep
from arrears.audit.repository import audit_transaction
from arrears.contacts.holds import place_hold
from arrears.db import make_engine
from arrears.models import (
    Agency,
    AgencyPlacement,
    AppUser,
    CardAccount,
    Customer,
    DailyRun,
    Hold,
    table_of,
)

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, tzinfo=UTC)
AGENCIES = [f"A{n:02d}" for n in range(1, 13)]
LAPSED = "A12"
CHUNK = 20_000


def _insert(engine: Engine, model: Any, rows: list[dict[str, Any]]) -> None:
    with engine.begin() as connection:
        for start in range(0, len(rows), CHUNK):
            connection.execute(insert(table_of(model)), rows[start : start + CHUNK])


def _customer(n: int) -> dict[str, Any]:
    return {"id": n, "customer_no": f"C{n}", "name": "张三", "national_id_enc": b"\x00",
            "national_id_hash": f"{n:064d}", "national_id_masked": "442000********0000",
            "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _account(n: int, overdue_fen: int) -> dict[str, Any]:
    return {"id": n, "account_no": f"6222{n:012d}", "account_tail": f"{n % 10_000:04d}", "customer_id": n,
            "product": "standard", "currency": "CNY", "credit_limit_fen": 5_000_000, "principal_fen": 800_000,
            "interest_fen": 0, "fee_fen": 0, "open_date": date(2020, 1, 1), "cycle_day": 1, "due_day": 20,
            "status": "active", "dpd": 200, "bucket": "M7+", "regulatory_class": "loss",
            "overdue_fen": overdue_fen, "created_at": NOW, "updated_at": NOW}  # fmt: skip


def _agency(code: str, capacity: int) -> dict[str, Any]:
    inspected = DAY - timedelta(days=400 if code == LAPSED else 100)
    return {"code": code, "name": f"委外机构 {code}", "licence_no": f"L-{code}", "whitelisted": True,
            "contract_starts_on": date(2025, 1, 1), "contract_ends_on": date(2027, 12, 31),
            "terms_signed": True, "status": "active", "capacity": capacity, "last_inspection_on": inspected,
            "territories": "[]", "contacts": "[]", "created_at": NOW, "updated_at": NOW}  # fmt: skip


def fill(engine: Engine, accounts: int, seed: int) -> dict[str, int]:
    """The book; the recalls the sweep must make, by reason."""
    rng = random.Random(seed)
    ids = range(1, accounts + 1)
    paid = set(rng.sample(list(ids), accounts // 200))
    held = set(rng.sample(list(ids), accounts // 200))
    _insert(engine, Customer, [_customer(n) for n in ids])
    _insert(engine, CardAccount, [_account(n, 0 if n in paid else 300_000) for n in ids])
    _insert(engine, Agency, [_agency(code, accounts) for code in AGENCIES])
    placements, expected = [], Counter()
    for n in ids:
        code = AGENCIES[n % len(AGENCIES)]
        placed_on = DAY - timedelta(days=1 + (n % 90))  # the oldest ended yesterday
        ends_on = placed_on + timedelta(days=89)
        placements.append({"account_id": n, "agency_code": code, "placed_on": placed_on, "ends_on": ends_on,
                           "created_at": NOW})  # fmt: skip
        if code == LAPSED:  # from its last eligible day, before any period's end
            expected["inspection_lapsed"] += 1
        elif ends_on < DAY:
            expected["period_end"] += 1
        elif n in held:
            expected["hold"] += 1
        elif n in paid:
            expected["paid_in_full"] += 1
    _insert(engine, AgencyPlacement, placements)
    since = NOW - timedelta(days=3)
    _insert(engine, Hold, [{"customer_id": n, "kind": "dispute", "reason": "bench", "placed_at": since}
                           for n in held])  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(DailyRun)).values(run_date=DAY, status="completed", started_at=NOW)
        )
        user = {"username": "bench", "display_name": "bench", "role": "customer_service", "created_at": NOW}
        connection.execute(insert(table_of(AppUser)).values(user))
    return dict(expected)


def timed_hold(engine: Engine, account_id: int) -> float:
    started = time.perf_counter()
    with audit_transaction(engine) as connection:
        place_hold(connection, account_id=account_id, kind="complaint", reason="bench complaint",
                   user_id=None, actor="bench", role="customer_service", now=NOW,
                   whole_customer=False)  # fmt: skip
    return time.perf_counter() - started


def run(label: str, engine: Engine, args: argparse.Namespace) -> None:
    migrate.upgrade(engine)
    expected = fill(engine, args.accounts, args.seed)
    started = time.perf_counter()
    with audit_transaction(engine) as connection:
        result = sweep(connection, as_of=DAY, now=NOW)
    first = time.perf_counter() - started
    started = time.perf_counter()
    with audit_transaction(engine) as connection:
        again = sweep(connection, as_of=DAY, now=NOW)
    second = time.perf_counter() - started
    found = result.by_reason()
    p = table_of(AgencyPlacement)
    with engine.connect() as connection:
        left = connection.execute(select(func.count()).where(p.c.recalled_on.is_(None))).scalar_one()
        query = select(p.c.account_id).where(p.c.recalled_on.is_(None)).order_by(p.c.account_id)
        placed = [int(n) for n in connection.execute(query.limit(args.holds)).scalars()]
    recalling = [timed_hold(engine, n) for n in placed]
    unplaced = list(range(args.accounts - args.holds * 2, args.accounts - args.holds))
    with engine.begin() as connection:
        connection.execute(p.delete().where(p.c.account_id.in_(unplaced)))
    plain = [timed_hold(engine, n) for n in unplaced]
    ok = found == expected and again.recalls == [] and left == args.accounts - sum(expected.values())
    print(f"{label}: {args.accounts:,} placed accounts, 12 agencies (one lapsed)")
    print(
        f"  sweep: {len(result.recalls):,} recalled in {first:.2f} s ({json.dumps(found)}); again: "
        f"{len(again.recalls)} in {second:.2f} s; {left:,} still placed; check {'ok' if ok else 'FAILED'}"
    )
    print(
        f"  complaint hold on a placed account (recalled at once): median "
        f"{statistics.median(recalling) * 1000:.1f} ms; on an account never placed: "
        f"{statistics.median(plain) * 1000:.1f} ms ({args.holds} each)"
    )
    if not ok:
        print(f"  expected {expected}", file=sys.stderr)
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--holds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--postgres-url", default=os.environ.get("ARREARS_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            run("SQLite", engine, args)
        finally:
            engine.dispose()
    if args.postgres_url:
        schema = f"recall_bench_{os.getpid()}"
        admin = make_engine(args.postgres_url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(args.postgres_url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            run("PostgreSQL", engine, args)
        finally:
            engine.dispose()
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
