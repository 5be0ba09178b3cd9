"""Route planner benchmark: the six shipped Solomon instances (PyVRP vs OR-Tools, same time limit, same
run) and a synthetic city day of field visits.

    .venv/bin/python benchmarks/routing_bench.py --seconds 10

Prints per instance: the best distance known, PyVRP's distance, gap, independent feasibility check,
vehicles, then OR-Tools' (routing library, GUIDED_LOCAL_SEARCH) distance and gap; the mean gaps; then
the city day (400 candidates, 25 pairs): planning time, planned and dropped candidates.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections import Counter
from importlib import resources

import numpy as np

from arrears.visits.feasibility import day_plan_problems, solomon_problems
from arrears.visits.matrix import HaversineMatrix
from arrears.visits.routing import SCALE, Candidate, Pair, day_points, plan_day, solve_solomon
from arrears.visits.solomon import (
    SHIPPED,
    SolomonInstance,
    distance,
    read_solomon,
    shipped_instance_path,
    total_distance,
)

LEGAL_HOURS = (8 * 60, 21 * 60)


def ortools_solve(instance: SolomonInstance, seconds: float) -> list[list[int]] | None:
    """OR-Tools' routing library on the same integer data as PyVRP (x1000; travel time rounded up)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    nodes = (instance.depot, *instance.customers)
    length = [[distance(a, b) * SCALE for b in nodes] for a in nodes]
    arc = [[round(value) for value in row] for row in length]
    travel = [
        [math.ceil(value - 1e-9) + round(a.service * SCALE) for value in row]
        for a, row in zip(nodes, length, strict=True)
    ]
    manager = pywrapcp.RoutingIndexManager(len(nodes), instance.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(arc))
    demand = routing.RegisterUnaryTransitVector([node.demand for node in nodes])
    routing.AddDimensionWithVehicleCapacity(demand, 0, [instance.capacity] * instance.vehicles, True, "load")
    horizon = round(instance.depot.due * SCALE)
    routing.AddDimension(routing.RegisterTransitMatrix(travel), horizon, horizon, False, "time")
    time_dimension = routing.GetDimensionOrDie("time")
    for node in instance.customers:
        time_dimension.CumulVar(manager.NodeToIndex(node.number)).SetRange(
            round(node.ready * SCALE), round(node.due * SCALE)
        )
    for vehicle in range(instance.vehicles):
        for index in (routing.Start(vehicle), routing.End(vehicle)):
            time_dimension.CumulVar(index).SetRange(round(instance.depot.ready * SCALE), horizon)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    solution = routing.SolveWithParameters(params)
    if solution is None:
        return None
    routes = []
    for vehicle in range(instance.vehicles):
        index, route = solution.Value(routing.NextVar(routing.Start(vehicle))), []
        while not routing.IsEnd(index):
            route.append(manager.IndexToNode(index))
            index = solution.Value(routing.NextVar(index))
        if route:
            routes.append(route)
    return routes


def solomon_rows(seconds: float, seed: int) -> None:
    bks = json.loads((resources.files("arrears") / "data" / "solomon" / "bks.json").read_text("utf-8"))
    best = bks["best_distance"]
    print(f"Solomon instances, {seconds:g} s each, seed {seed}; gap against bks.json best_distance")
    header = f"{'instance':<9}{'best':>10}{'PyVRP':>11}{'gap %':>8}  {'feasible':<9}{'veh':>4}"
    header += f"{'OR-Tools':>11}{'gap %':>8}  {'feasible':<9}"
    print(header)
    gaps: list[float] = []
    peer_gaps: list[float] = []
    for name in SHIPPED:
        instance = read_solomon(shipped_instance_path(name))
        solution = solve_solomon(instance, seconds=seconds, seed=seed)
        ok = not solomon_problems(instance, solution.routes)
        gaps.append(100 * (solution.cost / best[name] - 1))
        peer = ortools_solve(instance, seconds)
        if peer is None:
            peer_text = f"{'none':>11}{'':>8}  {'-':<9}"
        else:
            cost = total_distance(instance, peer)
            peer_gaps.append(100 * (cost / best[name] - 1))
            peer_ok = not solomon_problems(instance, peer)
            peer_text = f"{cost:>11.2f}{peer_gaps[-1]:>8.2f}  {str(peer_ok).lower():<9}"
        print(
            f"{name:<9}{best[name]:>10.2f}{solution.cost:>11.2f}{gaps[-1]:>8.2f}  {str(ok).lower():<9}"
            f"{solution.vehicles:>4}{peer_text}",
            flush=True,
        )
    peer_mean = (
        f"{sum(peer_gaps) / len(peer_gaps):.2f}% over {len(peer_gaps)}" if peer_gaps else "no solution"
    )
    print(f"mean gap: PyVRP {sum(gaps) / len(gaps):.2f}% (target <= 0.3%), OR-Tools {peer_mean}")


