"""Route planning with PyVRP: Solomon benchmark instances and the prize-collecting day plan.

Pure: plain data in, plain data out; no clock and no I/O (the solver's own time limit aside).
PyVRP works with integers, so Solomon distances and times are scaled by ``SCALE``: distances are
rounded, travel times rounded up (a plan feasible for the solver is then feasible in double
precision too), and the reported cost is recomputed from the routes in double precision.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

import numpy as np

from arrears.kit.errors import ArrearsError
from arrears.visits.matrix import UNREACHABLE
from arrears.visits.solomon import SolomonInstance, distance, total_distance

if TYPE_CHECKING:
    from pyvrp import Model, ProblemData, Route
    from pyvrp.stop import StoppingCriterion

SCALE = 1000


@dataclass(frozen=True, slots=True)
class SolomonSolution:
    instance: str
    cost: float
    routes: tuple[tuple[int, ...], ...]
    seconds: float
    solver_feasible: bool

    @property
    def vehicles(self) -> int:
        return len(self.routes)


def solve_solomon(
    instance: SolomonInstance, *, seconds: float, seed: int = 1, iterations: int | None = None
) -> SolomonSolution:
    """Minimises the total distance with the file's fleet, capacity, time windows and service times.

    Stops after ``seconds`` (or ``iterations``, whichever comes first; an iteration limit alone
    makes the result the same for a seed on any machine)."""
    model = solomon_model(instance)
    result = model.solve(_stop(seconds, iterations), seed=seed, display=False)
    routes = tuple(
        tuple(activity.idx + 1 for activity in route if activity.is_client())
        for route in result.best.routes()
    )
    routes = tuple(route for route in routes if route)
    return SolomonSolution(
        instance=instance.name,
        cost=round(total_distance(instance, routes), 6),
        routes=routes,
        seconds=round(result.runtime, 3),
        solver_feasible=result.best.is_feasible(),
    )


def solomon_model(instance: SolomonInstance) -> Model:
    """The PyVRP model: node i is location i, customer i is client i - 1."""
    from pyvrp import Model

    model = Model()
    nodes = (instance.depot, *instance.customers)
    locations = [model.add_location(node.x, node.y, name=str(node.number)) for node in nodes]
    depot = instance.depot
    model.add_depot(locations[0], tw_early=_scaled(depot.ready), tw_late=_scaled(depot.due))
    model.add_vehicle_type(
        num_available=instance.vehicles,
        capacity=instance.capacity,
        tw_early=_scaled(depot.ready),
        tw_late=_scaled(depot.due),
    )
    for node, location in zip(instance.customers, locations[1:], strict=True):
        model.add_client(
            location,
            delivery=node.demand,
            service_duration=_scaled(node.service),
            tw_early=_scaled(node.ready),
            tw_late=_scaled(node.due),
            name=str(node.number),
        )
    for a, frm in zip(nodes, locations, strict=True):
        for b, to in zip(nodes, locations, strict=True):
            length = distance(a, b) * SCALE
            model.add_edge(frm, to, distance=round(length), duration=math.ceil(length - 1e-9))
    return model


def _scaled(value: float) -> int:
    return round(value * SCALE)


def _stop(seconds: float, iterations: int | None) -> StoppingCriterion:
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    if iterations is None:
        return MaxRuntime(seconds)
    return MultipleCriteria([MaxRuntime(seconds), MaxIterations(iterations)])


# --- the day plan of field visits: a prize-collecting VRP with time windows -----------------------

DAY = 24 * 60
MINUTE = 60


@dataclass(frozen=True, slots=True)
class Candidate:
    """An account to visit: ``windows`` are (first, last) minutes after midnight for the visit's start."""

    id: str
    lat: float
    lon: float
    value_fen: int
    service_minutes: int
    windows: tuple[tuple[int, int], ...] = ((0, DAY),)
    appointment: bool = False


@dataclass(frozen=True, slots=True)
class Pair:
    """Two visitors travelling together from a base; ``capacity`` is visits per day."""

    id: str
    lat: float
    lon: float
    shift_start: int
    shift_end: int
    capacity: int


