"""The service-desk benchmark's profile: the desk's pages served in-process on the full book, each part of
a page timed, every SQL statement recorded (the slowest with EXPLAIN (ANALYZE, BUFFERS)), and the render's
costliest calls.

Used by ``service_desk_bench.py`` (when a route misses the target, or with --profile); not a benchmark on
its own.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _desk_bench_data import PASSWORD
from _desk_bench_report import DESK
from _web_bench_data import child_env
from web_bench import csrf_of

from arrears.db import make_engine


@dataclass
class Statement:
    where: str  # the page's part and the repository function that ran it
    sql: str
    parameters: Any
    seconds: list[float] = field(default_factory=list)


@dataclass
class Parts:
    """The part of the page running now and the seconds of each part, per path."""

    current: str = "other"
    path: str = ""
    seconds: dict[tuple[str, str], list[float]] = field(default_factory=lambda: defaultdict(list))
    render: cProfile.Profile = field(default_factory=cProfile.Profile)

    def timed(self, part: str, function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            self.current, started = part, time.perf_counter()
            if part == "render":
                self.render.enable()  # the worker thread's; requests run one at a time
            try:
                return function(*args, **kwargs)
            finally:
                self.render.disable()
                self.seconds[(self.path, part)].append(time.perf_counter() - started)
                self.current = "other"

        return run


@contextlib.contextmanager
def recorded(engine: Engine, parts: Parts) -> Iterator[dict[tuple[str, str], Statement]]:
    """Every statement the engine runs, with its duration, keyed by the part and the repository
    function that ran it."""
    found: dict[tuple[str, str], Statement] = {}

    def before(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        frame, name = sys._getframe(1), "?"
        while frame is not None:
            if "/arrears/" in frame.f_code.co_filename and "repository" in frame.f_code.co_filename:
                name = frame.f_code.co_name
                break
            frame = frame.f_back  # type: ignore[assignment]
        conn.info["bench"] = (f"{parts.path} {parts.current}: {name}", time.perf_counter())

    def after(conn: Any, cursor: Any, sql: str, parameters: Any, context: Any, many: bool) -> None:
        where, started = conn.info.pop("bench")
        kept = found.setdefault((where, sql), Statement(where, sql, parameters))
        kept.seconds.append(time.perf_counter() - started)

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield found
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def profile(args: argparse.Namespace, rounds: int = 5, show: int = 4) -> None:
    """The desk's pages served in-process (the app of `arrears serve`, the same settings, one request at a
    time): each part's median (desk_page, figures, desk_members, the template's render, the rest), every
    SQL statement's median, the slowest with EXPLAIN (ANALYZE, BUFFERS), the render's hottest functions."""
    from unittest import mock

    from fastapi.testclient import TestClient

    from arrears.servicedesk import desk
    from arrears.servicedesk.repository import ServiceRepository
    from arrears.web.app import create_app
    from arrears.web.pages import service_desk

    os.environ.update(child_env(args.database, args.work / "data"))
    parts, app = Parts(), create_app()
    paths = ["/service-desk", "/service-desk?page_no=500", "/service-desk/cases/1", "/"]
    with contextlib.ExitStack() as stack:
        wrapped = [(desk, "desk_page"), (desk, "figures"), (desk, "case_view"),
                   (ServiceRepository, "desk_members"), (service_desk, "page")]  # fmt: skip
        for owner, name in wrapped:
            part = "render" if name == "page" else name
            stack.enter_context(mock.patch.object(owner, name, parts.timed(part, getattr(owner, name))))
        client = stack.enter_context(TestClient(app, base_url="https://testserver"))
        form = client.get("/login")
        login = {"username": DESK, "password": PASSWORD, "csrf_token": csrf_of(form.text) or ""}
        if client.post("/login", data=login, follow_redirects=False).status_code != 303:
            sys.exit("profile: customer_service1 could not sign in")
        for path in paths:
            client.get(path)
        parts.seconds.clear()
        parts.render = cProfile.Profile()
        found = stack.enter_context(recorded(app.state.engine, parts))
        for _ in range(rounds):
            for path in paths:
                parts.path, started = path, time.perf_counter()
                client.get(path)
                parts.seconds[(path, "whole request")].append(time.perf_counter() - started)
    print(f"\nprofile: the desk served in-process on the full book (customer_service1), median of {rounds}:")
    for (path, part), values in parts.seconds.items():
        print(f"  {path:28} {part:14} {statistics.median(values) * 1000:8.1f} ms")
    print_statements(args, list(found.values()), rounds, show)
    print("\nthe render's costliest calls of Arrears and of the settings (cumulative, all rounds):")
    stats = pstats.Stats(parts.render, stream=sys.stdout).sort_stats("cumulative")
    stats.print_stats(r"arrears/web|pydantic_settings/main", 8)


def print_statements(args: argparse.Namespace, found: list[Statement], rounds: int, show: int) -> None:
    ranked = sorted(found, key=lambda one: -sum(one.seconds))
    print(f"  {'statement: path, part, repository function':60} {'calls':>5} {'median ms':>10}")
    for one in ranked:
        print(f"  {one.where[:60]:60} {len(one.seconds) // rounds:>5} "
              f"{statistics.median(one.seconds) * 1000:10.1f}  {_where_clause(one.sql)[:70]}")  # fmt: skip
    engine = make_engine(args.database)
    try:
        raw = engine.raw_connection()
        cursor = raw.cursor()
        cursor.execute("SET statement_timeout = '60s'")
        for one in ranked[:show]:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + one.sql, one.parameters)
            print(f"\nEXPLAIN ANALYZE of {one.where}:\n  " + " ".join(one.sql.split())[:300])
            for (line,) in cursor.fetchall():
                print("    " + line)
        raw.close()
    finally:
        engine.dispose()


def _where_clause(sql: str) -> str:
    flat = " ".join(sql.split())
    at = flat.find(" WHERE ")
    return flat[at + 1 :] if at >= 0 else flat[:90]
