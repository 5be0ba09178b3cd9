"""Web benchmark: 100 collectors working the call queue of a 1M-account book on PostgreSQL.

    .venv/bin/python benchmarks/web_bench.py                   # builds the book, then 100 collectors, 60 s
    .venv/bin/python benchmarks/web_bench.py --reuse           # the book built before
    .venv/bin/python benchmarks/web_bench.py --accounts 20000 --database-url postgresql+psycopg://...
    .venv/bin/python benchmarks/web_bench.py --reuse --think 10 --serve-option=--policy --serve-option=us

1. The book: a PostgreSQL database (--database-url; default the local database arrears_web_bench)
   built as a user builds one: `arrears synth extract`, `arrears import extract`, a model trained on
   the bundled UCI data, registered and promoted, `arrears run-day`. Without --reuse the database is
   dropped and built again (only a database whose name contains "bench"); with --reuse it is kept
   when it holds --accounts accounts and a completed run. Every run then puts the day's calls back in
   the queue and deletes the calls logged by earlier bench runs, so each run starts from the same queue.
2. Creates the collectors (bench-collector-001 ...) in one transaction and starts `arrears serve` as
   a separate process on a free port (the same database, data folder and encryption key).
3. Each collector signs in (POST /api/v1/auth/token, and POST /login when the server has the web
   pages), then loops until --seconds have passed: the next case (POST /api/v1/queue/next), the case
   page (GET /cases/{account_id}, the HTML page, when /login exists; GET /api/v1/accounts/{account_id},
   the JSON case file), a think time, the call logged (POST /api/v1/accounts/{account_id}/calls). The
   same loop with one collector and no think time runs first: the baseline of the ratios.
4. Prints latencies, throughput, errors, the CPU used by the server, PostgreSQL, this client and
   everything else on the machine, the targets (PASS/FAIL; never asserted) and the duplicate check:
   no case handed to two collectors, from the client's log of every case handed out and from the
   database. Latencies count every request, failed ones too (a timeout with its whole wait).

Think time: a real collector spends minutes per case (about 120 calls in a shift). --think is the
mean pause between opening the case and logging the call (uniform between 0.5x and 1.5x); the default,
2 s, makes 100 collectors ask about 100 times as much of the server as 100 people at work do.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

try:
    import httpx  # type: ignore[import-not-found]
except ImportError:  # the dev dependency is httpx2
    import httpx2 as httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _serving import free_port, serving
from _web_bench_cpu import Watched, metered
from _web_bench_data import (
    DEFAULT_URL,
    PASSWORD,
    Book,
    book_of,
    build_book,
    child_env,
    create_database,
    duplicates,
    ensure_collectors,
    reset_queue,
)
from _web_bench_report import (
    NAMES,
    Phase,
    Recorder,
    print_duplicates,
    print_latencies,
    print_phase,
    print_targets,
)

from arrears.db import make_engine

# what collectors mostly hear, with weights (no promises: the bench leaves no promises behind)
OUTCOMES = (
    ({"outcome": "no_answer"}, 45),
    ({"outcome": "busy"}, 15),
    ({"outcome": "right_party", "conversation": True, "reason": "income_loss", "notes": "bench call"}, 25),
    ({"outcome": "callback", "conversation": True}, 10),
    ({"outcome": "wrong_number"}, 5),
)

# --- requests ------------------------------------------------------------------------------------


@dataclass
class Collector:
    username: str
    user_id: int
    api: httpx.AsyncClient  # bearer token
    web: httpx.AsyncClient  # session cookie, as a browser
    cookies: dict[str, str] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)


async def timed(
    recorder: Recorder,
    name: str,
    client: httpx.AsyncClient,
    method: str,
    url: str,
    *,
    expect: set[int],
    **options: Any,
) -> httpx.Response | None:
    """One request, its latency recorded under ``name`` whatever the answer (a failed request also
    counts as an error). None unless the status is one of ``expect``."""
    started = time.perf_counter()
    recorder.requests += 1
    try:
        response = await client.request(method, url, **options)
    except httpx.HTTPError as error:
        recorder.samples[name].append(time.perf_counter() - started)
        recorder.errors[f"{name}: {type(error).__name__}"] += 1
        return None
    recorder.samples[name].append(time.perf_counter() - started)
    if response.status_code not in expect:
        recorder.errors[f"{name}: HTTP {response.status_code}"] += 1
        return None
    return response


# --- signing in ------------------------------------------------------------------------------------


def csrf_of(page: str) -> str | None:
    """The value of the hidden input csrf_token in an HTML page."""
    for tag in re.findall(r"<input\b[^>]*>", page, flags=re.IGNORECASE):
        if re.search(r"""name\s*=\s*["']csrf_token["']""", tag):
            found = re.search(r"""value\s*=\s*["']([^"']*)["']""", tag)
            return html.unescape(found.group(1)) if found else None
    return None


def keep_cookies(collector: Collector, response: httpx.Response) -> None:
    """Cookies kept by hand: a cookie jar would not send a Secure cookie back over plain HTTP."""
    for header in response.headers.get_list("set-cookie"):
        parsed: SimpleCookie = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            collector.cookies[name] = morsel.value


def cookie_header(collector: Collector) -> dict[str, str]:
    return {"Cookie": "; ".join(f"{name}={value}" for name, value in collector.cookies.items())}


async def web_sign_in(recorder: Recorder, collector: Collector) -> bool:
    """GET /login (the CSRF cookie and token), POST /login: 303 and the session cookie."""
    try:
        return await _web_sign_in(recorder, collector)
    except httpx.HTTPError as error:
        recorder.errors[f"login: {type(error).__name__}"] += 1
        return False


async def _web_sign_in(recorder: Recorder, collector: Collector) -> bool:
    started = time.perf_counter()
    page = await collector.web.get("/login")
    keep_cookies(collector, page)
    token = csrf_of(page.text)
    if page.status_code != 200 or token is None:
        recorder.errors[f"login: GET /login {page.status_code}, csrf token {bool(token)}"] += 1
        return False
    form = {"username": collector.username, "password": PASSWORD, "csrf_token": token}
    posted = await collector.web.post(
        "/login", data=form, headers=cookie_header(collector), follow_redirects=False
    )
    keep_cookies(collector, posted)
    if posted.status_code != 303 or "arrears_session" not in collector.cookies:
        recorder.errors[f"login: POST /login {posted.status_code}"] += 1
        return False
    recorder.samples["login"].append(time.perf_counter() - started)
    return True


async def sign_in(recorder: Recorder, collector: Collector, *, web: bool) -> bool:
    form = {"username": collector.username, "password": PASSWORD}
    answer = await timed(
        recorder, "token", collector.api, "POST", "/api/v1/auth/token", expect={200}, data=form
    )
    if answer is None:
        return False
    collector.api.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
    return await web_sign_in(recorder, collector) if web else True


async def sign_in_all(collectors: list[Collector], *, web: bool, at_once: int) -> None:
    """Every collector signs in, ``at_once`` at a time (a shift does not start in one second)."""
    signing, gate = Recorder(), asyncio.Semaphore(at_once)

    async def enter(collector: Collector) -> bool:
        async with gate:
            return await sign_in(signing, collector, web=web)

    started = time.perf_counter()
    signed = await asyncio.gather(*(enter(c) for c in collectors))
    seconds = time.perf_counter() - started
    print(f"{sum(signed)} of {len(collectors)} collectors signed in in {seconds:.1f} s ({at_once} at a time)")
    print_latencies(signing, ["token", "login"])
    if not all(signed):
        sys.exit(f"sign-in failed: {dict(signing.errors)}")


async def has_web_pages(base: str) -> bool:
    """Whether the server has the web pages: GET /login answers a form with a CSRF token."""
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        page = await client.get("/login")
    return page.status_code == 200 and csrf_of(page.text) is not None


# --- working the queue -------------------------------------------------------------------------------


@dataclass
class Plan:
    end: float  # time.monotonic() after which no new case is taken
    think: float  # mean think time (s)
    pages: tuple[str, ...]  # "html", "json": what opening a case requests
    cases_left: list[int]  # a budget shared by the collectors (one item, to share it); < 0: none


async def open_case(recorder: Recorder, collector: Collector, account: int, pages: tuple[str, ...]) -> None:
    for page in pages:
        if page == "html":
            await timed(
                recorder,
                "html",
                collector.web,
                "GET",
                f"/cases/{account}",
                expect={200},
                headers=cookie_header(collector),
            )
        else:
            await timed(recorder, "json", collector.api, "GET", f"/api/v1/accounts/{account}", expect={200})


async def work(recorder: Recorder, collector: Collector, plan: Plan) -> None:
    """Takes, opens and logs cases until the plan's end, the case budget or an empty queue."""
    outcomes, weights = [one for one, _ in OUTCOMES], [weight for _, weight in OUTCOMES]
    while time.monotonic() < plan.end and plan.cases_left[0] != 0 and not recorder.empty:
        plan.cases_left[0] -= 1
        answer = await timed(recorder, "next", collector.api, "POST", "/api/v1/queue/next", expect={200, 204})
        if answer is None:
            await asyncio.sleep(0.2)  # an error: do not spin
            continue
        if answer.status_code == 204:
            recorder.empty = True
            break
        case = answer.json()
        account = int(case["account_id"])
        recorder.handed.append((int(case["id"]), account, collector.user_id))
        await open_case(recorder, collector, account, plan.pages)
        if plan.think:
            await asyncio.sleep(plan.think * collector.rng.uniform(0.5, 1.5))
        outcome = collector.rng.choices(outcomes, weights)[0]
        url = f"/api/v1/accounts/{account}/calls"
        logged = await timed(recorder, "call", collector.api, "POST", url, expect={201}, json=outcome)
        recorder.cases += logged is not None


async def run_phase(
    label: str, collectors: list[Collector], plan: Plan, *, stagger: float, watched: Watched
) -> Phase:
    """The collectors work at once, each starting after a random delay up to ``stagger`` s."""
    recorder, lags, stop = Recorder(), [], asyncio.Event()

    async def one(collector: Collector) -> None:
        await asyncio.sleep(collector.rng.uniform(0, stagger))
        await work(recorder, collector, plan)

    async def watch_loop() -> None:  # a busy client adds its own delay to every latency
        while not stop.is_set():
            started = time.perf_counter()
            await asyncio.sleep(0.05)
            lags.append(time.perf_counter() - started - 0.05)

    # bounded: the last case taken before the end still has its pages, think time and call
    limit = plan.end - time.monotonic() + stagger + 2 * plan.think + 120
    async with metered(watched) as cpu:
        watcher = asyncio.create_task(watch_loop())
        started = time.perf_counter()
        async with asyncio.timeout(limit), asyncio.TaskGroup() as group:
            for collector in collectors:
                group.create_task(one(collector))
        seconds = time.perf_counter() - started
        stop.set()
        await watcher
    return Phase(label, recorder, seconds, lags, cpu)


# --- the server --------------------------------------------------------------------------------------


@contextlib.contextmanager
def server(
    env: dict[str, str], port: int, log: Path, options: list[str]
) -> Iterator[subprocess.Popen[bytes]]:
    """`arrears serve` as a separate process, up when /healthz answers; stopped on the way out
    (also on an error or Ctrl-C)."""
    command = [sys.executable, "-m", "arrears", "serve", "--host", "127.0.0.1", "--port", str(port), *options]
    with serving(command, env=env, port=port, log=log) as process:
        yield process


# --- the run -----------------------------------------------------------------------------------------


def prepare(args: argparse.Namespace, work: Path) -> Book:
    """The book: reused (--reuse) when it is there, else built; prints how long building took."""
    engine = make_engine(args.database_url)
    try:
        if args.reuse:
            create_database(args.database_url, drop=False)
            book = book_of(engine)
            if book is not None and book.accounts == args.accounts and book.calls > 0:
                print(
                    f"reusing {args.database_url}: {book.accounts:,} accounts, {book.calls:,} calls in the "
                    f"queue of the run of {book.run_date} (preparation not timed in this run)"
                )
                return book
            print(f"--reuse: no book of {args.accounts:,} accounts with a completed run there; building it")
        engine.dispose()
        create_database(args.database_url, drop=True)
        print(f"preparing {args.database_url} with {args.accounts:,} accounts:", flush=True)
        started = time.perf_counter()
        build_book(args.database_url, accounts=args.accounts, seed=args.seed, work=work)
        book = book_of(engine)
        assert book is not None and book.run_date is not None
        print(
            f"  prepared in {time.perf_counter() - started:.1f} s: {book.accounts:,} accounts, "
            f"{book.calls:,} calls in the queue of the run of {book.run_date}"
        )
        return book
    finally:
        engine.dispose()


def choose_pages(choice: str, web: bool) -> tuple[str, ...]:
    if choice == "auto":
        return ("html", "json") if web else ("json",)
    pages = ("html", "json") if choice == "both" else (choice,)
    if "html" in pages and not web:
        sys.exit(f"--case-page {choice}: the server has no /login page")
    return pages


async def simulate(
    args: argparse.Namespace, base_url: str, users: dict[str, int], watched: Watched
) -> tuple[tuple[str, ...], Phase, Phase]:
    web = await has_web_pages(base_url)
    pages = choose_pages(args.case_page, web)
    opened = " and ".join(NAMES[p].split("  ")[-1].strip() for p in pages)
    print(f"web pages (/login): {'found' if web else 'not found'}; opening a case requests {opened}")
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)  # one connection, as a browser tab

    def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=base_url, timeout=args.timeout, limits=limits)

    collectors = [
        Collector(name, user_id, client(), client(), rng=random.Random(args.seed * 1000 + number))
        for number, (name, user_id) in enumerate(users.items())
    ]
    try:
        await sign_in_all(collectors, web="html" in pages, at_once=args.sign_in_concurrency)
        plan = Plan(time.monotonic() + args.baseline_seconds, 0.0, pages, [args.baseline_cases])
        base = await run_phase(
            "baseline: 1 collector, no think time",
            collectors[:1],
            plan,
            stagger=0,
            watched=watched,
        )
        print(f"baseline: {base.recorder.cases} cases in {base.seconds:.1f} s", flush=True)
        print(
            f"{len(collectors)} collectors for {args.seconds:g} s, mean think time {args.think:g} s ...",
            flush=True,
        )
        plan = Plan(time.monotonic() + args.seconds, args.think, pages, [args.cases or -1])
        label = f"{len(collectors)} collectors, mean think time {args.think:g} s"
        main = await run_phase(label, collectors, plan, stagger=args.think, watched=watched)
    finally:
        for collector in collectors:
            await collector.api.aclose()
            await collector.web.aclose()
    return pages, base, main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--database-url", default=DEFAULT_URL)
    add("--accounts", type=int, default=1_000_000)
    add("--reuse", action="store_true", help="Keep the database when it holds the book already.")
    add("--collectors", type=int, default=100)
    add("--seconds", type=float, default=60.0, help="How long the collectors take new cases.")
    add("--cases", type=int, default=0, help="Stop after this many cases in all (0: no limit).")
    add("--think", type=float, default=2.0, help="Mean think time per case (s).")
    add("--baseline-cases", type=int, default=300)
    add("--baseline-seconds", type=float, default=30.0)
    add(
        "--case-page",
        choices=("auto", "html", "json", "both"),
        default="auto",
        help="auto: the HTML page and the JSON case file when /login exists, else the JSON.",
    )
    add("--sign-in-concurrency", type=int, default=10)
    add("--timeout", type=float, default=30.0, help="Seconds before a request counts as failed.")
    add("--serve-option", action="append", default=[], help="Passed on to `arrears serve` (repeatable).")
    add("--seed", type=int, default=7)
    add("--work", type=Path, default=None, help="Folder for the extract, the model and the server log.")
    return parser.parse_args()