class DropReason(StrEnum):
    OUTSIDE_EVERY_WINDOW = "outside_every_window"  # no window leaves room for the visit in legal hours
    UNREACHABLE = "unreachable_in_legal_hours"  # no pair can get there and back within its shift
    NO_TIME_OR_CAPACITY = "no_time_or_capacity"  # worth a visit, but the day is full
    NOT_WORTH_THE_TRAVEL = "not_worth_the_travel"  # its value is below the cheapest detour to it


@dataclass(frozen=True, slots=True)
class PlannedVisit:
    """Times in seconds after midnight: arrival, start of the visit (after any wait) and its end."""

    candidate_id: str
    arrival: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PairRoute:
    pair_id: str
    depart: int
    back: int
    visits: tuple[PlannedVisit, ...]


@dataclass(frozen=True, slots=True)
class Dropped:
    candidate_id: str
    reason: DropReason


@dataclass(frozen=True, slots=True)
class DayPlan:
    routes: tuple[PairRoute, ...]
    dropped: tuple[Dropped, ...]
    value_fen: int
    travel_seconds: int
    solver_seconds: float


def day_points(*, pairs: Sequence[Pair], candidates: Sequence[Candidate]) -> list[tuple[float, float]]:
    """The (lat, lon) points a travel-time matrix for :func:`plan_day` covers: bases, then candidates."""
    return [(pair.lat, pair.lon) for pair in pairs] + [(c.lat, c.lon) for c in candidates]


def plan_day(
    *,
    candidates: Sequence[Candidate],
    pairs: Sequence[Pair],
    durations: Sequence[Sequence[int]],
    legal_hours: tuple[int, int] = (8 * 60, 21 * 60),
    cost_per_hour_fen: int = 10_000,
    seconds: float = 5.0,
    seed: int = 1,
    iterations: int | None = None,
) -> DayPlan:
    """Routes per pair that collect the most value net of travel cost (``cost_per_hour_fen`` per
    hour on the road); appointments are always kept (an appointment that cannot be kept raises
    :class:`PlanningError`), other candidates are kept when worth it, else dropped with a reason.

    ``durations``: seconds between the points of :func:`day_points`. ``legal_hours``: minutes after
    midnight; every visit starts and ends inside them."""
    _validate(candidates, pairs, durations)
    if cost_per_hour_fen <= 0:
        raise PlanningError("cost_per_hour_fen must be positive", "每小时行程成本必须为正数")
    windows = {c.id: _legal_windows(c, legal_hours) for c in candidates}
    dropped: list[Dropped] = []
    planned: list[int] = []
    for index, candidate in enumerate(candidates):
        reason = _excluded(index, candidate, windows[candidate.id], pairs, durations)
        if reason is None:
            planned.append(index)
        elif candidate.appointment:
            raise _appointment_error(candidate, reason, legal_hours)
        else:
            dropped.append(Dropped(candidate.id, reason))
    problem = _DayProblem(candidates, pairs, durations, windows, planned, cost_per_hour_fen)
    return problem.solve(_stop(seconds, iterations), seed, dropped)


class PlanningError(ArrearsError):
    """The day cannot be planned as asked: names the candidate, pair or field."""


