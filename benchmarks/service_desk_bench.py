"""Service-desk benchmark: the desk's pages with 100,000 open cases on PostgreSQL, served by
`arrears serve --workers 2`, requested by a desk team of four at once.

    .venv/bin/python benchmarks/service_desk_bench.py            # builds the book, then both phases
    .venv/bin/python benchmarks/service_desk_bench.py --reuse    # the book built before
    .venv/bin/python benchmarks/service_desk_bench.py --reuse --cases 20000 --requests 100 --profile

1. The book: a PostgreSQL database (--database; default arrears_desk_bench on the local cluster) built
   with the web benchmark's build: `arrears synth extract --accounts N` (seed 7), `arrears import
   extract`, a model trained, registered and promoted, `arrears run-day --date 2026-11-23`. Without
   --reuse it is dropped and built again (only a database named *bench*); with --reuse it is kept when it
   holds --accounts accounts and a completed run. Then the desk's teams and staff: a user per role
   (``{role}1``), customer_service1..8, collector1..24 in three phone teams, team_lead1 leading the first.
2. Each phase replaces every service case (TRUNCATE, COPY, VACUUM ANALYZE; not timed): --cases open
   cases received over the last 60 days and --closed resolved or closed ones in the last 90, drawn with
   the shares of ``_desk_bench_data`` on accounts in collection, their deadlines from the real
   ``deadlines.due_dates`` and escalation levels from the real ``escalation_level`` (each called once per
   distinct input), notes on about a third. The baseline phase has --baseline-cases open cases and as
   many closed per open case; the full phase --cases. Cases are reloaded every run: their clocks run
   from the real time of the run.
3. One `arrears serve --workers N` (default 2) for both phases; customer_service1 and team_lead1 sign in
   through /login. Routes: the desk (default tab), each tab, page 500 of the default tab, a case page
   (a random open case each time), the start page (it shows desk counts) as customer_service1; the
   Escalated tab as team_lead1 (their team's level-1 cases); /dashboard as team_lead1, a reference that
   does not depend on the cases (it shows how much the machine itself moved between the phases).
   --warm-up requests per route first, untimed; then --requests per route, shuffled, --concurrency at
   once (keep-alive), bounded by --time-limit. The server's log is kept in the work folder.
4. Prints p50/p95/p99/max per route and overall (the desk's routes), requests/s, the CPU of the
   server, PostgreSQL and this client, the load average; the baseline beside the full phase and their
   ratio; the target (every desk route's p95 <= --target-ms: PASS/FAIL, never asserted). When a route
   misses it (or with --profile), the pages are served in-process on the full book (the app of `arrears
   serve`, one request at a time) with each part timed (desk_page, figures, the template's render...)
   and every SQL statement; the slowest statements are shown with EXPLAIN (ANALYZE, BUFFERS), and the
   render's costliest calls.

The whole run holds the lock /tmp/notes/bench.lock (flock; do not wrap it in flock(1) as well, or pass
--no-lock). Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

try:
    import httpx  # type: ignore[import-not-found]
except ImportError:  # the dev dependency is httpx2
    import httpx2 as httpx
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _desk_bench_data import (
    DEFAULT_URL,
    PASSWORD,
    ensure_staff,
    load_cases,
    make_cases,
    prepare_book,
)
from _desk_bench_profile import profile
from _desk_bench_report import (
    DESK,
    LEAD,
    REFERENCE,
    Phase,
    Route,
    Timings,
    load_average,
    percentile,
    print_phase,
    print_ratio,
    print_server_errors,
    routes,
)
from _serving import arrears_serve, free_port
from _web_bench_cpu import Watched, metered
from _web_bench_data import child_env
from web_bench import csrf_of

from arrears.db import make_engine

LOCK = Path("/tmp/notes/bench.lock")
DEFAULT_WORK = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "arrears-desk-bench"


# --- the client ------------------------------------------------------------------------------------------


@dataclass
class Agent:
    """A signed-in staff member: a keep-alive client and the cookies kept by hand (a cookie jar would not
    send a Secure cookie back over plain HTTP)."""

    username: str
    client: httpx.AsyncClient
    cookies: dict[str, str] = field(default_factory=dict)

    def keep(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            self.cookies |= {name: morsel.value for name, morsel in parsed.items()}

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}


async def sign_in(base_url: str, username: str, concurrency: int) -> Agent:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    agent = Agent(username, httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits))
    form = await agent.client.get("/login")
    agent.keep(form)
    token = csrf_of(form.text)
    posted = await agent.client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": token or ""},
        headers=agent.headers, follow_redirects=False,
    )  # fmt: skip
    agent.keep(posted)
    if posted.status_code != 303 or "arrears_session" not in agent.cookies:
        sys.exit(f"{username} could not sign in: POST /login answered {posted.status_code}")
    return agent


async def run_requests(
    agents: dict[str, Agent], plan: list[Route], *, open_ids: int, concurrency: int, limit: float,
    timings: Timings, rng: random.Random,
) -> None:  # fmt: skip
    """``plan`` in order, ``concurrency`` at a time; stops taking new requests after ``limit`` seconds."""
    queue = list(reversed(plan))
    end = time.monotonic() + limit

    async def worker() -> None:
        while queue and time.monotonic() < end:
            route = queue.pop()
            agent = agents[route.agent]
            path = route.path.replace("{case}", str(rng.randint(1, open_ids)))
            started = time.perf_counter()
            try:
                response = await agent.client.get(path, headers=agent.headers)
                status = str(response.status_code)
            except httpx.HTTPError as error:
                status = type(error).__name__
            timings.samples[route.name].append(time.perf_counter() - started)
            if status != "200":
                timings.errors[f"{route.name}: {status}"] += 1

    started = time.perf_counter()
    async with asyncio.timeout(limit + 120):
        await asyncio.gather(*(worker() for _ in range(concurrency)))
    timings.seconds = time.perf_counter() - started
    timings.unfinished = len(queue)


# --- a phase ---------------------------------------------------------------------------------------------


async def check_counts(agent: Agent, open_count: int) -> dict[str, str]:
    """The tab counts the desk shows; exits unless the Open count is what was loaded."""
    page = await agent.client.get("/service-desk", headers=agent.headers)
    counts = dict(re.findall(r'id="count-(\w+)">([\d,]+)<', page.text))
    if page.status_code != 200 or counts.get("due", "").replace(",", "") != str(open_count):
        sys.exit(f"the desk answered {page.status_code}, counts {counts}; {open_count:,} open cases loaded")
    return counts


async def timed_phase(
    args: argparse.Namespace, base_url: str, label: str, open_count: int, watched: Watched
) -> Phase:
    agents = {name: await sign_in(base_url, name, args.concurrency) for name in (DESK, LEAD)}
    try:
        counts = await check_counts(agents[DESK], open_count)
        rng = random.Random(args.seed)
        warm = [route for route in routes() for _ in range(args.warm_up)]
        await run_requests(agents, warm, open_ids=open_count, concurrency=args.concurrency,
                           limit=args.time_limit, timings=Timings(), rng=rng)  # fmt: skip
        plan = [route for route in routes() for _ in range(args.requests)]
        rng.shuffle(plan)
        timings = Timings()
        async with metered(watched) as cpu:
            await run_requests(agents, plan, open_ids=open_count, concurrency=args.concurrency,
                               limit=args.time_limit, timings=timings, rng=rng)  # fmt: skip
        timings.cpu = cpu
    finally:
        for agent in agents.values():
            await agent.client.aclose()
    return Phase(label, open_count, timings, counts)


def load_phase(engine: Engine, staff: Any, args: argparse.Namespace, open_count: int) -> None:
    closed = round(open_count * args.closed / args.cases)
    started = time.perf_counter()
    cases, notes = make_cases(engine, staff, open_count=open_count, closed_count=closed,
                              now=datetime.now(UTC), seed=args.seed)  # fmt: skip
    drawn = time.perf_counter() - started
    loaded = load_cases(engine, cases, notes)
    print(f"\nloaded {open_count:,} open and {closed:,} resolved or closed cases, {len(notes):,} notes "
          f"(drawn in {drawn:.1f} s, COPY and VACUUM ANALYZE {loaded:.1f} s)", flush=True)  # fmt: skip


# --- the run ---------------------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_lock(wait: float, enabled: bool) -> Iterator[None]:
    """The benchmarks' lock (flock on /tmp/notes/bench.lock), waited for at most ``wait`` seconds."""
    if not enabled:
        yield
        return
    LOCK.parent.mkdir(parents=True, exist_ok=True)
    with LOCK.open("a") as handle:
        end = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > end:
                    sys.exit(f"{LOCK} still held by another benchmark after {wait:.0f} s")
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--database", default=DEFAULT_URL, help="PostgreSQL URL of the bench database.")
    add("--accounts", type=int, default=100_000)
    add("--reuse", action="store_true", help="Keep the book if there (cases are always reloaded).")
    add("--cases", type=int, default=100_000, help="Open cases of the full phase.")
    add("--closed", type=int, default=20_000, help="Resolved or closed cases of the full phase.")
    add("--baseline-cases", type=int, default=1_000, help="Open cases of the baseline (0: no baseline).")
    add("--requests", type=int, default=200, help="Timed requests per route.")
    add("--warm-up", type=int, default=8, help="Untimed requests per route before the timed ones.")
    add("--concurrency", type=int, default=4)
    add("--workers", type=int, default=2, help="`arrears serve --workers N`.")
    add("--time-limit", type=float, default=300, help="Seconds a phase may send requests.")
    add("--target-ms", type=float, default=200.0, help="Every desk route's p95 at most this.")
    add("--profile", action="store_true", help="Profile the desk's queries even when the target is met.")
    add("--no-lock", action="store_true", help="Do not take /tmp/notes/bench.lock (already held).")
    add("--lock-wait", type=float, default=3600)
    add("--seed", type=int, default=7)
    add("--work", type=Path, default=DEFAULT_WORK, help="Extract and model (kept for --reuse).")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    with bench_lock(args.lock_wait, not args.no_lock):
        run(args)


