"""Recall, pure: the last day an agency held a recalled account, the reason of each trigger, the daily
sweep's choice when several apply, and when an account may be placed again (never overlapping)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from arrears.agencies import recall_rules as rules
from arrears.agencies import register_rules as register
from arrears.agencies.recall_rules import AgencyState, Running

PLACED, ENDS = date(2026, 10, 1), date(2026, 12, 29)
DAY = date(2026, 11, 15)


def running(**change: object) -> Running:
    values: dict[str, object] = {"placement_id": 1, "account_id": 7, "agency_code": "A1", "placed_on": PLACED,
                                 "ends_on": ENDS, "overdue_fen": 50_000, "hold_kind": None}  # fmt: skip
    return Running(**(values | change))  # type: ignore[arg-type]


class TestLastDayHeld:
    def test_the_day_of_the_recall_within_the_period(self) -> None:
        assert rules.last_day_held(placed_on=PLACED, ends_on=ENDS, day=DAY) == DAY

    def test_the_periods_last_day_when_it_ended_before(self) -> None:
        assert rules.last_day_held(placed_on=PLACED, ends_on=ENDS, day=ENDS + timedelta(days=9)) == ENDS

    def test_the_day_before_it_started_when_it_had_not(self) -> None:
        found = rules.last_day_held(placed_on=PLACED, ends_on=ENDS, day=PLACED - timedelta(days=3))

        assert found == PLACED - timedelta(days=1)


class TestReasons:
    def test_a_complaint_hold_recalls_as_a_complaint_any_other_as_a_hold(self) -> None:
        assert rules.hold_reason("complaint") == "complaint"
        assert {rules.hold_reason(kind) for kind in ("dispute", "litigation", "hardship")} == {"hold"}

    @pytest.mark.parametrize(
        ("codes", "reason"),
        [
            ((register.SUSPENDED, register.CONTRACT_EXPIRED), "agency_suspended"),
            ((register.INSPECTION_LAPSED, register.CONTRACT_EXPIRED), "inspection_lapsed"),
            ((register.CONTRACT_EXPIRED,), "contract_expired"),
            ((register.NOT_WHITELISTED,), "agency_ineligible"),
            ((register.TERMS_UNSIGNED,), "agency_ineligible"),
            ((register.LICENCE_EXPIRED,), "agency_ineligible"),
        ],
    )
    def test_an_agency_no_longer_eligible_recalls_with_its_first_reason(
        self, codes: tuple[str, ...], reason: str
    ) -> None:
        assert rules.agency_reason(codes) == reason

    def test_an_eligible_agency_recalls_nothing(self) -> None:
        with pytest.raises(ValueError):
            rules.agency_reason(())

    def test_a_recall_after_the_period_closes_it_as_its_end(self) -> None:
        late = rules.recall(running(), reason="complaint", day=ENDS + timedelta(days=1))
        on_time = rules.recall(running(), reason="complaint", day=ENDS)

        assert (late.reason, late.recalled_on) == ("period_end", ENDS)
        assert (on_time.reason, on_time.recalled_on) == ("complaint", ENDS)

    def test_an_unknown_reason_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown recall reason"):
            rules.recall(running(), reason="bored", day=DAY)


class TestSweep:
    def test_nothing_to_recall(self) -> None:
        assert rules.sweep([running()], {"A1": AgencyState((), DAY)}, as_of=DAY) == []

    @pytest.mark.parametrize(
        ("change", "reason", "last"),
        [
            ({"ends_on": DAY - timedelta(days=1)}, "period_end", DAY - timedelta(days=1)),
            ({"hold_kind": "complaint"}, "complaint", DAY),
            ({"hold_kind": "dispute"}, "hold", DAY),
            ({"overdue_fen": 0}, "paid_in_full", DAY),
        ],
    )
    def test_each_account_trigger(self, change: dict[str, object], reason: str, last: date) -> None:
        (found,) = rules.sweep([running(**change)], {}, as_of=DAY)

        assert (found.reason, found.recalled_on, found.placement_id) == (reason, last, 1)

    def test_an_agency_no_longer_eligible_recalls_from_its_last_eligible_day(self) -> None:
        lapsed = AgencyState((register.INSPECTION_LAPSED,), DAY - timedelta(days=4))

        (found,) = rules.sweep([running()], {"A1": lapsed}, as_of=DAY)

        assert (found.reason, found.recalled_on) == ("inspection_lapsed", DAY - timedelta(days=4))

    def test_an_agency_off_the_register_is_not_judged(self) -> None:
        assert (
            rules.sweep([running(agency_code="ZZ")], {"A1": AgencyState(("suspended",), DAY)}, as_of=DAY)
            == []
        )

    def test_the_earliest_day_wins_then_the_priority(self) -> None:
        ended_first = running(ends_on=DAY - timedelta(days=10), hold_kind="complaint", overdue_fen=0)
        same_day = running(hold_kind="dispute", overdue_fen=0)
        lapsed_before_the_end = running(ends_on=DAY - timedelta(days=2))
        agencies = {"A1": AgencyState((register.CONTRACT_EXPIRED,), DAY - timedelta(days=5))}

        found = rules.sweep([ended_first, same_day, lapsed_before_the_end], agencies, as_of=DAY)

        assert [(one.reason, one.recalled_on) for one in found] == [
            ("period_end", DAY - timedelta(days=10)),
            ("contract_expired", DAY - timedelta(days=5)),
            ("contract_expired", DAY - timedelta(days=5)),
        ]
        (hold_first,) = rules.sweep([same_day], {}, as_of=DAY)
        assert hold_first.reason == "hold"

    def test_the_agency_state_comes_from_the_register(self) -> None:
        agency = {"code": "A1", "name": "n", "licence_no": "l", "licence_valid_until": None,
                  "whitelisted": True, "contract_starts_on": None, "terms_signed": True,
                  "contract_ends_on": DAY - timedelta(days=3), "last_inspection_on": DAY - timedelta(days=30),
                  "status": "active"}  # fmt: skip

        state = rules.agency_state(agency, DAY)

        assert state == AgencyState((register.CONTRACT_EXPIRED,), DAY - timedelta(days=3))
        assert rules.agency_state(agency | {"contract_ends_on": DAY}, DAY).codes == ()


class TestPlaceableFrom:
    def test_never_placed(self) -> None:
        assert rules.placeable_from([]) is None

    def test_the_day_after_the_last_day_held(self) -> None:
        recalled = (PLACED, ENDS, DAY)
        earlier = (PLACED - timedelta(days=200), PLACED - timedelta(days=110), None)

        assert rules.placeable_from([recalled, earlier]) == DAY + timedelta(days=1)
        assert rules.placeable_from([(PLACED, ENDS, None)]) == ENDS + timedelta(days=1)

    def test_a_placement_recalled_before_it_began_frees_its_first_day(self) -> None:
        assert rules.placeable_from([(PLACED, ENDS, PLACED - timedelta(days=1))]) == PLACED

    def test_every_reason_is_ranked(self) -> None:
        assert sorted(rules.PRIORITY) == sorted(rules.REASONS)
