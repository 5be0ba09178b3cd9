"""Settling plans by running totals and promises by payments credited once (issue 13, items 3 and 4)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from arrears.arrangements.settlement import (
    Due,
    Paid,
    PlanSettlement,
    Promised,
    allocate_promises,
    promise_status,
    settle_plan,
)

AGREED = date(2026, 9, 21)
DUES = (date(2026, 9, 24), date(2026, 9, 27), date(2026, 9, 30))
THREE = [Due(number, due, 200_00) for number, due in enumerate(DUES, start=1)]
AFTER = date(2026, 10, 1)
RANK = {"broken": 0, "partly_kept": 1, "kept": 2}


def settle(payments: list[Paid], as_of: date = AFTER, instalments: list[Due] = THREE) -> PlanSettlement:
    return settle_plan(instalments=instalments, payments=payments, agreed_on=AGREED, as_of=as_of)


def outcome(found: PlanSettlement) -> tuple[str, list[tuple[str, int]]]:
    return found.status, [(one.status, one.paid_fen) for one in found.instalments]


class TestThePlansOfTheIssue:
    def test_paid_in_full_on_the_agreement_day_is_completed(self) -> None:
        found = settle([Paid(AGREED, 600_00)])

        assert outcome(found) == ("completed", [("kept", 200_00)] * 3)

    def test_paid_in_full_ahead_completes_the_plan_before_anything_falls_due(self) -> None:
        found = settle([Paid(AGREED, 600_00)], as_of=AGREED)

        assert outcome(found) == ("completed", [("kept", 200_00)] * 3)

    def test_paying_ahead_carries_to_the_next_instalment(self) -> None:
        found = settle([Paid(date(2026, 9, 22), 400_00), Paid(date(2026, 9, 29), 200_00)])

        assert outcome(found) == ("completed", [("kept", 200_00)] * 3)

    def test_a_fen_against_each_instalment_breaks_the_plan(self) -> None:
        pennies = [Paid(date(2026, 9, 22), 1), Paid(date(2026, 9, 25), 1), Paid(date(2026, 9, 28), 1)]

        found = settle(pennies)

        assert outcome(found) == ("broken", [("partly_kept", 3), ("broken", 0), ("broken", 0)])


class TestRunningTotals:
    def test_a_shortfall_made_up_by_the_next_due_date_keeps_the_plan(self) -> None:
        found = settle(
            [Paid(date(2026, 9, 23), 150_00), Paid(date(2026, 9, 26), 250_00)], as_of=DUES[1] + timedelta(1)
        )

        assert outcome(found) == ("active", [("partly_kept", 200_00), ("kept", 200_00), ("due", 0)])

    def test_a_shortfall_left_at_the_last_due_date_breaks_the_plan(self) -> None:
        found = settle([Paid(AGREED, 599_99)])

        assert outcome(found) == ("broken", [("kept", 200_00), ("kept", 200_00), ("partly_kept", 199_99)])

    def test_nothing_is_judged_before_its_due_date(self) -> None:
        found = settle([Paid(AGREED, 100_00)], as_of=DUES[0])

        assert outcome(found) == ("active", [("due", 100_00), ("due", 0), ("due", 0)])

    def test_payments_before_the_agreement_or_after_the_run_date_do_not_count(self) -> None:
        found = settle([Paid(AGREED - timedelta(1), 600_00), Paid(AFTER + timedelta(1), 600_00)])

        assert outcome(found) == ("broken", [("broken", 0)] * 3)


def plans() -> st.SearchStrategy[list[Due]]:
    gaps = st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=8)
    amounts = st.integers(min_value=1, max_value=1_000_00)

    def build(days: list[int], values: list[int]) -> list[Due]:
        due, built = AGREED, []
        for number, (gap, amount) in enumerate(zip(days, values, strict=False), start=1):
            due += timedelta(days=gap + 1)
            built.append(Due(number, due, amount))
        return built

    return st.builds(build, gaps, st.lists(amounts, min_size=8, max_size=8))


def payments(start: date = AGREED - timedelta(10), days: int = 360) -> st.SearchStrategy[list[Paid]]:
    day = st.integers(min_value=0, max_value=days).map(lambda n: start + timedelta(days=n))
    return st.lists(st.builds(Paid, day, st.integers(min_value=1, max_value=800_00)), max_size=12)


AS_OF = st.integers(min_value=0, max_value=360).map(lambda n: AGREED + timedelta(days=n))


class TestPlanProperties:
    @settings(max_examples=300)
    @given(plans(), payments(), AS_OF)
    def test_money_is_conserved_to_the_fen(self, dues: list[Due], paid: list[Paid], as_of: date) -> None:
        found = settle(paid, as_of, dues)

        counted = sum(one.amount_fen for one in paid if AGREED <= one.paid_date <= as_of)
        assert found.credited_fen == min(counted, sum(one.amount_fen for one in dues))
        credits = [one.paid_fen for one in found.instalments]
        assert all(0 <= credit <= due.amount_fen for credit, due in zip(credits, dues, strict=True))
        short = [k for k, due in enumerate(dues) if credits[k] < due.amount_fen]
        assert not short or not any(credits[short[0] + 1 :]), "credited oldest first"

    @settings(max_examples=300)
    @given(plans(), payments(), AS_OF, st.builds(Paid, AS_OF, st.integers(min_value=1, max_value=800_00)))
    def test_one_more_payment_never_makes_anything_worse(
        self, dues: list[Due], paid: list[Paid], as_of: date, extra: Paid
    ) -> None:
        before, after = settle(paid, as_of, dues), settle([*paid, extra], as_of, dues)

        for old, new in zip(before.instalments, after.instalments, strict=True):
            assert new.paid_fen >= old.paid_fen
            if old.status in RANK:
                assert RANK[new.status] >= RANK[old.status]
        plan_rank = {"broken": 0, "active": 1, "completed": 2}
        assert plan_rank[after.status] >= plan_rank[before.status]

    @settings(max_examples=200)
    @given(plans(), AS_OF)
    def test_the_total_paid_on_the_agreement_day_completes_any_plan(
        self, dues: list[Due], as_of: date
    ) -> None:
        found = settle([Paid(AGREED, sum(one.amount_fen for one in dues))], as_of, dues)

        assert found.status == "completed" and {one.status for one in found.instalments} == {"kept"}

    @settings(max_examples=200)
    @given(plans(), payments(), AS_OF)
    def test_completed_exactly_when_everything_is_paid_and_nothing_broken(
        self, dues: list[Due], paid: list[Paid], as_of: date
    ) -> None:
        found = settle(paid, as_of, dues)

        statuses = {one.status for one in found.instalments}
        everything = found.credited_fen == sum(one.amount_fen for one in dues)
        assert (found.status == "completed") == (everything and "broken" not in statuses)
        if "broken" in statuses:
            assert found.status == "broken"
        fallen = [one for one, due in zip(found.instalments, dues, strict=True) if due.due_date < as_of]
        assert all(one.status != "due" for one in fallen)


# --- promises ---------------------------------------------------------------------------------------

MADE = datetime(2026, 9, 1, tzinfo=UTC)


def promised(id_: int, taken_on: date, promised_date: date, amount: int, minute: int = 0) -> Promised:
    return Promised(id_, taken_on, promised_date, amount, MADE + timedelta(minutes=minute or id_))


class TestPromises:
    def test_one_payment_keeps_one_of_two_equal_promises(self) -> None:
        both = [
            promised(1, date(2026, 9, 1), date(2026, 9, 10), 33_00),
            promised(2, date(2026, 9, 2), date(2026, 9, 10), 33_00),
        ]

        credited = allocate_promises(both, [Paid(date(2026, 9, 5), 33_00)])

        assert credited == {1: 33_00, 2: 0}
        assert [promise_status(amount_fen=33_00, paid_fen=credited[n]) for n in (1, 2)] == ["kept", "broken"]

    def test_money_paid_before_the_promise_was_taken_does_not_keep_it(self) -> None:
        credited = allocate_promises(
            [promised(1, date(2026, 9, 20), date(2026, 9, 25), 33_00)], [Paid(date(2026, 9, 19), 33_00)]
        )

        assert credited == {1: 0}

    def test_a_payment_on_the_day_the_promise_was_taken_counts(self) -> None:
        credited = allocate_promises(
            [promised(1, date(2026, 9, 20), date(2026, 9, 25), 33_00)], [Paid(date(2026, 9, 20), 33_00)]
        )

        assert credited == {1: 33_00}

    def test_the_promise_due_soonest_is_served_first(self) -> None:
        """A (made first, by the 20th) and B (made later, by the 10th), 33 yuan each, and 33 paid on the
        8th and on the 15th: both are kept (taking the 8th's payment for A would break B)."""
        a = promised(1, date(2026, 9, 1), date(2026, 9, 20), 33_00)
        b = promised(2, date(2026, 9, 5), date(2026, 9, 10), 33_00)

        credited = allocate_promises([a, b], [Paid(date(2026, 9, 8), 33_00), Paid(date(2026, 9, 15), 33_00)])

        assert credited == {1: 33_00, 2: 33_00}

    def test_promises_due_the_same_day_share_in_the_order_they_were_made(self) -> None:
        later = promised(1, date(2026, 9, 2), date(2026, 9, 10), 50_00, minute=9)
        first = promised(2, date(2026, 9, 1), date(2026, 9, 10), 50_00, minute=1)

        assert allocate_promises([later, first], [Paid(date(2026, 9, 5), 70_00)]) == {1: 20_00, 2: 50_00}


def promise_sets() -> st.SearchStrategy[list[Promised]]:
    def build(rows: list[tuple[int, int, int, int]]) -> list[Promised]:
        start = date(2026, 9, 1)
        return [
            promised(n, start + timedelta(taken), start + timedelta(taken + span), amount, minute)
            for n, (taken, span, amount, minute) in enumerate(rows, start=1)
        ]

    row = st.tuples(st.integers(0, 20), st.integers(0, 15), st.integers(1, 100_00), st.integers(1, 5))
    return st.lists(row, max_size=6).map(build)


def _best_total(
    promises: list[Promised], paid: list[Paid], fixed: dict[int, int] | None = None
) -> float | None:
    """The most fen any allocation credits (a linear programme over payment -> promise flows); with
    ``fixed``, whether the per-promise credits are reachable at all (None when not)."""
    pairs = [
        (p, q)
        for p, payment in enumerate(paid)
        for q, promise in enumerate(promises)
        if promise.taken_on <= payment.paid_date <= promise.promised_date
    ]
    if not pairs:
        return 0.0 if not fixed or not any(fixed.values()) else None
    by_payment = np.zeros((len(paid), len(pairs)))
    by_promise = np.zeros((len(promises), len(pairs)))
    for column, (p, q) in enumerate(pairs):
        by_payment[p, column] = by_promise[q, column] = 1
    caps = [one.amount_fen for one in paid]
    if fixed is None:
        a_ub = np.vstack([by_payment, by_promise])
        b_ub = caps + [one.amount_fen for one in promises]
        found = linprog(-np.ones(len(pairs)), A_ub=a_ub, b_ub=b_ub, method="highs")
        return float(-found.fun)
    wanted = [fixed[one.id] for one in promises]
    found = linprog(
        np.zeros(len(pairs)), A_ub=by_payment, b_ub=caps, A_eq=by_promise, b_eq=wanted, method="highs"
    )
    return 0.0 if found.status == 0 else None


class TestPromiseProperties:
    @settings(max_examples=200, deadline=None)
    @given(promise_sets(), payments(date(2026, 9, 1), days=40))
    def test_each_fen_is_credited_once_and_as_many_as_possible(
        self, promises: list[Promised], paid: list[Paid]
    ) -> None:
        credited = allocate_promises(promises, paid)

        assert all(0 <= credited[one.id] <= one.amount_fen for one in promises)
        assert _best_total(promises, paid, credited) is not None, (
            "some fen were credited twice or out of window"
        )
        assert sum(credited.values()) == round(_best_total(promises, paid) or 0)
