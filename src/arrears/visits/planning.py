"""Planning a day of field visits from the store: the candidates, the pairs, the solver, the routes.

Candidates are the latest completed run's visit actions (on or before the day), the open visit
requests and the day's open appointments (which must be kept). One candidate per account: an
appointment wins, else the largest value. Each is visited at its customer's home address with
coordinates, else a work address; an account with neither is dropped (``no_coordinates``).

Holds: a candidate whose account (or customer) is under a hold the policy's CN-HOLD blocks, active when
the plan is made, is left out with the hold as the reason (``on_hold``), whatever its source: visits
requested by collectors and appointments too. Candidates that come from an open visit request are
marked ``requested``, on the routes and in the left-out list.

Availability: a candidate other than an appointment whose customer has ``visit_availability``
windows for the day's weekday (or every day) is visited only inside them, cut to the legal hours
(the visit must start and end inside both); when none is left it is dropped
(``outside_every_window``). Without windows, the whole legal day.

Value (fen) of a candidate: the run's expected value of the visit action. A request (or an
appointment) without an action gets the value the default strategy gives a visit:
``overdue_fen x VISIT_LIFT x (1 - p_default)``, with the account's latest probability of default,
``UNSCORED_P_DEFAULT`` when it was never scored. No fixed cost is subtracted: the planner charges
the travel.

Pairs are the active ``visit_pair`` rows whose two distinct, active members both have a visitor
profile: the base is the first member's, the shift the intersection of both, the capacity the
smaller one. Territory: a candidate whose district is outside every usable pair's territory (the
union of both members' districts; an empty territory means anywhere) is dropped before solving.

Times: the solver works in minutes after local midnight in ``zone``; routes and stops are stored in
UTC. Planning again replaces the day's routes that have not started; a started route is kept, with
its pair and its accounts left out of the new plan. The service never commits.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.visits.matrix import TravelTimes
from arrears.visits.plan_result import DroppedCandidate, PlannedRoute, PlannedStop, SkippedPair, VisitDay
from arrears.visits.repository import VisitRepository
from arrears.visits.routing import DAY, Candidate, DayPlan, Pair, PlanningError, day_points, plan_day
from arrears.visits.solver import SOLVER as SOLVER

VISIT_LIFT = 0.20  # the default strategy's visit lift (strategies/default.yaml, economics.visit)
UNSCORED_P_DEFAULT = 0.5
SERVICE_MINUTES = 30
COST_PER_HOUR_FEN = 10_000


@dataclass(slots=True)
class _Wanted:
    """One account to visit, before its address is known."""

    account_id: int
    customer_id: int
    account_no: str
    value_fen: int
    windows: tuple[tuple[int, int], ...] = ((0, DAY),)
    appointment_id: int | None = None
    requested: bool = False


@dataclass(frozen=True, slots=True)
class _UsablePair:
    id: int
    territory: frozenset[str]
    pair: Pair


@dataclass(slots=True)
class _Setup:
    pairs: list[_UsablePair]
    skipped: list[SkippedPair]
    wanted: dict[str, _Wanted] = field(default_factory=dict)  # by account number
    addresses: dict[int, dict[str, Any]] = field(default_factory=dict)  # by customer


def legal_hours(policy: Policy) -> tuple[int, int]:
    """The policy's contact hours in minutes after local midnight, for visits: the end minute itself
    is excluded unless the policy allows it. No hours (or visits exempt): the whole day."""
    hours = policy.hours
    if hours is None or "visit" in hours.exempt_channels:
        return (0, DAY)
    end = hours.end.hour * 60 + hours.end.minute - (0 if hours.end_allowed else 1)
    return (hours.start.hour * 60 + hours.start.minute, end)


def request_value(*, overdue_fen: int, p_default: float | None) -> int:
    """The value of a visit that no run priced (see the module's documentation)."""
    p = UNSCORED_P_DEFAULT if p_default is None else p_default
    return max(0, round(overdue_fen * VISIT_LIFT * (1 - p)))


def plan_visits(
    connection: Connection,
    *,
    plan_date: date,
    policy: Policy,
    zone: str,
    travel_times: TravelTimes,
    seconds: float = 5.0,
    seed: int = 1,
    iterations: int | None = None,
    now: datetime,
    cost_per_hour_fen: int = COST_PER_HOUR_FEN,
) -> VisitDay:
    """Plans the day's visits and stores the routes (replacing the day's routes not started yet).
    PlanningError: no completed run on or before the day, no usable pair, an appointment that
    cannot be kept."""
    repository = VisitRepository(connection)
    run_date = repository.last_completed_run(on_or_before=plan_date)
    if run_date is None:
        raise PlanningError(
            f"no completed daily run on or before {plan_date}: run `arrears run-day` first",
            f"{plan_date} 及之前没有已完成的日批：请先运行 arrears run-day",
        )
    started = repository.started_routes(plan_date=plan_date)
    setup = _pairs(repository, policy, busy={route["pair_id"] for route in started})
    busy_accounts = repository.accounts_on_routes([route["id"] for route in started])
    midnight = datetime.combine(plan_date, time(), ZoneInfo(zone))
    setup.wanted = _wanted(repository, run_date=run_date, midnight=midnight, skip=busy_accounts)
    held = _held(repository, setup.wanted, policy, now=now)
    unavailable = _availability(repository, setup.wanted, weekday=plan_date.weekday(),
                                legal=legal_hours(policy))  # fmt: skip
    setup.addresses = repository.addresses([w.customer_id for w in setup.wanted.values()])
    candidates, dropped = _candidates(setup)
    dropped = held + unavailable + dropped
    pairs = [usable.pair for usable in setup.pairs]
    durations = travel_times.durations(day_points(pairs=pairs, candidates=candidates))
    plan = plan_day(candidates=candidates, pairs=pairs, durations=durations, legal_hours=legal_hours(policy),
                    cost_per_hour_fen=cost_per_hour_fen, seconds=seconds, seed=seed,
                    iterations=iterations)  # fmt: skip
    repository.delete_replaceable_routes(plan_date=plan_date)
    routes = _store(repository, setup, plan, candidates, durations, midnight=midnight, now=now)
    dropped += [DroppedCandidate(d.candidate_id, d.reason.value, setup.wanted[d.candidate_id].requested)
                for d in plan.dropped]  # fmt: skip
    return VisitDay(plan_date=plan_date, run_date=run_date, routes=routes, dropped=tuple(dropped),
                    skipped_pairs=tuple(setup.skipped), kept_routes=len(started), value_fen=plan.value_fen,
                    travel_minutes=sum(r.travel_minutes for r in routes),
                    solver_seconds=plan.solver_seconds)  # fmt: skip


def _pairs(repository: VisitRepository, policy: Policy, *, busy: set[int]) -> _Setup:
    """The usable pairs; the others with the reason. PlanningError when none is usable."""
    min_staff = policy.visit.min_staff if policy.visit else 1
    usable: list[_UsablePair] = []
    skipped: list[SkippedPair] = []
    for row in repository.active_pairs():
        if row["id"] in busy:
            continue
        problem = _pair_problem(row, min_staff)
        if problem is not None:
            skipped.append(SkippedPair(row["code"], *problem))
            continue
        first, second = row["first"], row["second"]
        start = max(first["shift_start_minute"], second["shift_start_minute"])
        end = min(first["shift_end_minute"], second["shift_end_minute"])
        territory = frozenset(_districts(first["territory"]) | _districts(second["territory"]))
        if not (_districts(first["territory"]) and _districts(second["territory"])):
            territory = frozenset()  # a member who may go anywhere takes the pair anywhere
        capacity = min(first["daily_capacity"], second["daily_capacity"])
        pair = Pair(row["code"], first["base_lat"], first["base_lon"], start, end, capacity)
        usable.append(_UsablePair(row["id"], territory, pair))
    if not usable and not busy:
        why = "; ".join(f"{s.code}: {s.reason_en}" for s in skipped) or "there are no active pairs"
        why_zh = "；".join(f"{s.code}：{s.reason_zh}" for s in skipped) or "没有启用的外访组"
        raise PlanningError(f"no pair can visit ({why})", f"没有可以走访的外访组（{why_zh}）")
    return _Setup(pairs=usable, skipped=skipped)


def _pair_problem(row: dict[str, Any], min_staff: int) -> tuple[str, str] | None:
    first, second = row["first"], row["second"]
    if row["first_user_id"] == row["second_user_id"] or min_staff > 2:
        return (
            f"CN-VISIT: a visit needs at least {max(min_staff, 2)} staff; the pair has one member",
            f"CN-VISIT：走访至少需要 {max(min_staff, 2)} 人，该组只有一人",
        )
    for member in (first, second):
        if member is None or not member["is_active"]:
            return ("a member is not an active user", "有成员不是有效用户")
        if member["user_id"] is None:
            return (
                f"{member['username']} has no visitor profile (arrears visits profile set)",
                f"{member['username']} 没有外访员档案",
            )
    if max(first["shift_start_minute"], second["shift_start_minute"]) >= min(
        first["shift_end_minute"], second["shift_end_minute"]
    ):
        return ("the members' shifts do not overlap", "两名成员的班次没有重叠")
    return None


def _districts(text: str | None) -> set[str]:
    return {part.strip() for part in (text or "").replace("，", ",").split(",") if part.strip()}


def _wanted(
    repository: VisitRepository, *, run_date: date, midnight: datetime, skip: set[int]
) -> dict[str, _Wanted]:
    """One entry per account: the run's visit actions, open requests, then the day's appointments."""
    wanted: dict[str, _Wanted] = {}
    for row in repository.visit_actions(run_date=run_date):
        _merge(
            wanted,
            _Wanted(row["account_id"], row["customer_id"], row["account_no"], max(0, row["value_fen"])),
        )
    for row in repository.open_visit_requests():
        value = request_value(overdue_fen=row["overdue_fen"], p_default=row["p_default"])
        _merge(
            wanted, _Wanted(row["account_id"], row["customer_id"], row["account_no"], value, requested=True)
        )
    start, end = midnight.astimezone(UTC), (midnight + timedelta(days=1)).astimezone(UTC)
    for row in repository.open_appointments(start=start, end=end):
        value = request_value(overdue_fen=row["overdue_fen"], p_default=row["p_default"])
        first = _minute(row["starts_at"], midnight)
        last = max(first, _minute(row["ends_at"], midnight) - SERVICE_MINUTES)
        window = ((first, min(last, DAY)),)
        _merge(wanted, _Wanted(row["account_id"], row["customer_id"], row["account_no"], value, window,
                               row["id"]))  # fmt: skip
    return {no: one for no, one in sorted(wanted.items()) if one.account_id not in skip}


def _merge(wanted: dict[str, _Wanted], new: _Wanted) -> None:
    old = wanted.get(new.account_no)
    if old is None:
        wanted[new.account_no] = new
        return
    old.value_fen = max(old.value_fen, new.value_fen)
    old.requested = old.requested or new.requested
    if new.appointment_id is not None and old.appointment_id is None:
        old.windows, old.appointment_id = new.windows, new.appointment_id


def _held(
    repository: VisitRepository, wanted: dict[str, _Wanted], policy: Policy, *, now: datetime
) -> list[DroppedCandidate]:
    """Removes and returns the candidates under a hold that the policy's CN-HOLD blocks, active ``now``:
    no visit may be made to them, whoever asked for it."""
    blocking = set(policy.holds.blocking) if policy.holds else set()
    holds = repository.active_holds([one.customer_id for one in wanted.values()], at=now) if blocking else {}
    dropped: list[DroppedCandidate] = []
    for one in list(wanted.values()):
        kinds = sorted({kind for account_id, kind in holds.get(one.customer_id, [])
                        if kind in blocking and account_id in (None, one.account_id)})  # fmt: skip
        if kinds:
            del wanted[one.account_no]
            dropped.append(DroppedCandidate(one.account_no, "on_hold", one.requested, tuple(kinds)))
    return dropped


def _availability(
    repository: VisitRepository, wanted: dict[str, _Wanted], *, weekday: int, legal: tuple[int, int]
) -> list[DroppedCandidate]:
    """Gives the candidates (not appointments) with availability windows those windows, cut to the
    legal hours, as start windows; removes and returns those left with none."""
    others = [one for one in wanted.values() if one.appointment_id is None]
    windows = repository.availability([one.customer_id for one in others], weekday=weekday)
    dropped: list[DroppedCandidate] = []
    for one in others:
        if one.customer_id not in windows:
            continue
        cut = sorted(
            {
                (max(start, legal[0]), min(end, legal[1]) - SERVICE_MINUTES)
                for start, end in windows[one.customer_id]
            }
        )
        one.windows = tuple((early, late) for early, late in cut if early <= late)
        if not one.windows:
            del wanted[one.account_no]
            dropped.append(DroppedCandidate(one.account_no, "outside_every_window", one.requested))
    return dropped


def _minute(moment: datetime, midnight: datetime) -> int:
    return max(0, min(DAY, int((moment - midnight).total_seconds() // 60)))


def _candidates(setup: _Setup) -> tuple[list[Candidate], list[DroppedCandidate]]:
    """The solver's candidates; those without coordinates or outside every territory are dropped."""
    anywhere = any(not usable.territory for usable in setup.pairs)
    covered = set().union(*(usable.territory for usable in setup.pairs))
    candidates: list[Candidate] = []
    dropped: list[DroppedCandidate] = []
    for account_no, one in setup.wanted.items():
        address = setup.addresses.get(one.customer_id)
        if address is None:
            dropped.append(DroppedCandidate(account_no, "no_coordinates", one.requested))
        elif not anywhere and (address["district"] or "") not in covered:
            dropped.append(DroppedCandidate(account_no, "outside_territory", one.requested))
        else:
            candidates.append(Candidate(account_no, address["lat"], address["lon"], one.value_fen,
                                        SERVICE_MINUTES, one.windows,
                                        appointment=one.appointment_id is not None))  # fmt: skip
    return candidates, dropped


def _store(
    repository: VisitRepository,
    setup: _Setup,
    plan: DayPlan,
    candidates: Sequence[Candidate],
    durations: Sequence[Sequence[int]],
    *,
    midnight: datetime,
    now: datetime,
) -> tuple[PlannedRoute, ...]:
    """Writes one route per pair with visits, and its stops; returns what was written."""

    def at(seconds: int) -> datetime:
        return (midnight + timedelta(seconds=seconds)).astimezone(UTC)

    pairs = {usable.pair.id: (index, usable) for index, usable in enumerate(setup.pairs)}
    spot = {c.id: len(setup.pairs) + i for i, c in enumerate(candidates)}
    routes: list[PlannedRoute] = []
    for route in plan.routes:
        base, usable = pairs[route.pair_id]
        path = [base, *(spot[v.candidate_id] for v in route.visits), base]
        travel = round(sum(durations[a][b] for a, b in itertools.pairwise(path)) / 60)
        stops = tuple(
            _stop(setup, number, visit.candidate_id, at(visit.arrival), at(visit.start))
            for number, visit in enumerate(route.visits, start=1)
        )
        value = sum(stop.value_fen for stop in stops)
        repository.add_route(
            {"plan_date": midnight.date(), "pair_id": usable.id, "status": "planned",
             "planned_start_at": at(route.depart), "planned_end_at": at(route.back), "value_fen": value,
             "travel_minutes": travel, "created_at": now},
            [_stop_row(setup, stop) for stop in stops],
        )  # fmt: skip
        routes.append(PlannedRoute(route.pair_id, usable.pair.lat, usable.pair.lon, at(route.depart),
                                   at(route.back), value, travel, stops))  # fmt: skip
    return tuple(routes)


def _stop(setup: _Setup, sequence: int, account_no: str, arrival: datetime, start: datetime) -> PlannedStop:
    one = setup.wanted[account_no]
    address = setup.addresses[one.customer_id]
    return PlannedStop(sequence, one.account_id, account_no, address["district"], address["value_masked"],
                       address["lat"], address["lon"], arrival, start, one.value_fen,
                       one.appointment_id is not None, one.requested)  # fmt: skip


def _stop_row(setup: _Setup, stop: PlannedStop) -> dict[str, Any]:
    one = setup.wanted[stop.account_no]
    return {"sequence": stop.sequence, "account_id": one.account_id, "customer_id": one.customer_id,
            "contact_point_id": setup.addresses[one.customer_id]["id"], "lat": stop.lat, "lon": stop.lon,
            "appointment_id": one.appointment_id, "value_fen": stop.value_fen,
            "planned_arrival_at": stop.arrival_at, "service_minutes": SERVICE_MINUTES,
            "status": "planned"}  # fmt: skip