def interrupt(*_: object) -> None:
    os.kill(os.getpid(), signal.SIGINT)  # handled as Ctrl-C is (asyncio.run cancels its task)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, interrupt)  # as Ctrl-C: the server is stopped on the way out
    with tempfile.TemporaryDirectory(prefix="arrears-web-bench-") as temporary:
        work = args.work or Path(temporary)
        work.mkdir(parents=True, exist_ok=True)
        book = prepare(args, work)
        assert book.run_date is not None
        engine = make_engine(args.database_url)
        try:
            users = ensure_collectors(engine, args.collectors)
            reset = reset_queue(engine, book.run_date, list(users.values()))
            print(
                f"queue reset: {reset:,} calls put back "
                f"({book.calls:,} calls of {book.run_date} in the queue)"
            )
            with engine.connect() as connection:
                since = connection.execute(text("SELECT now()")).scalar_one()
            port = free_port()
            env = child_env(args.database_url, work / "data")
            with server(env, port, work / "server.log", args.serve_option) as process:
                shown = " ".join(["arrears serve --port", str(port), *args.serve_option])
                print(f"server: `{shown}` (pid {process.pid}) answers /healthz")
                pages, base, main_phase = asyncio.run(
                    simulate(args, f"http://127.0.0.1:{port}", users, Watched(process.pid, engine))
                )
            handed = base.recorder.handed + main_phase.recorder.handed
            checks = duplicates(engine, book.run_date, handed, list(users.values()), since)
        finally:
            engine.dispose()
    print_phase(base, pages)
    print_phase(main_phase, pages)
    twice = print_duplicates(checks)
    print_targets(base, main_phase, pages, twice, accounts=book.accounts, collectors=args.collectors)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit("interrupted: the server was stopped")
