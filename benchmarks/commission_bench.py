"""Agency commission statements for a month of payments (``arrears agencies commission statement --all``),
on SQLite and PostgreSQL: the seconds to read the month's attributed payments, price them, write each
agency's CSV and PDF and store the statements, and the figures' check (money conserved to the fen).

    flock /tmp/notes/bench.lock .venv/bin/python benchmarks/commission_bench.py --payments 1000000

Builds a synthetic book: ``--accounts`` card accounts (nine in ten placed with one of ``--agencies``
agencies by three monthly placement batches, a tenth of those placements recalled early, the others
never placed), a delinquency snapshot of each placed account on its batch's run date, a schedule of
four bands (age at placement x overdue amount) per agency, and ``--payments`` payments dated in the
month on random accounts (loaded day by day, as the daily extracts append them), 0.5% of them reversed
(whole or in part) later in the month. Rows are loaded with the raw driver (executemany on SQLite,
COPY on PostgreSQL); the statements are then made the way the command makes them
(``commission.prepare`` on a read connection, ``commission.record`` in an audit transaction), timed,
and checked: the statements' collected money plus the payments attributed to no agency equals the
month's payments, and each CSV's commission column sums to its statement's.

SQLite: a file in ``--work``. PostgreSQL: ``--database-url`` or ``ARREARS_TEST_DATABASE_URL``, on which a
schema ``commission_bench`` is created and dropped at the end; ``--backends`` picks them.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url

MONTH = date(2026, 3, 1)
LAST = date(2026, 3, 31)
AS_OF = date(2026, 4, 1)
ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 2, 2, tzinfo=UTC)
RUNS = (date(2026, 1, 2), date(2026, 2, 2), date(2026, 3, 2))  # the placement batches' run dates
BANDS = ("M1-M3:0-10000:1200", "M1-M3:10000+:1000", "M4-M6:*:1800", "M7+:*:2500")
SCHEMA = "commission_bench"
CHUNK = 200_000


class Loader:
    """Rows into a table: executemany on SQLite's raw connection, COPY on PostgreSQL."""

    def __init__(self, engine: Engine, url: str) -> None:
        self.sqlite = make_url(url).get_backend_name() == "sqlite"
        if self.sqlite:
            self.connection: Any = sqlite3.connect(make_url(url).database or "")
            self.connection.execute("PRAGMA synchronous=OFF")
        else:
            import psycopg

            libpq = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
            self.connection = psycopg.connect(libpq, options=f"-csearch_path={SCHEMA}")
            self.connection.execute("SET session_replication_role = replica")  # no FK triggers while loading

    def stamp(self, moment: datetime) -> str:
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") + ("" if self.sqlite else "+00")

    def put(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            if self.sqlite:
                marks = ", ".join("?" for _ in columns)
                self.connection.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", part
                )
                continue
            lines = "\n".join("\t".join("\\N" if v is None else str(v) for v in row) for row in part) + "\n"
            with (
                self.connection.cursor() as cursor,
                cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):
                copy.write(lines)
        self.connection.commit()

    def finish(self) -> None:
        if not self.sqlite:
            for table in ("customer", "card_account", "payment", "agency_placement", "placement_batch"):
                self.connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                )
        self.connection.execute("ANALYZE")
        self.connection.commit()
        self.connection.close()


