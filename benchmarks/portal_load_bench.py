"""Portal load benchmark: 200 concurrent cardholders on a 1M-account book on PostgreSQL, with locust.

    .venv/bin/python benchmarks/portal_load_bench.py                  # builds the book, 200 users, 120 s
    .venv/bin/python benchmarks/portal_load_bench.py --reuse          # the book built before
    .venv/bin/python benchmarks/portal_load_bench.py --reuse --workers 2   # arrears serve --workers 2
    .venv/bin/python benchmarks/portal_load_bench.py --accounts 20000 --database postgresql+psycopg://...

1. The book: a PostgreSQL database (--database; default arrears_portal_bench on the local cluster) built
   with the web benchmark's build (``_web_bench_data.build_book``): `arrears synth extract` (seed 7),
   `arrears import extract`, a model trained on the bundled UCI data, registered and promoted,
   `arrears run-day --date 2026-11-23` (the default strategy: its segments M1-M3 have self-service
   offers). Then a sample of 2,000 cardholders with an overdue account is kept from the extract's files
   (the account number's last 4 digits and the national ID's last 6 characters, in the work folder, mode
   0600, never printed). Without --reuse the database is dropped and built again (only a database whose
   name contains "bench"); with --reuse it is kept when it holds --accounts accounts, a completed run and
   the sample is there.
2. `arrears serve --workers N` (--workers, default 1: one process) as its own process on a free port, up
   when /healthz answers and each worker has started, its access log (masked) kept in a temporary
   folder, with the master key (ARREARS_ENCRYPTION_KEY), the gateway secret, the public address, and
   the portal's rate limits raised: ARREARS_PORTAL_ATTEMPTS_PER_CLIENT 10000,
   ARREARS_PORTAL_CODES_PER_MOBILE 100, ARREARS_PORTAL_FAILURES_TO_LOCK 100 (reruns sign the same
   cardholders in again; with --one-address every request comes from 127.0.0.1). By default each
   cardholder has an address of its own (10.x.y.z in X-Forwarded-For, the bench posing as the reverse
   proxy: ARREARS_TRUSTED_PROXIES=127.0.0.1), as behind a real proxy. The rate-limit log
   (portal_attempt) is emptied before each run; the sign-in form and the help page are requested twice
   per worker before the run (the first requests compile the templates).
3. locust, headless (`_portal_load_locust.py`): --users cardholders, --spawn-rate a second, --seconds.
   Each signs in (the login form, POST /my/login, the code form, the code read from the outbox
   message's body by its key as a test harness would, POST /my/code), then loops over what I owe, the
   account page, the offers, the pay page and POST pay (an order; 303 to the checkout), with a think
   time of 1 to 3 s (uniform) before every page.
4. Prints p50/p95/p99 per page and overall (exact, from every request's latency; failed requests count
   with their whole wait), requests a second, failures, the CPU of the server, PostgreSQL and locust,
   the machine's load average before and after, and the target (every page's p95 <= 150 ms:
   PASS/FAIL, never asserted).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

try:
    import httpx  # type: ignore[import-not-found]
except ImportError:  # the dev dependency is httpx2
    import httpx2 as httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _portal_load_data import DEFAULT_URL, DEFAULT_WORK, bench_env, book_of, build, load_sample
from _portal_load_report import print_report
from _serving import arrears_serve, free_port
from _web_bench_cpu import Watched, metered

from arrears.db import make_engine

LOCUSTFILE = Path(__file__).resolve().parent / "_portal_load_locust.py"
RAISED_LIMITS = {
    "ARREARS_PORTAL_ATTEMPTS_PER_CLIENT": "10000",
    "ARREARS_PORTAL_CODES_PER_MOBILE": "100",
    "ARREARS_PORTAL_FAILURES_TO_LOCK": "100",
}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def prepare(args: argparse.Namespace) -> None:
    engine = make_engine(args.database)
    try:
        if args.reuse:
            from _web_bench_data import create_database

            create_database(args.database, drop=False)
            book = book_of(engine)
            sample = load_sample(args.work)
            if book and book.accounts == args.accounts and book.run_date and sample:
                print(
                    f"reusing {args.database}: {book.accounts:,} accounts ({book.offered:,} overdue), "
                    f"the run of {book.run_date}, {len(sample):,} cardholders in the sample "
                    "(build not timed here)"
                )
                return
            print(
                f"--reuse: no book of {args.accounts:,} accounts with a run and a sample there; building it"
            )
    finally:
        engine.dispose()
    print(f"building {args.database} with {args.accounts:,} accounts (work folder {args.work}):", flush=True)
    started = time.perf_counter()
    build(args.database, accounts=args.accounts, seed=args.seed, work=args.work)
    print(f"  built in {time.perf_counter() - started:.1f} s", flush=True)


def reset_limits(args: argparse.Namespace) -> int:
    """Empties the rate-limit log, so that earlier runs do not count against this one."""
    engine = make_engine(args.database)
    try:
        with engine.begin() as connection:
            return int(connection.execute(text("DELETE FROM portal_attempt")).rowcount)
    finally:
        engine.dispose()


async def run_locust(
    args: argparse.Namespace, base_url: str, out: Path, watched: Watched
) -> dict[str, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ARREARS_")}
    env |= {
        "PORTAL_BENCH_SAMPLE": str(args.work / "cardholders.json"),
        "PORTAL_BENCH_DATABASE": args.database,
        "PORTAL_BENCH_LATENCIES": str(out / "latencies.json"),
        "PORTAL_BENCH_THINK": args.think,
        "PORTAL_BENCH_FORWARDED": "0" if args.one_address else "1",
    }
    command = [
        str(Path(sys.executable).parent / "locust"),
        "-f", str(LOCUSTFILE), "--headless",
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", f"{args.seconds}s",
        "--host", base_url, "--csv", str(out / "locust"), "--only-summary",
        "--stop-timeout", "5", "--exit-code-on-error", "0", "--loglevel", "WARNING",
    ]  # fmt: skip
    print("load: `" + " ".join(["locust", *command[1:]]).replace(str(LOCUSTFILE), LOCUSTFILE.name) + "`")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with (out / "locust.log").open("wb") as log:
        async with metered(watched) as cpu:
            started = time.perf_counter()
            process = await asyncio.create_subprocess_exec(*command, env=env, stdout=log, stderr=log)
            code = await process.wait()
            seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if code:
        sys.exit(f"locust failed ({code}):\n{(out / 'locust.log').read_text()[-3000:]}")
    cpu["locust"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    cpu["seconds"] = seconds
    return cpu


def warm_up(base_url: str, times: int) -> None:
    """The first requests compile the templates: the sign-in form and the help page, untimed (a few
    times, so that each worker process is likely to get one)."""
    for _ in range(times):
        for path in ("/my/login", "/my/help"):
            httpx.get(base_url + path, timeout=60)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--database", default=DEFAULT_URL, help="PostgreSQL URL of the bench database.")
    add("--accounts", type=int, default=1_000_000)
    add("--reuse", action="store_true", help="Keep the database when it holds the book already.")
    add("--users", type=int, default=200)
    add("--spawn-rate", type=float, default=20)
    add("--seconds", type=int, default=120)
    add("--think", default="1,3", help="Think time between pages: low,high seconds (uniform).")
    add(
        "--one-address",
        action="store_true",
        help="All from 127.0.0.1 (default: each cardholder its own address, through a proxy header).",
    )
    add(
        "--workers",
        type=int,
        default=1,
        help="`arrears serve --workers N`: its worker processes (1: one process serving).",
    )
    add("--target-ms", type=float, default=150.0, help="Every page's p95 at most this.")
    add("--seed", type=int, default=7)
    add("--work", type=Path, default=DEFAULT_WORK, help="Extract, model, sample (kept for --reuse).")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    prepare(args)
    cleared = reset_limits(args)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = bench_env(args.database, args.work, base_url=base_url) | RAISED_LIMITS
    if not args.one_address:
        env["ARREARS_TRUSTED_PROXIES"] = "127.0.0.1"  # the bench poses as the reverse proxy
    engine = make_engine(args.database)
    try:
        with tempfile.TemporaryDirectory(prefix="arrears-portal-load-") as temporary:
            out = Path(temporary)
            shown = f"`arrears serve --host 127.0.0.1 --port {port} --workers {args.workers}`"
            with arrears_serve(env, port, out / "server.log", args.workers) as process:
                print(f"server: {shown} (pid {process.pid})")
                print(
                    "  cardholders' addresses: "
                    + (
                        "all 127.0.0.1 (--one-address)"
                        if args.one_address
                        else "one per cardholder (10.x.y.z) in X-Forwarded-For, "
                        "ARREARS_TRUSTED_PROXIES=127.0.0.1"
                    )
                )
                print(
                    "  rate limits raised for the bench (reruns sign the same cardholders in again; with "
                    "--one-address all requests come from one address): "
                    + ", ".join(f"{k}={v}" for k, v in RAISED_LIMITS.items())
                    + f"; {cleared} earlier attempts cleared from portal_attempt"
                )
                warm_up(base_url, 2 * args.workers)
                load_before = load_average()
                print(f"load average before: {load_before}", flush=True)
                cpu = asyncio.run(run_locust(args, base_url, out, Watched(process.pid, engine)))
                load_after = load_average()
            samples = json.loads((out / "latencies.json").read_text())
    finally:
        engine.dispose()
    print_report(
        samples, cpu, users=args.users, seconds=args.seconds, think=args.think, target_ms=args.target_ms,
        loads=(load_before, load_after),
    )  # fmt: skip


if __name__ == "__main__":
    main()
