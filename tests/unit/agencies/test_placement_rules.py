"""Sharing a batch's accounts among the eligible agencies, pure: an LP over classes of accounts (region,
bucket, balance band) solved by HiGHS, then the accounts of each class handed out in a fixed order.
Capacities, territories and one agency per account always hold; a new agency gets its fair share."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from arrears.agencies.placement_rules import (
    DEFAULT_PRIOR,
    NO_AGENCY,
    NO_CAPACITY,
    NO_TERRITORY,
    Account,
    Taker,
    allocate,
    balance_band,
    fair_shares,
    prior,
    recovery_rate,
)


def accounts(
    n: int, *, region: str | None = "东区街道", overdue: int = 5_000_00, first: int = 1
) -> list[Account]:
    return [Account(first + i, overdue + i, "M4", region) for i in range(n)]


class TestBands:
    @pytest.mark.parametrize(
        ("fen", "band"),
        [(0, "b1"), (99_999, "b1"), (100_000, "b2"), (499_999, "b2"), (500_000, "b3"), (2_000_000, "b4"),
         (10_000_000, "b5"), (10**12, "b5")],
    )  # fmt: skip
    def test_balance_bands_in_yuan_1k_5k_20k_100k(self, fen: int, band: str) -> None:
        assert balance_band(fen) == band


class TestPriorAndRates:
    def test_a_new_agency_is_credited_with_the_median_of_the_others(self) -> None:
        assert prior([0.10, 0.30, 0.20]) == pytest.approx(0.20)
        assert prior([0.10, 0.30]) == pytest.approx(0.20)

    def test_with_no_history_at_all_every_agency_is_equal(self) -> None:
        assert prior([]) == DEFAULT_PRIOR

    def test_recovery_rate_is_recovered_over_placed_and_none_without_history(self) -> None:
        assert recovery_rate(recovered_fen=25_00, placed_fen=100_00) == pytest.approx(0.25)
        assert recovery_rate(recovered_fen=0, placed_fen=0) is None


class TestFairShares:
    def test_a_new_agency_is_owed_the_batch_times_its_share_of_the_spare_capacity(self) -> None:
        takers = [Taker("old", 300, (), 0.3), Taker("new", 100, (), None)]

        assert fair_shares(takers, batch=200) == {"new": 50}

    def test_a_batch_larger_than_every_capacity_fills_the_new_agency(self) -> None:
        assert fair_shares([Taker("old", 10, (), 0.3), Taker("new", 5, (), None)], batch=100) == {"new": 5}

    def test_agencies_with_a_history_are_owed_nothing(self) -> None:
        assert fair_shares([Taker("old", 10, (), 0.3)], batch=100) == {}


class TestAllocate:
    def test_the_better_agency_takes_the_larger_debts_within_its_capacity(self) -> None:
        book = [Account(1, 1_000_00, "M4", None), Account(2, 90_000_00, "M4", None),
                Account(3, 30_000_00, "M4", None)]  # fmt: skip
        takers = [Taker("good", 2, (), 0.4), Taker("fair", 5, (), 0.1)]

        result = allocate(book, takers)

        assert result.assigned == {2: "good", 3: "good", 1: "fair"}
        assert result.left == {}

    def test_an_account_goes_only_to_an_agency_working_its_region(self) -> None:
        book = [Account(1, 5_000_00, "M4", "东区街道"), Account(2, 5_000_00, "M4", "石岐街道"),
                Account(3, 5_000_00, "M4", None)]  # fmt: skip
        takers = [Taker("east", 10, ("东区街道",), 0.5)]

        result = allocate(book, takers)

        assert result.assigned == {1: "east"}
        assert result.left == {2: NO_TERRITORY, 3: NO_TERRITORY}

    def test_anywhere_takes_every_region_and_the_unknown_one(self) -> None:
        book = [Account(1, 5_000_00, "M4", "东区街道"), Account(2, 5_000_00, "M4", None)]

        assert allocate(book, [Taker("all", 10, (), 0.1)]).assigned == {1: "all", 2: "all"}

    def test_capacity_is_never_exceeded_and_the_rest_is_left_for_want_of_it(self) -> None:
        result = allocate(accounts(10), [Taker("a", 3, (), 0.2), Taker("b", 4, (), 0.1)])

        assert sorted(result.counts().items()) == [("a", 3), ("b", 4)]
        assert len(result.left) == 3 and set(result.left.values()) == {NO_CAPACITY}
        # the left ones are the smallest debts: the largest were worth placing
        assert set(result.left) == {1, 2, 3}

    def test_no_eligible_agency_leaves_every_account_with_its_reason(self) -> None:
        result = allocate(accounts(3), [])

        assert result.assigned == {} and result.left == {1: NO_AGENCY, 2: NO_AGENCY, 3: NO_AGENCY}

    def test_an_agency_without_spare_capacity_takes_nothing(self) -> None:
        result = allocate(accounts(2), [Taker("full", 0, (), 0.9)])

        assert result.left == {1: NO_CAPACITY, 2: NO_CAPACITY}

    def test_a_new_agency_gets_its_share_even_against_a_better_one(self) -> None:
        takers = [Taker("proven", 1_000, (), 0.5), Taker("new", 1_000, (), None)]

        result = allocate(accounts(100), takers)

        assert result.counts() == {"proven": 50, "new": 50}
        assert result.owed == {"new": 50}

    def test_a_new_agency_is_credited_with_the_median_and_so_beats_the_worse_ones(self) -> None:
        takers = [Taker("p1", 2, (), 0.5), Taker("p2", 10, (), 0.1), Taker("p3", 2, (), 0.4),
                  Taker("p4", 10, (), 0.2), Taker("new", 4, (), None)]  # fmt: skip

        result = allocate(accounts(10), takers)

        assert result.rates["new"] == pytest.approx(0.3)  # the median of 0.1, 0.2, 0.4 and 0.5
        assert result.owed == {"new": 1}  # floor(10 accounts x 4 / 28 spare)
        assert result.counts() == {"p1": 2, "p3": 2, "new": 4, "p4": 2}

    def test_the_share_owed_a_new_agency_is_given_where_its_territory_allows(self) -> None:
        book = accounts(6, region="东区街道") + accounts(6, region="石岐街道", first=100)
        takers = [Taker("proven", 100, (), 0.5), Taker("new", 100, ("石岐街道",), None)]

        result = allocate(book, takers)

        assert result.counts()["new"] == 6
        assert all(result.assigned[a] == "proven" for a in range(1, 7))

    def test_the_same_batch_in_another_order_is_shared_the_same_way(self) -> None:
        book = [Account(i, (i * 7919) % 90_000_00, f"M{3 + i % 4}", ["东区街道", "石岐街道", None][i % 3])
                for i in range(1, 400)]  # fmt: skip
        takers = [Taker("a", 120, ("东区街道",), 0.2), Taker("b", 90, (), 0.25), Taker("c", 60, (), None)]
        shuffled = book[:]
        random.Random(5).shuffle(shuffled)

        assert allocate(book, takers) == allocate(shuffled, list(reversed(takers)))

    def test_an_account_twice_in_the_batch_is_refused(self) -> None:
        with pytest.raises(ValueError, match="account 1"):
            allocate([Account(1, 1, "M4", None), Account(1, 2, "M4", None)], [Taker("a", 5, (), 0.1)])

    def test_negative_capacity_is_refused(self) -> None:
        with pytest.raises(ValueError, match="capacity"):
            allocate(accounts(1), [Taker("a", -1, (), 0.1)])


PLACES = ["东区街道", "石岐街道", "小榄镇"]
REGIONS: list[str | None] = [*PLACES, None]
account_lists = st.lists(
    st.tuples(
        st.integers(0, 200_000_00), st.sampled_from(["M3", "M4", "M5", "M7+"]), st.sampled_from(REGIONS)
    ),
    max_size=120,
).map(lambda rows: [Account(i + 1, fen, bucket, region) for i, (fen, bucket, region) in enumerate(rows)])
taker_lists = st.lists(
    st.tuples(
        st.integers(0, 60),
        st.lists(st.sampled_from(PLACES), max_size=2, unique=True),
        st.one_of(st.none(), st.floats(0.0, 1.0)),
    ),
    max_size=5,
).map(lambda rows: [Taker(f"ag{i}", cap, tuple(terr), rate) for i, (cap, terr, rate) in enumerate(rows)])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(book=account_lists, takers=taker_lists)
def test_every_allocation_holds_capacity_territory_and_one_agency_per_account(
    book: list[Account], takers: list[Taker]
) -> None:
    result = allocate(book, takers)
    by_code = {taker.code: taker for taker in takers}
    region = {account.account_id: account.region for account in book}

    assert set(result.assigned) | set(result.left) == set(region)
    assert not set(result.assigned) & set(result.left)
    for code, count in result.counts().items():
        assert count <= by_code[code].spare
    for account_id, code in result.assigned.items():
        territories = by_code[code].territories
        assert not territories or region[account_id] in territories
    # nothing is left that an agency working its region could still have taken
    counts = result.counts()
    for account_id in result.left:
        assert not any(
            counts.get(t.code, 0) < t.spare and (not t.territories or region[account_id] in t.territories)
            for t in takers
        )
    assert allocate(list(reversed(book)), takers) == result


@settings(max_examples=100, deadline=None)
@given(
    book=account_lists,
    proven=st.lists(st.tuples(st.integers(0, 80), st.floats(0.0, 1.0)), min_size=1, max_size=4),
    spare=st.integers(1, 80),
)
def test_a_new_agency_working_anywhere_gets_at_least_its_share(
    book: list[Account], proven: list[tuple[int, float]], spare: int
) -> None:
    takers = [Taker(f"p{i}", cap, (), rate) for i, (cap, rate) in enumerate(proven)] + [
        Taker("new", spare, (), None)
    ]
    total = sum(t.spare for t in takers)

    result = allocate(book, takers)

    owed = min(spare, len(book) * spare // total)
    assert result.owed.get("new", 0) == owed
    assert result.counts().get("new", 0) >= owed