def build(
    engine: Engine, url: str, *, accounts: int, agencies: int, payments: int, seed: int
) -> dict[str, int]:
    """The synthetic book; what it holds."""
    rng = np.random.default_rng(seed)
    load = Loader(engine, url)
    at = load.stamp(NOW)
    ids = np.arange(1, accounts + 1)
    load.put(
        "customer",
        (
            "id",
            "customer_no",
            "name",
            "national_id_enc",
            "national_id_hash",
            "national_id_masked",
            "created_at",
            "updated_at",
        ),
        [
            (
                int(i),
                f"C{i:09d}",
                "持卡人",
                b"x" if load.sqlite else "\\\\x78",
                f"h{i}",
                "1101********1234",
                at,
                at,
            )
            for i in ids
        ],
    )
    load.put(
        "card_account",
        (
            "id",
            "account_no",
            "account_tail",
            "customer_id",
            "product",
            "currency",
            "credit_limit_fen",
            "principal_fen",
            "interest_fen",
            "fee_fen",
            "open_date",
            "cycle_day",
            "due_day",
            "status",
            "dpd",
            "bucket",
            "regulatory_class",
            "overdue_fen",
            "created_at",
            "updated_at",
        ),
        [
            (
                int(i),
                f"62{i:014d}",
                f"{i % 10000:04d}",
                int(i),
                "standard",
                "CNY",
                5_000_000,
                1_000_000,
                0,
                0,
                "2020-01-01",
                5,
                25,
                "active",
                100,
                "M4",
                "substandard",
                500_000,
                at,
                at,
            )
            for i in ids
        ],
    )
    placed = ids[: accounts * 9 // 10]
    run_of = rng.integers(0, len(RUNS), len(placed))
    agency_of = rng.integers(0, agencies, len(placed))
    dpd = rng.integers(1, 400, len(placed))
    overdue = rng.integers(50_000, 5_000_000, len(placed))
    recalled = rng.random(len(placed)) < 0.1
    load.put(
        "agency",
        (
            "code",
            "name",
            "licence_no",
            "whitelisted",
            "contract_starts_on",
            "contract_ends_on",
            "terms_signed",
            "last_inspection_on",
            "status",
            "capacity",
            "territories",
            "contacts",
            "created_at",
            "updated_at",
        ),
        [
            (
                f"AG{n:02d}",
                f"委外机构{n:02d}",
                f"LIC{n}",
                True,
                "2026-01-01",
                "2027-12-31",
                True,
                "2026-01-10",
                "active",
                100_000,
                "[]",
                "[]",
                at,
                at,
            )
            for n in range(agencies)
        ],
    )
    load.put(
        "placement_batch",
        ("id", "run_date", "placed_on", "ends_on", "status", "summary", "created_at"),
        [
            (
                n + 1,
                run.isoformat(),
                (run + timedelta(days=1)).isoformat(),
                (run + timedelta(days=90)).isoformat(),
                "placed",
                "{}",
                at,
            )
            for n, run in enumerate(RUNS)
        ],
    )
    snapshots, placements = [], []
    for n, account in enumerate(placed):
        run = RUNS[run_of[n]]
        from arrears.accounts.rules import bucket_of

        snapshots.append(
            (
                int(account),
                run.isoformat(),
                int(dpd[n]),
                bucket_of(int(dpd[n])),
                "loss",
                int(overdue[n]),
                int(overdue[n]) * 2,
            )
        )
        ends = run + timedelta(days=90)
        back = (run + timedelta(days=20 + int(n % 40))).isoformat() if recalled[n] else None
        placements.append(
            (
                int(account),
                f"AG{agency_of[n]:02d}",
                (run + timedelta(days=1)).isoformat(),
                ends.isoformat(),
                back,
                "manual" if back else None,
                int(run_of[n]) + 1,
                at,
            )
        )
    load.put(
        "delinquency_snapshot",
        ("account_id", "as_of_date", "dpd", "bucket", "regulatory_class", "overdue_fen", "balance_fen"),
        snapshots,
    )
    load.put(
        "agency_placement",
        (
            "account_id",
            "agency_code",
            "placed_on",
            "ends_on",
            "recalled_on",
            "recall_reason",
            "batch_id",
            "created_at",
        ),
        placements,
    )
    on = rng.integers(1, accounts + 1, payments)
    days = np.sort(rng.integers(0, 31, payments))  # ids in date order, as the daily loads append them
    amounts = rng.integers(1_00, 5_000_00, payments)
    rows: list[tuple[Any, ...]] = [
        (
            int(n + 1),
            f"P{n:09d}",
            int(on[n]),
            (MONTH + timedelta(days=int(days[n]))).isoformat(),
            int(amounts[n]),
            "app",
            "extract",
            None,
        )
        for n in range(payments)
    ]
    reversed_ = rng.choice(payments, payments // 200, replace=False)
    for k, n in enumerate(reversed_):
        day = min(LAST, MONTH + timedelta(days=int(days[n]) + 3))
        back = -int(rng.integers(1, amounts[n] + 1))
        rows.append(
            (payments + k + 1, f"R{k:09d}", int(on[n]), day.isoformat(), back, "app", "reversal", int(n + 1))
        )
    load.put(
        "payment",
        ("id", "payment_ref", "account_id", "paid_date", "amount_fen", "channel", "source", "reverses_id"),
        rows,
    )
    load.finish()
    return {"accounts": accounts, "placements": len(placements), "payments": len(rows)}


def schedules(engine: Engine, agencies: int) -> None:
    from arrears.agencies import commission
    from arrears.agencies.commission_rules import parse_band
    from arrears.audit.repository import audit_transaction
    from arrears.users.service import StaffUser

    manager = StaffUser(1, "manager1", "经理一", "manager", None)
    with audit_transaction(engine) as connection:
        for n in range(agencies):
            commission.set_schedule(
                connection,
                agency_code=f"AG{n:02d}",
                effective_from=date(2026, 1, 1),
                bands=[parse_band(one) for one in BANDS],
                by=manager,
                now=NOW,
            )


def statements(engine: Engine, data_dir: Path) -> tuple[dict[str, float], list[Any]]:
    from arrears.agencies import commission
    from arrears.audit.repository import audit_transaction
    from arrears.config import Settings

    font_dir = Settings().letter_font_dir
    started = time.perf_counter()
    with engine.connect() as connection:
        prepared = commission.prepare(
            connection, month=MONTH, as_of=AS_OF, zone=ZONE, data_dir=data_dir, font_dir=font_dir, made_at=NOW
        )
    read = time.perf_counter()
    with audit_transaction(engine) as connection:
        made = commission.record(connection, prepared.statements, by="bench", now=NOW)
    done = time.perf_counter()
    return {"prepare": read - started, "record": done - read, "total": done - started}, made


def check(engine: Engine, data_dir: Path, made: list[Any]) -> dict[str, int]:
    """Money conserved: attributed + unattributed == the month's payments; each CSV sums to its statement."""
    from arrears.agencies.commission import month_lines
    from arrears.agencies.commission_repository import CommissionRepository
    from arrears.models import Payment, table_of

    p = table_of(Payment)
    with engine.connect() as connection:
        month_fen = int(
            connection.execute(
                select(func.sum(p.c.amount_fen)).where(p.c.paid_date >= MONTH, p.c.paid_date <= LAST)
            ).scalar_one()
        )
        lines, _, _ = month_lines(CommissionRepository(connection), MONTH, LAST)
        attributed_ids = set(lines["payment_id"].to_list())
        unattributed = 0
        for row in connection.execute(
            select(p.c.id, p.c.amount_fen).where(p.c.paid_date >= MONTH, p.c.paid_date <= LAST)
        ):
            if row.id not in attributed_ids:
                unattributed += int(row.amount_fen)
    collected = sum(one.prepared.tally.collected_fen for one in made)
    for one in made:
        with (data_dir / one.prepared.csv_path).open(encoding="utf-8-sig") as handle:
            total = sum(int(row["commission_yuan"].replace(".", "")) for row in csv.DictReader(handle))
        assert total == one.prepared.tally.commission_fen, one.prepared.agency_code
    assert collected + unattributed == month_fen, (collected, unattributed, month_fen)
    return {
        "month_fen": month_fen,
        "collected_fen": collected,
        "unattributed_fen": unattributed,
        "commission_fen": sum(one.prepared.tally.commission_fen for one in made),
    }


def run(url: str, args: argparse.Namespace, work: Path) -> None:
    from arrears import migrate
    from arrears.db import make_engine

    options = {} if url.startswith("sqlite") else {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    engine = make_engine(url, **options)
    migrate.upgrade(engine)
    started = time.perf_counter()
    sizes = build(
        engine, url, accounts=args.accounts, agencies=args.agencies, payments=args.payments, seed=args.seed
    )
    schedules(engine, args.agencies)
    built = time.perf_counter() - started
    backend = make_url(url).get_backend_name()
    print(
        f"{backend}: built {sizes['accounts']:,} accounts, {sizes['placements']:,} placements, "
        f"{sizes['payments']:,} payments in {built:.1f} s",
        flush=True,
    )
    figures, made = statements(engine, work / f"data-{backend}")
    lines = sum(one.prepared.tally.payments for one in made)
    print(
        f"{backend}: {len(made)} statements, {lines:,} lines: {figures['total']:.1f} s "
        f"(read, price, CSV and PDF {figures['prepare']:.1f} s; store and audit {figures['record']:.2f} s); "
        f"target 30 s: {'met' if figures['total'] <= 30 else 'MISSED'}",
        flush=True,
    )
    checked = check(engine, work / f"data-{backend}", made)
    print(
        f"{backend}: money conserved: {checked['collected_fen']:,} fen attributed + "
        f"{checked['unattributed_fen']:,} fen to no agency = {checked['month_fen']:,} fen of the month; "
        f"commission {checked['commission_fen']:,} fen; every CSV sums to its statement",
        flush=True,
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--payments", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=300_000)
    parser.add_argument("--agencies", type=int, default=12)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--database-url", default=os.environ.get("ARREARS_TEST_DATABASE_URL", ""))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.work) as folder:
        work = Path(folder)
        if "sqlite" in args.backends:
            run(f"sqlite:///{work / 'bench.db'}", args, work)
        if "postgresql" in args.backends:
            if not args.database_url:
                print("postgresql: skipped (no --database-url or ARREARS_TEST_DATABASE_URL)")
                return
            from arrears.db import make_engine

            admin = make_engine(args.database_url)
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
            try:
                run(args.database_url, args, work)
            finally:
                with admin.begin() as connection:
                    connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
                admin.dispose()


if __name__ == "__main__":
    sys.exit(main())