@dataclass(frozen=True, slots=True)
class _DayProblem:
    candidates: Sequence[Candidate]
    pairs: Sequence[Pair]
    durations: Sequence[Sequence[int]]
    windows: dict[str, list[tuple[int, int]]]
    planned: list[int]
    cost_per_hour_fen: int

    def solve(self, stop: StoppingCriterion, seed: int, dropped: list[Dropped]) -> DayPlan:
        from pyvrp import SolveParams, solve
        from pyvrp.PenaltyManager import PenaltyParams

        data, owners = self._data()
        # a violation must cost more than the largest prize it could win, or the search keeps it
        top = max((self._prize(c.value_fen) for c in self.candidates), default=0)
        params = SolveParams(penalty=PenaltyParams(max_penalty=max(100_000.0, 2.0 * top)))
        result = solve(data, stop, seed=seed, collect_stats=False, display=False, params=params)
        best = result.best
        if not best.is_feasible():
            appointments = [c.id for c in self.candidates if c.appointment]
            raise PlanningError(
                "the appointments cannot all be kept within the pairs' shifts, capacity and windows: "
                + ", ".join(appointments),
                f"无法在各组的班次、容量和时间窗内完成全部预约：{', '.join(appointments)}",
            )
        routes = tuple(self._route(route, owners) for route in best.routes())
        visited = {visit.candidate_id for route in routes for visit in route.visits}
        dropped += [
            Dropped(self.candidates[index].id, self._reason(index, routes))
            for index in self.planned
            if self.candidates[index].id not in visited
        ]
        value = sum(c.value_fen for c in self.candidates if c.id in visited)
        order = {c.id: i for i, c in enumerate(self.candidates)}
        dropped.sort(key=lambda item: order[item.candidate_id])
        return DayPlan(routes, tuple(dropped), value, int(best.distance()), round(result.runtime, 3))

    def _data(self) -> tuple[ProblemData, list[int]]:
        from pyvrp import Client, ClientGroup, Depot, Location, ProblemData, VehicleType

        points = day_points(pairs=self.pairs, candidates=self.candidates)
        locations = [Location(x=lon, y=lat) for lat, lon in points]
        depots = [
            Depot(i, tw_early=p.shift_start * MINUTE, tw_late=p.shift_end * MINUTE)
            for i, p in enumerate(self.pairs)
        ]
        vehicles = [
            VehicleType(
                1,
                [p.capacity * self._load_unit()],
                i,
                i,
                tw_early=p.shift_start * MINUTE,
                tw_late=p.shift_end * MINUTE,
                unit_distance_cost=1,
                name=p.id,
            )
            for i, p in enumerate(self.pairs)
        ]
        clients: list[Client] = []
        owners: list[int] = []
        groups: list[ClientGroup] = []
        for index in self.planned:
            candidate = self.candidates[index]
            windows = self.windows[candidate.id]
            single = len(windows) == 1
            group = None if single else len(groups)
            if not single:
                groups.append(
                    ClientGroup(list(range(len(clients), len(clients) + len(windows))), candidate.appointment)
                )
            for early, late in windows:
                clients.append(
                    Client(
                        len(self.pairs) + index,
                        [self._load_unit()],
                        [],
                        candidate.service_minutes * MINUTE,
                        early,
                        late,
                        prize=0 if candidate.appointment else self._prize(candidate.value_fen),
                        required=candidate.appointment and single,
                        group=group,
                        name=candidate.id,
                    )
                )
                owners.append(index)
        # no edge longer than two days: enough to rule it out, small enough to keep penalties in scale
        matrix = np.minimum(np.asarray(self.durations, dtype=np.int64), 2 * DAY * MINUTE)
        return ProblemData(locations, clients, depots, vehicles, [matrix], [matrix], groups), owners  # type: ignore[list-item]

    def _load_unit(self) -> int:
        """The load of one visit: large enough that a visit over capacity costs more than any prize."""
        top = max((self._prize(c.value_fen) for c in self.candidates), default=0)
        return max(1, math.ceil(top / 10_000))

    def _prize(self, value_fen: int) -> int:
        """The value in seconds on the road it pays for: the objective is travel seconds."""
        return round(value_fen * 3600 / self.cost_per_hour_fen)

    def _route(self, route: Route, owners: list[int]) -> PairRoute:
        visits = tuple(
            PlannedVisit(
                self.candidates[owners[a.idx]].id, a.start_time - a.wait_duration, a.start_time, a.end_time
            )
            for a in route
            if a.is_client()
        )
        return PairRoute(self.pairs[route.vehicle_type()].id, route.start_time(), route.end_time(), visits)

    def _reason(self, index: int, routes: tuple[PairRoute, ...]) -> DropReason:
        """Not worth it when the value is below the cost of the cheapest detour to the candidate."""
        spot = len(self.pairs) + index
        position = {c.id: len(self.pairs) + i for i, c in enumerate(self.candidates)}
        by_pair = {route.pair_id: [position[v.candidate_id] for v in route.visits] for route in routes}
        d = self.durations
        detour = UNREACHABLE
        for base, pair in enumerate(self.pairs):
            if pair.capacity <= 0:
                continue
            stops = [base, *by_pair.get(pair.id, []), base]
            for a, b in itertools.pairwise(stops):
                detour = min(detour, d[a][spot] + d[spot][b] - d[a][b])
        worth = self.candidates[index].value_fen * 3600 >= detour * self.cost_per_hour_fen
        return DropReason.NO_TIME_OR_CAPACITY if worth else DropReason.NOT_WORTH_THE_TRAVEL


