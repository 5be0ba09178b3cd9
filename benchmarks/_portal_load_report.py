"""The portal load benchmark's figures: percentiles per page and overall, throughput, failures, CPU."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

ORDER = (
    "sign-in: GET /my/login",
    "sign-in: POST /my/login",
    "sign-in: GET /my/code",
    "sign-in: POST /my/code",
    "what I owe: GET /my",
    "account: GET /my/account/{no}",
    "offers: GET /my/account/{no}/offers",
    "pay: GET /my/account/{no}/pay",
    "pay: POST /my/account/{no}/pay",
)
CHECKS = ("sign-in: code in the outbox", "pay: redirect to the checkout")  # not requests: checks only


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (0 < share <= 1) of sorted ``values``."""
    return values[max(0, math.ceil(share * len(values)) - 1)]


def print_report(
    samples: list[list[object]],
    cpu: dict[str, float],
    *,
    users: int,
    seconds: float,
    think: str,
    target_ms: float,
    loads: tuple[str, str],
) -> bool:
    """Prints the figures; whether every page met the target."""
    by_name: dict[str, list[float]] = defaultdict(list)
    failures: Counter[str] = Counter()
    for name, millis, ok in samples:
        if not ok:
            failures[str(name)] += 1
        if name not in CHECKS:
            by_name[str(name)].append(float(millis))  # type: ignore[arg-type]
    every = sorted(value for values in by_name.values() for value in values)
    wall = cpu["seconds"]
    names = [n for n in ORDER if n in by_name] + sorted(set(by_name) - set(ORDER))
    print()
    print(f"{users} cardholders, {seconds:g} s, think time {think.replace(',', ' to ')} s before each page")
    print(
        f"{'page':<40} {'requests':>9} {'fails':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    met = True
    for name in [*names, "overall"]:
        values = every if name == "overall" else sorted(by_name[name])
        if not values:
            continue
        fails = sum(failures.values()) if name == "overall" else failures[name]
        p95 = percentile(values, 0.95)
        if name != "overall" and p95 > target_ms:
            met = False
        print(
            f"{name:<40} {len(values):>9,} {fails:>6} {percentile(values, 0.5):>8.1f} {p95:>8.1f} "
            f"{percentile(values, 0.99):>8.1f} {values[-1]:>8.1f}"
        )
    print(f"requests: {len(every):,} in {wall:.1f} s = {len(every) / wall:.1f} a second (ramp-up included)")
    if failures:
        print("failures: " + ", ".join(f"{name} {count}" for name, count in failures.most_common()))
    else:
        print("failures: none")
    busy, total = cpu.get("busy", 0.0), cpu.get("all", 0.0)
    print(
        f"CPU over the run (cores): server {cpu['server'] / wall:.2f}, "
        f"PostgreSQL {cpu['postgres'] / wall:.2f}, "
        f"locust {cpu['locust'] / wall:.2f}, whole machine {busy / wall:.2f} of {total / wall:.0f}; "
        f"PostgreSQL sessions opened {cpu.get('sessions', 0):.0f}"
    )
    print(f"load average (1, 5, 15 min): before {loads[0]}, after {loads[1]}")
    worst = max((percentile(sorted(by_name[n]), 0.95), n) for n in names) if names else (0.0, "-")
    verdict = "PASS" if met and not failures else "FAIL"
    print(
        f"target: every page's p95 <= {target_ms:g} ms under {users} cardholders: {verdict} "
        f"(highest p95 {worst[0]:.1f} ms, {worst[1]}; failures {sum(failures.values())})"
    )
    return met
