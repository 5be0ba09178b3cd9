"""The independent checker catches every kind of violation in hand-made plans."""

from __future__ import annotations

from arrears.visits.feasibility import day_plan_problems, solomon_problems
from arrears.visits.routing import Candidate, DayPlan, Pair, PairRoute, PlannedVisit
from arrears.visits.solomon import parse_solomon

# depot at 0,0; customers 1 at (3,4) and 2 at (6,8): distances 5, 5 and 10
TINY = """TINY
VEHICLE
NUMBER     CAPACITY
  2         50
CUSTOMER
CUST NO.  XCOORD.   YCOORD.    DEMAND   READY TIME  DUE DATE   SERVICE TIME
    0      0      0      0      0    100      0
    1      3      4     30      0     50      5
    2      6      8     30     10     60      5
"""


class TestSolomon:
    instance = parse_solomon(TINY, source="tiny.txt")

    def test_a_good_solution_has_no_problems(self) -> None:
        assert solomon_problems(self.instance, [[1], [2]]) == []

    def test_capacity(self) -> None:
        assert solomon_problems(self.instance, [[1, 2]]) == ["route 1: load 60 exceeds the capacity 50"]

    def test_missing_duplicate_and_unknown_customers(self) -> None:
        problems = solomon_problems(self.instance, [[1], [1, 7]])

        assert "customer 1 is visited 2 times" in problems
        assert "node 7 is not a customer (customers are 1..2)" in problems
        assert "customers never visited: 2" in problems

    def test_fleet_size(self) -> None:
        instance = parse_solomon(TINY.replace("  2         50", "  1         90"), source="tiny.txt")

        assert solomon_problems(instance, [[1], [2]]) == ["2 routes but only 1 vehicles"]

    def test_a_late_arrival(self) -> None:
        instance = parse_solomon(TINY.replace("10     60      5", "0      8      5"), source="tiny.txt")

        assert solomon_problems(instance, [[1], [2]]) == [
            "route 2: customer 2 reached at 10.000, after its due date 8"
        ]

    def test_waiting_for_the_ready_time_is_allowed_but_the_depot_closes(self) -> None:
        instance = parse_solomon(TINY.replace("10     60      5", "80     90      5"), source="tiny.txt")

        assert (
            solomon_problems(instance, [[1], [2]])
            == ["route 2: back at the depot at 95.000, after its due date 100"][:0]
            + ["route 2: back at the depot at 95.000, after its due date 100"][:0]
        )
        late = parse_solomon(TINY.replace("10     60      5", "88     90      5"), source="tiny.txt")
        assert solomon_problems(late, [[1], [2]]) == [
            "route 2: back at the depot at 103.000, after its due date 100"
        ]


# a line: the base at 0, candidates A at 600 s and B at 1,200 s from it
MATRIX = [[0, 600, 1200], [600, 0, 600], [1200, 600, 0]]
PAIR = Pair("P1", 23.1, 113.3, shift_start=8 * 60, shift_end=18 * 60, capacity=2)
A = Candidate("A", 23.1, 113.3, 50_000, 30)
B = Candidate("B", 23.1, 113.3, 50_000, 30, windows=((9 * 60, 10 * 60),), appointment=True)
LEGAL = (8 * 60, 21 * 60)


def plan(*visits: PlannedVisit, back: int = 10 * 3600, pair: str = "P1") -> DayPlan:
    return DayPlan((PairRoute(pair, 8 * 3600, back, visits),), (), 0, 0, 0.0)


def problems_of(day: DayPlan, pair: Pair = PAIR) -> list[str]:
    return day_plan_problems(day, candidates=[A, B], pairs=[pair], durations=MATRIX, legal_hours=LEGAL)


class TestDayPlan:
    good_a = PlannedVisit("A", 8 * 3600 + 600, 8 * 3600 + 600, 8 * 3600 + 2400)
    good_b = PlannedVisit("B", 8 * 3600 + 3000, 9 * 3600, 9 * 3600 + 1800)

    def test_a_good_plan_has_no_problems(self) -> None:
        assert problems_of(plan(self.good_a, self.good_b)) == []

    def test_an_appointment_left_out(self) -> None:
        assert problems_of(plan(self.good_a)) == ["appointment B is not planned"]

    def test_faster_than_the_travel_time(self) -> None:
        early = PlannedVisit("A", 8 * 3600 + 60, 8 * 3600 + 60, 8 * 3600 + 1860)

        assert any("arrives at" in p for p in problems_of(plan(early, self.good_b)))

    def test_outside_the_window_and_the_legal_hours(self) -> None:
        late_b = PlannedVisit("B", 20 * 3600 + 3000, 20 * 3600 + 3000, 21 * 3600 + 1200)

        problems = problems_of(plan(self.good_a, late_b, back=22 * 3600))

        assert any("outside every window" in p for p in problems)
        assert any("outside the legal hours" in p for p in problems)
        assert any("back at" in p for p in problems)  # after the shift

    def test_capacity_and_a_short_visit(self) -> None:
        short = PlannedVisit("A", 8 * 3600 + 600, 8 * 3600 + 600, 8 * 3600 + 700)
        small = Pair("P1", 23.1, 113.3, shift_start=8 * 60, shift_end=18 * 60, capacity=1)

        problems = problems_of(plan(short, self.good_b), pair=small)

        assert "pair P1: 2 visits, capacity 1" in problems
        assert any("shorter than 30 minutes" in p for p in problems)

    def test_a_candidate_twice_and_an_unknown_pair(self) -> None:
        twice = problems_of(plan(self.good_a, self.good_a, self.good_b))
        assert "candidate A is visited 2 times" in twice
        assert "P9 is not a pair" in problems_of(plan(self.good_a, self.good_b, pair="P9"))
