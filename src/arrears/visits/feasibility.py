"""Independent checks of a route plan: a list of problems in plain English, empty when feasible.

They recompute everything from the input (never trust the solver): a Solomon solution in double
precision, and a day plan of field visits against shifts, legal hours, windows and capacity.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from arrears.visits.solomon import SolomonInstance, distance

if TYPE_CHECKING:
    from arrears.visits.routing import Candidate, DayPlan, Pair, PairRoute, PlannedVisit

TOLERANCE = 1e-6


def solomon_problems(instance: SolomonInstance, routes: Sequence[Sequence[int]]) -> list[str]:
    """Every customer once, fleet size, capacity, time windows (waiting allowed), depot due time."""
    problems: list[str] = []
    used = [route for route in routes if route]
    if len(used) > instance.vehicles:
        problems.append(f"{len(used)} routes but only {instance.vehicles} vehicles")
    seen = Counter(number for route in routes for number in route)
    customers = len(instance.customers)
    for number, times in sorted(seen.items()):
        if not 1 <= number <= customers:
            problems.append(f"node {number} is not a customer (customers are 1..{customers})")
        elif times > 1:
            problems.append(f"customer {number} is visited {times} times")
    missing = [number for number in range(1, customers + 1) if number not in seen]
    if missing:
        problems.append(f"customers never visited: {', '.join(map(str, missing))}")
    for index, route in enumerate(used, start=1):
        if all(1 <= number <= customers for number in route):
            problems.extend(_solomon_route_problems(instance, index, route))
    return problems


def _solomon_route_problems(instance: SolomonInstance, index: int, route: Sequence[int]) -> list[str]:
    problems: list[str] = []
    load = sum(instance.node(number).demand for number in route)
    if load > instance.capacity:
        problems.append(f"route {index}: load {load} exceeds the capacity {instance.capacity}")
    previous, clock = instance.depot, instance.depot.ready
    for number in route:
        node = instance.node(number)
        arrival = clock + distance(previous, node)
        if arrival > node.due + TOLERANCE:
            problems.append(
                f"route {index}: customer {number} reached at {arrival:.3f}, after its due date {node.due:g}"
            )
        clock = max(arrival, node.ready) + node.service
        previous = node
    back = clock + distance(previous, instance.depot)
    if back > instance.depot.due + TOLERANCE:
        problems.append(
            f"route {index}: back at the depot at {back:.3f}, after its due date {instance.depot.due:g}"
        )
    return problems


def day_plan_problems(
    plan: DayPlan,
    *,
    candidates: Sequence[Candidate],
    pairs: Sequence[Pair],
    durations: Sequence[Sequence[int]],
    legal_hours: tuple[int, int],
) -> list[str]:
    """Shifts, travel times, windows, legal hours, capacity, each candidate once, appointments kept."""
    problems: list[str] = []
    by_id = {c.id: c for c in candidates}
    spot = {c.id: len(pairs) + i for i, c in enumerate(candidates)}
    base = {p.id: i for i, p in enumerate(pairs)}
    seen = Counter(v.candidate_id for route in plan.routes for v in route.visits)
    for candidate_id, times in sorted(seen.items()):
        if candidate_id not in by_id:
            problems.append(f"{candidate_id} is not a candidate")
        elif times > 1:
            problems.append(f"candidate {candidate_id} is visited {times} times")
    problems += [
        f"appointment {c.id} is not planned" for c in candidates if c.appointment and c.id not in seen
    ]
    routes_per_pair = Counter(route.pair_id for route in plan.routes)
    problems += [f"pair {pair_id} has {n} routes" for pair_id, n in routes_per_pair.items() if n > 1]
    for route in plan.routes:
        if route.pair_id not in base:
            problems.append(f"{route.pair_id} is not a pair")
        elif all(v.candidate_id in by_id for v in route.visits):
            stops = [(spot[v.candidate_id], by_id[v.candidate_id], v) for v in route.visits]
            problems += _route_problems(
                route, pairs[base[route.pair_id]], base[route.pair_id], stops, durations, legal_hours
            )
    return problems


def _route_problems(
    route: PairRoute,
    pair: Pair,
    base: int,
    stops: list[tuple[int, Candidate, PlannedVisit]],
    durations: Sequence[Sequence[int]],
    legal_hours: tuple[int, int],
) -> list[str]:
    name = f"pair {pair.id}"
    problems: list[str] = []
    if len(stops) > pair.capacity:
        problems.append(f"{name}: {len(stops)} visits, capacity {pair.capacity}")
    if route.depart < pair.shift_start * 60:
        problems.append(f"{name}: leaves at {route.depart} s, before its shift starts")
    clock, here = route.depart, base
    for at, candidate, visit in stops:
        problems += _visit_problems(name, candidate, visit, clock + durations[here][at], legal_hours)
        clock, here = max(visit.end, clock), at
    if route.back < clock + durations[here][base] or route.back > pair.shift_end * 60:
        problems.append(
            f"{name}: back at {route.back} s; earliest {clock + durations[here][base]} s, shift ends"
        )
    return problems


def _visit_problems(
    name: str, candidate: Candidate, visit: PlannedVisit, earliest: int, legal_hours: tuple[int, int]
) -> list[str]:
    problems: list[str] = []
    where = f"{name}, candidate {candidate.id}"
    if visit.arrival < earliest or visit.start < visit.arrival:
        problems.append(
            f"{where}: arrives at {visit.arrival} s, starts at {visit.start} s; earliest {earliest} s"
        )
    if visit.end < visit.start + candidate.service_minutes * 60:
        problems.append(f"{where}: the visit is shorter than {candidate.service_minutes} minutes")
    if not any(early * 60 <= visit.start <= late * 60 for early, late in candidate.windows):
        problems.append(f"{where}: starts at {visit.start} s, outside every window")
    if visit.start < legal_hours[0] * 60 or visit.end > legal_hours[1] * 60:
        problems.append(f"{where}: {visit.start}-{visit.end} s is outside the legal hours")
    return problems
