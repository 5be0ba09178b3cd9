"""The service-desk benchmark's figures: the routes it requests, the timings of a phase, and the report
(percentiles per route against the target, CPU, the baseline's ratio, the server's last traceback).

Used by ``service_desk_bench.py``; not a benchmark on its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

DESK = "customer_service1"
LEAD = "team_lead1"
REFERENCE = "dashboard (reference)"


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    agent: str  # username
    path: str  # "{case}": a random open case's id


def routes() -> list[Route]:
    tabs = [Route("desk (default tab)", DESK, "/service-desk")]
    tabs += [Route(f"tab {tab}", DESK, f"/service-desk?tab={tab}")
             for tab in ("breached", "at_risk", "mine", "unassigned", "closed")]  # fmt: skip
    tabs += [
        Route("tab escalated (team lead)", LEAD, "/service-desk?tab=escalated"),
        Route("default tab, page 500", DESK, "/service-desk?page_no=500"),
        Route("case page", DESK, "/service-desk/cases/{case}"),
        Route("start page (desk counts)", DESK, "/?home=1"),  # "/" sends service to the inbound view
        Route(REFERENCE, LEAD, "/dashboard"),
    ]
    return tabs


@dataclass
class Timings:
    samples: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)
    unfinished: int = 0


@dataclass
class Phase:
    label: str
    open_count: int
    timings: Timings
    counts: dict[str, str]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")


def overall(timings: Timings) -> list[float]:
    return [value for name, values in timings.samples.items() if name != REFERENCE for value in values]


def print_phase(phase: Phase, target_ms: float) -> None:
    t = phase.timings
    done = sum(len(values) for values in t.samples.values())
    print(f"\n{phase.label}: {phase.open_count:,} open cases; the desk's counts {phase.counts}")
    head = f"{'route':30} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}  errors"
    print(f"{head}  p95 <= {target_ms:.0f} ms")
    rows = [(route.name, t.samples.get(route.name, [])) for route in routes()]
    for name, values in [*rows, ("overall (desk routes)", overall(t))]:
        ms = [percentile(values, share) * 1000 for share in (0.5, 0.95, 0.99, 1.0)]
        errors = sum(n for key, n in t.errors.items() if key.startswith(name + ":"))
        verdict = "" if name == REFERENCE else ("PASS" if ms[1] <= target_ms else "FAIL")
        shown = " ".join(f"{v:8.1f}" for v in ms)
        print(f"{name:30} {len(values):>5} {shown}  {errors:>6}  {verdict}")
    cpu = t.cpu
    print(f"{done:,} requests in {t.seconds:.1f} s: {done / t.seconds:.1f} requests/s"
          + (f" ({t.unfinished} not sent: --time-limit reached)" if t.unfinished else ""))  # fmt: skip
    server, postgres = cpu.get("server", 0.0), cpu.get("postgres", 0.0)
    print(
        f"CPU: server {server:.1f} s, PostgreSQL {postgres:.1f} s, client {cpu.get('client', 0):.1f} s; "
        f"machine busy {cpu.get('busy', 0):.1f} of {cpu.get('all', 0):.1f} s; server + PostgreSQL per "
        f"request {1000 * (server + postgres) / max(1, done):.1f} ms"
    )
    if t.errors:
        print(f"errors: {dict(t.errors)}")


def print_ratio(baseline: Phase, full: Phase) -> None:
    print(f"\np95 with {full.open_count:,} open cases against {baseline.open_count:,} (same run and server):")
    for name in [route.name for route in routes()] + ["overall (desk routes)"]:
        pair = [overall(p.timings) if name.startswith("overall") else p.timings.samples.get(name, [])
                for p in (baseline, full)]  # fmt: skip
        low, high = (percentile(values, 0.95) * 1000 for values in pair)
        print(f"  {name:30} {low:8.1f} -> {high:8.1f} ms  x{high / low:.1f}")


def print_server_errors(log: Path) -> None:
    """The server's last traceback, from its log."""
    lines = log.read_text(errors="replace").splitlines()
    starts = [n for n, line in enumerate(lines) if line.startswith("Traceback")]
    shown = lines[starts[-1] : starts[-1] + 40] if starts else lines[-20:]
    print(f"server log {log}, its last traceback:\n  " + "\n  ".join(shown))


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
