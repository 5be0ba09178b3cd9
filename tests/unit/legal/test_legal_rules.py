"""What a legal decision must hold, and which holds stop a decision to proceed."""

from __future__ import annotations

import pytest

from arrears.kit.inputs import MAX_TEXT, InvalidField
from arrears.legal.rules import Decision, decision, holds_against_proceeding


class TestDecision:
    def test_proceeding_needs_no_reason_and_keeps_a_note(self) -> None:
        assert decision("proceed", "") == Decision("proceed", None)
        assert decision("proceed", "  file at the district court ") == Decision(
            "proceed", "file at the district court"
        )

    def test_a_return_needs_a_reason(self) -> None:
        for blank in ("", "   ", None):
            with pytest.raises(InvalidField) as refused:
                decision("return", blank)
            assert refused.value.field == "reason"

    def test_a_return_keeps_its_reason_trimmed(self) -> None:
        found = decision("return", " a plan was agreed yesterday \n")
        assert found == Decision("return", "a plan was agreed yesterday")
        assert (found.action, found.status) == ("legal.returned", "declined")
        assert (decision("proceed", None).action, decision("proceed", None).status) == (
            "legal.proceeded",
            "accepted",
        )

    @pytest.mark.parametrize("outcome", ["", "maybe", "PROCEED", "proceed ", "accept"])
    def test_only_the_two_outcomes_are_taken(self, outcome: str) -> None:
        with pytest.raises(InvalidField) as refused:
            decision(outcome, "why")
        assert refused.value.field == "outcome"

    def test_a_reason_longer_than_free_text_may_be_is_refused(self) -> None:
        with pytest.raises(InvalidField) as refused:
            decision("return", "x" * (MAX_TEXT + 1))
        assert refused.value.field == "reason"


class TestHoldsAgainstProceeding:
    BLOCKING = ("dispute", "complaint", "hardship", "deceased", "bankruptcy", "litigation", "cease_contact")
    LEGAL = ("deceased", "bankruptcy", "litigation")

    def test_the_holds_that_block_contact_stop_it(self) -> None:
        held = holds_against_proceeding(
            ["dispute", "hardship"], blocking=self.BLOCKING, legal_kinds=self.LEGAL
        )
        assert held == ["dispute", "hardship"]

    def test_the_holds_resting_on_a_legal_fact_are_legals_own_question(self) -> None:
        active = ["bankruptcy", "deceased", "litigation"]
        assert holds_against_proceeding(active, blocking=self.BLOCKING, legal_kinds=self.LEGAL) == []

    def test_a_hold_the_rulebook_does_not_count_as_blocking_does_not_stop_it(self) -> None:
        assert (
            holds_against_proceeding(["breathing_space"], blocking=self.BLOCKING, legal_kinds=self.LEGAL)
            == []
        )