def _legal_windows(candidate: Candidate, legal_hours: tuple[int, int]) -> list[tuple[int, int]]:
    """The candidate's windows cut to the legal hours (the visit must also end inside them), in seconds."""
    first, last = legal_hours
    cut = [
        (max(early, first) * MINUTE, min(late, last - candidate.service_minutes) * MINUTE)
        for early, late in candidate.windows
    ]
    return sorted({(early, late) for early, late in cut if early <= late})


def _excluded(
    index: int,
    candidate: Candidate,
    windows: list[tuple[int, int]],
    pairs: Sequence[Pair],
    durations: Sequence[Sequence[int]],
) -> DropReason | None:
    """Why no plan can hold the candidate (no window left, no pair can get there and back), or None."""
    if not windows:
        return DropReason.OUTSIDE_EVERY_WINDOW
    spot = len(pairs) + index
    for base, pair in enumerate(pairs):
        if pair.capacity <= 0:
            continue
        for early, late in windows:
            arrival = max(pair.shift_start * MINUTE + durations[base][spot], early)
            back = arrival + candidate.service_minutes * MINUTE + durations[spot][base]
            if arrival <= late and back <= pair.shift_end * MINUTE:
                return None
    return DropReason.UNREACHABLE


def _appointment_error(
    candidate: Candidate, reason: DropReason, legal_hours: tuple[int, int]
) -> PlanningError:
    windows = ", ".join(f"{_clock(a)}-{_clock(b)}" for a, b in candidate.windows)
    legal = f"{_clock(legal_hours[0])}-{_clock(legal_hours[1])}"
    if reason is DropReason.OUTSIDE_EVERY_WINDOW:
        why = (
            f"its window {windows} leaves no room for a {candidate.service_minutes}-minute visit"
            f" in the legal hours {legal}"
        )
        why_zh = f"时间窗 {windows} 在合法时段 {legal} 内容不下 {candidate.service_minutes} 分钟的走访"
    else:
        why = f"no pair can reach it in its window {windows} and be back within its shift"
        why_zh = f"没有外访组能在时间窗 {windows} 内到达并在班次内返回"
    return PlanningError(
        f"appointment {candidate.id} cannot be kept: {why}", f"预约 {candidate.id} 无法履行：{why_zh}"
    )


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _validate(
    candidates: Sequence[Candidate], pairs: Sequence[Pair], durations: Sequence[Sequence[int]]
) -> None:
    def fail(en: str, zh: str) -> None:
        raise PlanningError(en, zh)

    size = len(pairs) + len(candidates)
    if len(durations) != size or any(len(row) != size for row in durations):
        fail(
            f"the travel-time matrix must be {size} x {size} (pairs, then candidates)",
            f"行程时间矩阵应为 {size} x {size}",
        )
    for kind, ids in (("pair", [p.id for p in pairs]), ("candidate", [c.id for c in candidates])):
        for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
            fail(f"{kind} {duplicate} appears twice", f"{duplicate} 重复")
    for pair in pairs:
        if not 0 <= pair.shift_start < pair.shift_end <= DAY or pair.capacity < 0:
            fail(
                f"pair {pair.id}: the shift must be within the day and the capacity not negative",
                f"外访组 {pair.id}：班次或容量无效",
            )
    for c in candidates:
        if c.value_fen < 0 or c.service_minutes < 0:
            fail(
                f"candidate {c.id}: value_fen and service_minutes must not be negative",
                f"候选 {c.id}：金额或时长为负",
            )
        if not c.windows or any(not 0 <= a <= b <= DAY for a, b in c.windows):
            fail(
                f"candidate {c.id}: every window must be (first, last) minutes within the day",
                f"候选 {c.id}：时间窗无效",
            )
