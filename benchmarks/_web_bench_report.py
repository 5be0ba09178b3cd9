"""The web benchmark's figures: latencies, phases, duplicates and targets, printed."""

from __future__ import annotations

import math
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from _web_bench_data import (
    DUPLICATE_KEYS,
)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# (request, percentile, limit in ms, what the issue asks)
TARGETS = (("next", 99, 50.0, "next-case p99 <= 50 ms"), ("page", 95, 150.0, "case page p95 <= 150 ms"))
NAMES = {
    "next": "next case      POST /api/v1/queue/next",
    "html": "case page      GET /cases/{id} (HTML)",
    "json": "case file      GET /api/v1/accounts/{id} (JSON)",
    "call": "log call       POST /api/v1/accounts/{id}/calls",
    "token": "sign-in        POST /api/v1/auth/token",
    "login": "web sign-in    GET /login, POST /login",
}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(len(ordered) * p / 100))
    return ordered[rank - 1]


@dataclass
class Recorder:
    """Latencies of every request (seconds), errors, and every case handed out."""

    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter[str] = field(default_factory=Counter)
    requests: int = 0
    cases: int = 0  # cases worked to the end (call logged)
    handed: list[tuple[int, int, int]] = field(default_factory=list)  # (action id, account id, user id)
    empty: bool = False  # the queue ran dry


@dataclass
class Phase:
    label: str
    recorder: Recorder
    seconds: float
    lags: list[float]  # how late the client's event loop woke up (s)
    cpu: dict[str, float]


# --- the report --------------------------------------------------------------------------------------


def ms(value: float) -> str:
    return f"{value * 1000:.1f}"


def print_latencies(recorder: Recorder, names: list[str]) -> None:
    print(f"    {'request':<52}{'n':>7}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}  ms")
    for name in names:
        values = recorder.samples.get(name)
        if values:
            figures = "".join(f"{ms(percentile(values, p)):>9}" for p in (50, 95, 99, 100))
            print(f"    {NAMES[name]:<52}{len(values):>7}{figures}")


def print_phase(phase: Phase, pages: tuple[str, ...]) -> None:
    recorder, seconds, cpu = phase.recorder, phase.seconds, phase.cpu
    print(f"\n{phase.label}")
    print_latencies(recorder, ["next", *pages, "call"])
    errors = ", ".join(f"{name} x{count}" for name, count in recorder.errors.items()) or "none"
    dry = " (the queue ran dry)" if recorder.empty else ""
    print(f"    errors: {errors}")
    print(
        f"    {recorder.requests:,} requests in {seconds:.1f} s = "
        f"{recorder.requests / seconds:,.1f} requests/s, "
        f"{recorder.cases:,} cases = {recorder.cases / seconds:,.1f} cases/s{dry}"
    )
    others = max(0.0, cpu["busy"] - cpu["server"] - cpu["postgres"] - cpu["client"])
    shares = ", ".join(
        f"{name} {value / seconds * 100:.0f}%"
        for name, value in (
            ("server", cpu["server"]),
            ("PostgreSQL", cpu["postgres"]),
            ("client", cpu["client"]),
            ("other processes", others),
        )
    )
    print(
        f"    CPU in % of one core: {shares} (machine {cpu['busy'] / cpu['all'] * 100:.0f}% busy, "
        f"{os.cpu_count()} cores)"
    )
    if recorder.cases:
        print(
            f"    CPU per case: server {cpu['server'] / recorder.cases * 1000:.1f} ms, PostgreSQL "
            f"{cpu['postgres'] / recorder.cases * 1000:.1f} ms (backends that live under half a second "
            "are missed)"
        )
    print(f"    PostgreSQL sessions opened: {cpu['sessions']:,.0f} (new connections of the server's pool)")
    print(
        f"    client event loop late by: p99 {ms(percentile(phase.lags, 99))} ms, "
        f"max {ms(max(phase.lags))} ms (part of every latency above)"
    )
    if others / seconds > 0.1 * (os.cpu_count() or 1):
        print("    warning: other processes used the machine meanwhile: not a quiet machine's figures")


def print_duplicates(checks: dict[str, int]) -> int:
    print("\nduplicates")
    for name, count in checks.items():
        print(f"  {name}: {count:,}")
    return sum(checks[key] for key in DUPLICATE_KEYS)


def print_targets(
    base: Phase, main: Phase, pages: tuple[str, ...], twice: int, *, accounts: int, collectors: int
) -> None:
    page = "html" if "html" in pages else "json"
    what = {"html": "the HTML page", "json": "the JSON case file (the server has no HTML page)"}[page]
    print("\ntargets (the issue: 1M accounts, 100 collectors, PostgreSQL)")
    if (accounts, collectors) != (1_000_000, 100):
        print(f"  note: this run had {accounts:,} accounts and {collectors} collectors")
    for name, p, limit, label in TARGETS:
        values = main.recorder.samples.get(page if name == "page" else name)
        value = percentile(values, p) * 1000 if values else float("inf")
        suffix = f" ({what})" if name == "page" else ""
        print(f"  {label}{suffix}: {value:.1f} ms {'PASS' if value <= limit else 'FAIL'}")
    print(f"  zero cases handed to two collectors: {twice} {'PASS' if twice == 0 else 'FAIL'}")
    if main.recorder.errors:
        print(f"  errors: {sum(main.recorder.errors.values()):,} (counted in the latencies)")
    print(f"\n{main.label} against the {base.label} of the same run")
    for name, p in (("next", 50), ("next", 99), *((one, 95) for one in pages), ("call", 95)):
        if base.recorder.samples.get(name) and main.recorder.samples.get(name):
            one, many = percentile(base.recorder.samples[name], p), percentile(main.recorder.samples[name], p)
            print(f"  {NAMES[name].split('  ')[0]} p{p}: {ms(many)} ms vs {ms(one)} ms = {many / one:.1f}x")
