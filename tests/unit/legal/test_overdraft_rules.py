"""The malicious-overdraft referral selection, pure: two effective collections at least 30 days apart
after the last payment, more than 3 months unpaid since the second, something overdue; the decision
form; the pack's computation."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.kit.inputs import InvalidField
from arrears.legal.overdraft_rules import (
    Collection,
    Owed,
    Paid,
    decision,
    pack_csv_rows,
    select,
)

OWED = Owed(overdue_fen=52_000_00, principal_fen=48_000_00, balance_fen=60_123_45)
LETTER = Collection(date(2026, 1, 10), "letter", "EMS1001")
CALL = Collection(date(2026, 2, 9), "call", "77")  # exactly 30 days later


class TestSelect:
    def test_two_collections_30_days_apart_and_more_than_3_months_unpaid(self) -> None:
        chosen = select([CALL, LETTER], [], owed=OWED, as_of=date(2026, 5, 10))

        assert chosen.eligible
        assert (chosen.first, chosen.second) == (LETTER, CALL)
        assert chosen.eligible_from == date(2026, 5, 10)
        assert chosen.days_between == 30 and chosen.days_unpaid == 90
        assert chosen.verdict.rule == "LEGAL-MALICIOUS-OVERDRAFT" and chosen.verdict.reasons_en == ()

    def test_on_the_third_month_itself_it_is_not_yet_eligible(self) -> None:
        chosen = select([LETTER, CALL], [], owed=OWED, as_of=date(2026, 5, 9))

        assert not chosen.eligible
        assert "2026-05-10" in chosen.verdict.reasons_en[0]

    def test_29_days_apart_do_not_make_a_pair(self) -> None:
        early = Collection(date(2026, 2, 8), "call", "76")

        chosen = select([LETTER, early], [], owed=OWED, as_of=date(2026, 12, 1))

        assert not chosen.eligible and chosen.second is None
        assert "30 days apart" in chosen.verdict.reasons_en[0]

    def test_a_payment_restarts_the_clock_the_pair_must_follow_it(self) -> None:
        later = [Collection(date(2026, 4, 1), "call", "80"), Collection(date(2026, 5, 1), "letter", "EMS2")]
        paid = [Paid(date(2026, 3, 1), 100_00)]

        chosen = select([LETTER, CALL, *later], paid, owed=OWED, as_of=date(2026, 8, 2))

        assert chosen.eligible and (chosen.first, chosen.second) == tuple(later)
        assert chosen.last_payment == paid[0]
        assert not select([LETTER, CALL, *later], paid, owed=OWED, as_of=date(2026, 8, 1)).eligible

    def test_a_payment_after_the_pair_with_no_pair_after_it_refuses(self) -> None:
        chosen = select([LETTER, CALL], [Paid(date(2026, 3, 1), 1)], owed=OWED, as_of=date(2026, 12, 1))

        assert not chosen.eligible and chosen.second is None

    def test_a_collection_on_the_payment_day_does_not_count(self) -> None:
        on_the_day = Collection(date(2026, 3, 1), "call", "78")
        then = Collection(date(2026, 3, 31), "letter", "EMS3")

        chosen = select([on_the_day, then], [Paid(date(2026, 3, 1), 5_00)], owed=OWED, as_of=date(2026, 9, 1))

        assert not chosen.eligible

    def test_what_comes_after_the_check_day_is_not_seen(self) -> None:
        chosen = select([LETTER, CALL], [Paid(date(2026, 6, 1), 5_00)], owed=OWED, as_of=date(2026, 5, 10))

        assert chosen.eligible and chosen.last_payment is None

    def test_nothing_overdue_is_not_a_candidate(self) -> None:
        owed = Owed(overdue_fen=0, principal_fen=0, balance_fen=0)

        chosen = select([LETTER, CALL], [], owed=owed, as_of=date(2026, 12, 1))

        assert not chosen.eligible and "nothing is overdue" in chosen.reasons_en[-1]

    def test_same_day_letter_and_call_the_letter_is_shown_first(self) -> None:
        call = Collection(LETTER.on, "call", "70")

        chosen = select([call, LETTER, CALL], [], owed=OWED, as_of=date(2026, 12, 1))

        assert chosen.first == LETTER and chosen.collections == (LETTER, call, CALL)


class TestDecision:
    @pytest.mark.parametrize("outcome", ["refer", "not_refer"])
    def test_a_reason_is_required_both_ways(self, outcome: str) -> None:
        with pytest.raises(InvalidField) as refused:
            decision(outcome, "  ")
        assert refused.value.field == "reason"

    def test_an_unknown_outcome_is_refused(self) -> None:
        with pytest.raises(InvalidField) as refused:
            decision("maybe", "why")
        assert refused.value.field == "outcome"

    def test_a_decision_keeps_its_status_and_trimmed_reason(self) -> None:
        made = decision("refer", " two demands ignored ")
        assert (made.status, made.reason, made.action) == ("referred", "two demands ignored",
                                                           "legal.overdraft_referred")  # fmt: skip


def test_the_pack_rows_say_the_evidence_and_its_computation() -> None:
    chosen = select([LETTER, CALL], [Paid(date(2025, 12, 1), 10_00)], owed=OWED, as_of=date(2026, 5, 10))

    rows = pack_csv_rows(chosen, account_no="6222-0001")

    assert rows[0] == ["account_no", "item", "date", "detail", "amount_yuan"]
    assert ["6222-0001", "collection_1", "2026-01-10", "letter EMS1001", ""] in rows
    assert ["6222-0001", "collection_2", "2026-02-09", "call 77", ""] in rows
    assert ["6222-0001", "days_between", "", "30", ""] in rows
    assert ["6222-0001", "eligible_from", "2026-05-10", "second collection + 3 months + 1 day", ""] in rows
    assert ["6222-0001", "last_payment", "2025-12-01", "", "10.00"] in rows
    assert ["6222-0001", "overdue", "", "", "52000.00"] in rows
    assert ["6222-0001", "principal", "", "", "48000.00"] in rows