def city_day(seed: int, candidates: int = 400, pairs: int = 25) -> tuple[list[Candidate], list[Pair]]:
    """A seeded day in Guangzhou: bases at five branch offices, values lognormal (median 500 yuan),
    70% visits any time in legal hours, 22% half-day windows, 8% one-hour appointments."""
    rng = np.random.default_rng(seed)
    offices = [(23.129, 113.264), (23.105, 113.324), (23.156, 113.240), (23.090, 113.280), (23.180, 113.350)]
    teams = [
        Pair(f"P{i + 1:02d}", *offices[i % len(offices)], shift_start=510, shift_end=1080, capacity=8)
        for i in range(pairs)
    ]
    lat = rng.normal(23.13, 0.05, candidates)
    lon = rng.normal(113.29, 0.06, candidates)
    values = rng.lognormal(math.log(50_000), 1.0, candidates).astype(int)
    kind = rng.random(candidates)
    people = []
    for i in range(candidates):
        windows, appointment = ((0, 24 * 60),), False
        if kind[i] < 0.08:
            start = int(rng.integers(10 * 60, 16 * 60))
            windows, appointment = ((start, start + 60),), True
        elif kind[i] < 0.19:
            windows = ((9 * 60, 12 * 60),)
        elif kind[i] < 0.30:
            windows = ((14 * 60, 18 * 60), (19 * 60, 20 * 60))
        service = int(rng.choice([30, 40, 45]))
        people.append(
            Candidate(
                f"C{i + 1:03d}", float(lat[i]), float(lon[i]), int(values[i]), service, windows, appointment
            )
        )
    return people, teams


def city_row(seed: int, seconds: float) -> None:
    candidates, pairs = city_day(seed)
    began = time.perf_counter()
    durations = HaversineMatrix().durations(day_points(pairs=pairs, candidates=candidates))
    plan = plan_day(
        candidates=candidates,
        pairs=pairs,
        durations=durations,
        legal_hours=LEGAL_HOURS,
        seconds=seconds,
        seed=seed,
    )
    elapsed = time.perf_counter() - began
    problems = day_plan_problems(
        plan, candidates=candidates, pairs=pairs, durations=durations, legal_hours=LEGAL_HOURS
    )
    planned = sum(len(route.visits) for route in plan.routes)
    appointments = sum(c.appointment for c in candidates)
    reasons = Counter(item.reason.value for item in plan.dropped)
    print(
        f"city day (Guangzhou, {len(candidates)} candidates, {appointments} appointments,"
        f" {len(pairs)} pairs x 8 visits,"
        f" solver limit {seconds:g} s, seed {seed}): planned in {elapsed:.1f} s (target <= 30 s);"
        f" {planned} planned on {sum(1 for r in plan.routes if r.visits)} routes, {len(plan.dropped)} dropped"
        f" {dict(sorted(reasons.items()))}; value {plan.value_fen / 100:,.0f} yuan,"
        f" {plan.travel_seconds / 3600:.1f} h travel; feasible {not problems}"
    )
    for problem in problems[:10]:
        print(f"  problem: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=10.0, help="time limit per Solomon instance and solver"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--day-seconds", type=float, default=20.0, help="solver time limit for the city day")
    parser.add_argument("--only", choices=("solomon", "day"), help="run one part")
    args = parser.parse_args()
    if args.only != "day":
        solomon_rows(args.seconds, args.seed)
    if args.only != "solomon":
        city_row(args.seed, args.day_seconds)


if __name__ == "__main__":
    main()
