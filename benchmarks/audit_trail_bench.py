"""The compliance page's trail on a large audit chain: the chain verified from its first entry and then
carried on, and the trail's searches (a page of 50 and the count), on SQLite and PostgreSQL.

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/audit_trail_bench.py --entries 500000

Appends ``--entries`` entries with valid hashes (actions, actors and accounts drawn at random over 180
days) to a fresh database of each kind (PostgreSQL: a schema of its own on ``--postgres-url``, else
``ARREARS_TEST_DATABASE_URL``, dropped afterwards), then prints seconds per step (the median of three
runs for the searches).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, text

from arrears import migrate
from arrears.audit.repository import AuditLog, Pending, audit_transaction
from arrears.audit.trail import TrailFilter, TrailRepository
from arrears.audit.watch import ChainState, verify_more
from arrears.db import make_engine
from arrears.models import CardAccount, Customer, table_of

ACTIONS = ("hold.placed", "plan.proposed", "pii.reveal", "payment.posted", "legal.returned", "call.backdated")
ACCOUNTS = 2_000
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)


def book(engine: Engine) -> None:
    """One cardholder with ``ACCOUNTS`` accounts (the entries name them)."""
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(Customer)).values(
                id=1,
                customer_no="C1",
                name="bench",
                national_id_enc=b"x",
                national_id_hash="h",
                national_id_masked="1****1",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        connection.execute(
            insert(table_of(CardAccount)),
            [
                {
                    "id": n,
                    "account_no": f"B{n:08d}",
                    "account_tail": f"{n % 10_000:04d}",
                    "customer_id": 1,
                    "product": "card",
                    "currency": "CNY",
                    "credit_limit_fen": 1,
                    "principal_fen": 1,
                    "interest_fen": 0,
                    "fee_fen": 0,
                    "open_date": date(2020, 1, 1),
                    "cycle_day": 1,
                    "due_day": 20,
                    "status": "active",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for n in range(1, ACCOUNTS + 1)
            ],
        )


def append(engine: Engine, count: int, *, seed: int) -> None:
    rng = random.Random(seed)
    for start in range(0, count, 20_000):
        batch = [
            Pending(
                at=NOW - timedelta(seconds=rng.randrange(180 * 86_400)),
                actor=f"user{rng.randrange(200)}",
                action=rng.choice(ACTIONS),
                subject_type="hold",
                subject_id=str(start + n),
                details={"account_id": rng.randrange(1, ACCOUNTS + 1), "kind": "dispute"},
            )
            for n in range(min(20_000, count - start))
        ]
        with audit_transaction(engine) as connection:
            AuditLog(connection).append_many(batch)


def timed(step: Callable[[], Any], runs: int = 1) -> float:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds)


def searches(engine: Engine) -> dict[str, float]:
    since = NOW - timedelta(days=7)
    wanted = {
        "everything": TrailFilter(),
        "account": TrailFilter(account_id=ACCOUNTS // 2, customer_id=1),
        "actor": TrailFilter(actor="user7"),
        "action": TrailFilter(action="legal.returned"),
        "last 7 days": TrailFilter(since=since, until=NOW),
        "account, last 7 days": TrailFilter(account_id=ACCOUNTS // 2, customer_id=1, since=since, until=NOW),
    }
    found = {}
    with engine.connect() as connection:
        repository = TrailRepository(connection)
        for name, one in wanted.items():
            found[f"search {name}: page"] = timed(
                lambda one=one: repository.search(one, offset=0, limit=50), 3
            )
            found[f"search {name}: count"] = timed(lambda one=one: repository.count(one), 3)
    return found


def run(name: str, engine: Engine, entries: int) -> None:
    migrate.upgrade(engine)
    book(engine)
    loading = timed(lambda: append(engine, entries, seed=7))
    figures = {"append (load)": loading}
    state = ChainState(started_at=NOW, checked_at=NOW)

    def first() -> None:
        nonlocal state
        with engine.connect() as connection:
            state = verify_more(connection, state, now=NOW)

    figures["chain verified from the first entry"] = timed(first)
    assert state.intact and state.entries == entries, state
    append(engine, 1_000, seed=8)
    figures["chain carried on over 1,000 new entries"] = timed(first)
    figures |= searches(engine)
    print(f"\n{name}, {entries:,} entries")
    for step, seconds in figures.items():
        print(f"  {step:<45} {seconds:8.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", type=int, default=500_000)
    parser.add_argument("--postgres-url", default=os.environ.get("ARREARS_TEST_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        run("SQLite", engine, args.entries)
        engine.dispose()
    if args.postgres_url:
        schema = f"audit_bench_{os.getpid()}"
        admin = make_engine(args.postgres_url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(args.postgres_url, connect_args={"options": f"-csearch_path={schema}"})
        try:
            run("PostgreSQL", engine, args.entries)
        finally:
            engine.dispose()
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
