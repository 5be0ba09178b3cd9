"""Import benchmark: a synthetic extract of N accounts imported on SQLite and on PostgreSQL.

Prints rows, seconds, accounts/s and the peak memory (RSS) of the importing process for each
backend. Each import runs in its own process so that its peak memory is its own.

    .venv/bin/python benchmarks/import_bench.py --accounts 1000000
    .venv/bin/python benchmarks/import_bench.py --accounts 100000 --postgres-url postgresql://...

PostgreSQL: --postgres-url, else ARREARS_TEST_DATABASE_URL, else scripts/test-database-url; a fresh
schema is created and dropped.
"""

from __future__ import annotations

import argparse
import base64
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import text

from arrears.db import make_engine
from arrears.imports.synth import synth_extract

ROOT = Path(__file__).resolve().parents[1]
AS_OF = date(2026, 11, 23)


def run_import(extract: Path, env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one `arrears import extract` process."""
    command = [
        sys.executable,
        "-m",
        "arrears",
        "import",
        "extract",
        str(extract),
        "--as-of",
        AS_OF.isoformat(),
    ]
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            log.seek(0)
            sys.exit(f"import failed ({process.returncode}):\n{log.read().decode()[-3000:]}")
    return seconds, usage.ru_maxrss / 1024


def postgres_url(given: str | None) -> str | None:
    url = given or os.environ.get("ARREARS_TEST_DATABASE_URL")
    if url:
        return url
    found = subprocess.run(
        ["bash", str(ROOT / "scripts" / "test-database-url")], capture_output=True, text=True
    )
    return found.stdout.strip() or None


def base_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARREARS_")}
    env["ARREARS_DATA_DIR"] = str(data_dir)
    env["ARREARS_ENCRYPTION_KEY"] = base64.b64encode(bytes(range(32))).decode()
    return env


def bench_sqlite(extract: Path, scratch: Path) -> tuple[float, float]:
    env = base_env(scratch / "sqlite")
    return run_import(extract, env)


def bench_postgres(extract: Path, scratch: Path, url: str) -> tuple[float, float]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    env = base_env(scratch / "pg")
    separator = "&" if "?" in url else "?"
    env["ARREARS_DATABASE_URL"] = f"{url}{separator}options=-csearch_path%3D{schema}"
    try:
        return run_import(extract, env)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--postgres-url")
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arrears-bench-") as name:
        scratch = Path(name)
        started = time.perf_counter()
        summary = synth_extract(accounts=args.accounts, seed=args.seed, out=scratch / "extract", as_of=AS_OF)
        rows = (
            summary.accounts
            + summary.customers
            + summary.statements
            + summary.payments
            + summary.transactions
        )
        print(
            f"synthetic extract: {summary.accounts:,} accounts, {rows:,} rows in all, "
            f"generated in {time.perf_counter() - started:.1f} s"
        )
        backends = {name.strip() for name in args.backends.split(",")}
        results: dict[str, tuple[float, float]] = {}
        if "sqlite" in backends:
            results["sqlite"] = bench_sqlite(scratch / "extract", scratch)
        url = postgres_url(args.postgres_url) if "postgresql" in backends else None
        if url:
            results["postgresql"] = bench_postgres(scratch / "extract", scratch, url)
        elif "postgresql" in backends:
            print("postgresql: skipped (no server)")
    print(f"{'backend':<12}{'seconds':>10}{'accounts/s':>14}{'rows/s':>12}{'peak RSS MiB':>15}")
    for backend, (seconds, peak) in results.items():
        print(
            f"{backend:<12}{seconds:>10.1f}{summary.accounts / seconds:>14,.0f}"
            f"{rows / seconds:>12,.0f}{peak:>15,.0f}"
        )
    print("target: 1,000,000 accounts in under 120 s on each backend")


if __name__ == "__main__":
    main()
