"""The planner: a small Solomon instance solved feasibly; the prize logic of the day plan."""

from __future__ import annotations

import pytest

from arrears.visits.feasibility import day_plan_problems, solomon_problems
from arrears.visits.routing import (
    Candidate,
    DropReason,
    Pair,
    PlanningError,
    plan_day,
    solve_solomon,
)
from arrears.visits.solomon import read_solomon, shipped_instance_path, total_distance

LEGAL = (8 * 60, 21 * 60)


class TestSolomon:
    def test_the_first_25_customers_of_c101_are_solved_feasibly(self) -> None:
        instance = read_solomon(shipped_instance_path("C101")).first(25)

        solution = solve_solomon(instance, seconds=1.5, seed=1)

        assert solomon_problems(instance, solution.routes) == []
        assert sorted(n for route in solution.routes for n in route) == list(range(1, 26))
        assert solution.cost == pytest.approx(total_distance(instance, solution.routes), abs=1e-5)
        assert solution.cost < 200  # the optimum is 191.8 (double precision)

    def test_an_iteration_limit_gives_the_same_routes_for_a_seed(self) -> None:
        instance = read_solomon(shipped_instance_path("R101")).first(20)

        first = solve_solomon(instance, seconds=30, seed=3, iterations=300)
        second = solve_solomon(instance, seconds=30, seed=3, iterations=300)

        assert first.routes == second.routes


def line_matrix(positions: list[int]) -> list[list[int]]:
    """Points on a line, ``positions`` in seconds from the first (the base)."""
    return [[abs(a - b) for b in positions] for a in positions]


def day(
    candidates: list[Candidate], positions: list[int], capacity: int = 2, seconds: float = 0.5
) -> tuple[list[str], dict[str, DropReason]]:
    pairs = [Pair("P1", 23.1, 113.3, shift_start=8 * 60, shift_end=18 * 60, capacity=capacity)]
    durations = line_matrix([0, *positions])
    plan = plan_day(
        candidates=candidates, pairs=pairs, durations=durations, legal_hours=LEGAL, seconds=seconds, seed=1
    )
    assert (
        day_plan_problems(plan, candidates=candidates, pairs=pairs, durations=durations, legal_hours=LEGAL)
        == []
    )
    kept = [visit.candidate_id for route in plan.routes for visit in route.visits]
    return kept, {item.candidate_id: item.reason for item in plan.dropped}


def near(name: str, value_fen: int, **kwargs: object) -> Candidate:
    return Candidate(name, 23.1, 113.3, value_fen, 30, **kwargs)  # type: ignore[arg-type]


class TestPrizes:
    def test_when_capacity_is_short_the_highest_values_are_kept(self) -> None:
        candidates = [near("low", 20_000), near("top", 900_000), near("mid", 40_000), near("high", 500_000)]

        kept, dropped = day(candidates, [300, 600, 900, 1200])

        assert sorted(kept) == ["high", "top"]
        assert dropped == {"low": DropReason.NO_TIME_OR_CAPACITY, "mid": DropReason.NO_TIME_OR_CAPACITY}

    def test_an_appointment_is_kept_even_with_a_low_value(self) -> None:
        appointment = near("appt", 1, windows=((14 * 60, 15 * 60),), appointment=True)
        candidates = [near("top", 900_000), appointment, near("high", 500_000)]

        kept, dropped = day(candidates, [300, 600, 900])

        assert sorted(kept) == ["appt", "top"]
        assert dropped == {"high": DropReason.NO_TIME_OR_CAPACITY}

    def test_an_appointment_with_two_windows_is_kept_in_one(self) -> None:
        appointment = near("appt", 1, windows=((6 * 60, 7 * 60), (16 * 60, 17 * 60)), appointment=True)

        kept, _ = day([appointment, near("a", 10_000)], [300, 600], capacity=1)

        assert kept == ["appt"]

    def test_each_reason_for_leaving_a_candidate_out(self) -> None:
        candidates = [
            near("good", 500_000),
            near("night", 500_000, windows=((21 * 60, 23 * 60),)),
            near("far", 500_000),
            near("cheap", 100),  # 1 yuan: not worth 40 minutes on the road (100 yuan an hour)
        ]

        kept, dropped = day(candidates, [300, 300, 6 * 3600, 1200], capacity=4)

        assert kept == ["good"]
        assert dropped == {
            "night": DropReason.OUTSIDE_EVERY_WINDOW,
            "far": DropReason.UNREACHABLE,
            "cheap": DropReason.NOT_WORTH_THE_TRAVEL,
        }

    def test_an_appointment_outside_the_legal_hours_is_reported(self) -> None:
        late = near("A17", 1, windows=((21 * 60, 22 * 60),), appointment=True)

        with pytest.raises(PlanningError) as raised:
            day([late], [300])

        assert raised.value.message_en == (
            "appointment A17 cannot be kept: its window 21:00-22:00 leaves no room for a 30-minute visit"
            " in the legal hours 08:00-21:00"
        )

    def test_an_unreachable_appointment_is_reported(self) -> None:
        far = near("A18", 1, windows=((9 * 60, 10 * 60),), appointment=True)

        with pytest.raises(PlanningError, match="appointment A18 cannot be kept: no pair can reach it"):
            day([far], [5 * 3600])

    @pytest.mark.filterwarnings("ignore::pyvrp.exceptions.PenaltyBoundWarning")
    def test_more_appointments_than_capacity_are_reported(self) -> None:
        appointments = [near(f"A{i}", 1, windows=((10 * 60, 11 * 60),), appointment=True) for i in range(3)]

        with pytest.raises(PlanningError, match=r"appointments cannot all be kept.*A0, A1, A2"):
            day(appointments, [300, 300, 300])

    def test_a_bad_matrix_is_refused(self) -> None:
        pairs = [Pair("P1", 23.1, 113.3, shift_start=480, shift_end=1080, capacity=2)]

        with pytest.raises(PlanningError, match="must be 2 x 2"):
            plan_day(candidates=[near("a", 1)], pairs=pairs, durations=[[0]], seconds=0.1)