def run(args: argparse.Namespace) -> None:
    prepare_book(args.database, accounts=args.accounts, reuse=args.reuse, work=args.work, seed=args.seed)
    engine = make_engine(args.database)
    try:
        staff = ensure_staff(engine)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = child_env(args.database, args.work / "data")
        sizes = [("baseline", args.baseline_cases)] if args.baseline_cases else []
        phases = []
        log = args.work / "server.log"  # kept for a look after the run (the access log is masked)
        with arrears_serve(env, port, log, args.workers) as process:
            print(
                f"server: `arrears serve --host 127.0.0.1 --port {port} --workers {args.workers}` "
                f"(pid {process.pid}); {args.concurrency} requests at once, {args.warm_up} untimed "
                f"warm-up requests per route, then {args.requests} per route, shuffled"
            )
            for label, size in [*sizes, ("full", args.cases)]:
                load_phase(engine, staff, args, size)
                print(f"load average before: {load_average()}", flush=True)
                watched = Watched(process.pid, engine)
                try:
                    phases.append(asyncio.run(timed_phase(args, base_url, label, size, watched)))
                except SystemExit:
                    print_server_errors(log)
                    raise
                print(f"load average after: {load_average()}", flush=True)
                print_phase(phases[-1], args.target_ms)
                if phases[-1].timings.errors:
                    print_server_errors(log)
        if len(phases) == 2:
            print_ratio(*phases)
        full = phases[-1].timings
        missed = [name for name, values in full.samples.items()
                  if name != REFERENCE and percentile(values, 0.95) * 1000 > args.target_ms]  # fmt: skip
        print(f"\ntarget: every desk route's p95 <= {args.target_ms:.0f} ms with {args.cases:,} open cases: "
              + ("PASS" if not missed else f"FAIL ({', '.join(missed)})"))  # fmt: skip
        if missed or args.profile:
            profile(args)
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
