"""The instalment calculator: exact sums, month ends, down payments, deferrals, and bad terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from arrears.arrangements.rules import (
    MAX_DEFERRAL_DAYS,
    Balances,
    PlanError,
    PlanTerms,
    Schedule,
    add_months,
    schedule,
    split_evenly,
)

AGREED = date(2026, 1, 10)
OWES = Balances(principal_fen=10_000_00, interest_fen=1_200_00, fee_fen=300_00)  # 11,500 yuan


def plan(**terms: Any) -> Schedule:
    values: dict[str, Any] = {"kind": "instalment", "first_due_date": date(2026, 2, 1), "months": 3}
    return schedule(balances=OWES, terms=PlanTerms(**(values | terms)), agreed_on=AGREED)


class TestAmounts:
    def test_instalments_sum_exactly_with_the_remainder_on_the_last(self) -> None:
        found = schedule(
            balances=Balances(1_000_00, 1, 0),
            terms=PlanTerms("instalment", date(2026, 2, 1), months=3),
            agreed_on=AGREED,
        )

        amounts = [one.amount_fen for one in found.instalments]

        assert amounts == [33_333, 33_333, 33_335]
        assert sum(amounts) == found.total_fen == 1_000_01
        assert found.remainder_fen == 2

    @pytest.mark.parametrize("months", range(2, 37))
    def test_every_term_sums_to_the_total(self, months: int) -> None:
        found = plan(months=months, waived_interest_fen=123_45, waived_fee_fen=67)

        assert sum(one.amount_fen for one in found.instalments) == found.total_fen
        assert len(found.instalments) == months

    def test_the_waiver_comes_off_interest_and_fees_only(self) -> None:
        found = plan(waived_interest_fen=1_200_00, waived_fee_fen=100_00)

        assert found.total_fen == 11_500_00 - 1_300_00
        assert found.waived_fen == 1_300_00
        assert found.waived_share == Decimal("0.8667")

    def test_no_interest_or_fees_means_a_zero_share(self) -> None:
        found = schedule(
            balances=Balances(500_00, 0, 0),
            terms=PlanTerms("instalment", date(2026, 2, 1), months=2),
            agreed_on=AGREED,
        )

        assert found.waived_share == Decimal("0") and found.waived_fen == 0

    def test_split_evenly_puts_the_odd_fen_last(self) -> None:
        assert split_evenly(10, 3) == [3, 3, 4]
        assert split_evenly(9, 3) == [3, 3, 3]


class TestDueDates:
    def test_month_ends_clamp_and_do_not_stick(self) -> None:
        found = plan(first_due_date=date(2026, 1, 31), months=4, down_payment_fen=0)

        dates = [one.due_date for one in found.instalments]

        assert dates == [date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]

    def test_a_leap_year_february_has_29_days(self) -> None:
        assert add_months(date(2028, 1, 31), 1) == date(2028, 2, 29)
        assert add_months(date(2027, 12, 31), 2) == date(2028, 2, 29)

    def test_months_roll_over_the_year(self) -> None:
        assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
        assert add_months(date(2026, 1, 15), 36) == date(2029, 1, 15)


class TestDownPaymentAndDeferral:
    def test_a_down_payment_is_instalment_one(self) -> None:
        found = plan(down_payment_fen=1_500_00, down_payment_date=date(2026, 1, 20), months=4)

        first, *rest = found.instalments

        assert (first.number, first.due_date, first.amount_fen, first.down_payment) == (
            1,
            date(2026, 1, 20),
            1_500_00,
            True,
        )
        assert [one.number for one in rest] == [2, 3, 4, 5]
        assert [one.amount_fen for one in rest] == [2_500_00] * 4
        assert sum(one.amount_fen for one in found.instalments) == found.total_fen

    def test_a_deferral_is_one_payment_of_the_total(self) -> None:
        found = schedule(
            balances=OWES,
            terms=PlanTerms("deferral", date(2026, 3, 11), waived_fee_fen=300_00),
            agreed_on=AGREED,
        )

        assert [(one.due_date, one.amount_fen) for one in found.instalments] == [
            (date(2026, 3, 11), 11_200_00)
        ]
        assert (found.months, found.deferral_days, found.remainder_fen) == (0, 60, 0)

    def test_a_deferral_with_a_down_payment(self) -> None:
        terms = PlanTerms(
            "deferral", date(2026, 2, 9), down_payment_fen=1_000_00, down_payment_date=date(2026, 1, 15)
        )

        found = schedule(balances=OWES, terms=terms, agreed_on=AGREED)

        assert [one.amount_fen for one in found.instalments] == [1_000_00, 10_500_00]


class TestBadTerms:
    @pytest.mark.parametrize(
        ("terms", "words"),
        [
            ({"months": 1}, "2 to 36"),
            ({"months": 37}, "2 to 36"),
            ({"months": None}, "2 to 36"),
            ({"kind": "settlement"}, 'not "settlement"'),
            ({"first_due_date": AGREED}, "after the agreement"),
            ({"first_due_date": date(2026, 3, 12)}, "within 60 days"),
            ({"waived_interest_fen": 1_200_01}, "exceeds the interest owed"),
            ({"waived_fee_fen": 300_01}, "exceeds the fees owed"),
            ({"waived_fee_fen": -1}, "cannot be negative"),
            ({"down_payment_fen": -5}, "cannot be negative"),
            ({"down_payment_fen": 100_00}, "needs the date"),
            ({"down_payment_date": date(2026, 1, 20)}, "needs a down payment amount"),
            ({"down_payment_fen": 100_00, "down_payment_date": date(2026, 2, 1)}, "before the first payment"),
            ({"down_payment_fen": 100_00, "down_payment_date": AGREED}, "after the agreement"),
            ({"down_payment_fen": 11_500_00, "down_payment_date": date(2026, 1, 20)}, "leaves too little"),
        ],
    )
    def test_refused_with_a_reason_in_both_languages(self, terms: dict[str, Any], words: str) -> None:
        with pytest.raises(PlanError) as refused:
            plan(**terms)

        assert words in refused.value.message_en
        assert refused.value.message_zh != refused.value.message_en

    def test_a_deferral_has_no_months_and_a_limit(self) -> None:
        with pytest.raises(PlanError, match="leave the months out"):
            schedule(balances=OWES, terms=PlanTerms("deferral", date(2026, 2, 1), months=3), agreed_on=AGREED)
        too_far = date.fromordinal(AGREED.toordinal() + MAX_DEFERRAL_DAYS + 1)
        with pytest.raises(PlanError, match=f"at most {MAX_DEFERRAL_DAYS} days"):
            schedule(balances=OWES, terms=PlanTerms("deferral", too_far), agreed_on=AGREED)

    @pytest.mark.parametrize(
        ("balances", "words"),
        [(Balances(0, 0, 0), "owes nothing"), (Balances(-100, 0, 0), "credit balance")],
    )
    def test_nothing_owed_makes_no_plan(self, balances: Balances, words: str) -> None:
        with pytest.raises(PlanError, match=words):
            schedule(
                balances=balances, terms=PlanTerms("instalment", date(2026, 2, 1), months=2), agreed_on=AGREED
            )

    def test_waiving_everything_owed_leaves_nothing_to_collect(self) -> None:
        with pytest.raises(PlanError, match="nothing is left to collect"):
            schedule(
                balances=Balances(0, 100_00, 50_00),
                terms=PlanTerms("instalment", date(2026, 2, 1), months=2, waived_interest_fen=100_00,
                                waived_fee_fen=50_00),
                agreed_on=AGREED,
            )  # fmt: skip
