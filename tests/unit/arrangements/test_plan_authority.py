"""The authority matrix: who may agree a plan, who must approve it, and the documented table."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from arrears.arrangements.rules import (
    AUTHORITIES,
    AUTHORITY,
    PLAN_BLOCKING_HOLDS,
    Balances,
    BeyondAuthority,
    HeldAccount,
    PlanTerms,
    Proposal,
    Ruling,
    exceeded,
    may_decide,
    plan_blocked,
    proposal_of,
    rule,
    schedule,
)
from arrears.kit.money import format_fen
from arrears.users.permissions import allowed

DOC = Path(__file__).parents[3] / "docs" / "arrangements.md"


def instalments(months: int = 6, waived: int = 0, interest_and_fees: int = 10_000_00) -> Proposal:
    return Proposal("instalment", months, 0, waived, interest_and_fees)


def deferral(days: int) -> Proposal:
    return Proposal("deferral", 0, days, 0, 5_000_00)


class TestRuling:
    def test_within_the_collectors_authority(self) -> None:
        ruling = rule(proposal=instalments(12, waived=2_000_00), role="collector")

        assert (ruling.covered, ruling.required_role, ruling.exceeded) == (True, None, ())

    @pytest.mark.parametrize(
        ("proposal", "required", "over"),
        [
            (instalments(13), "team_lead", ("months",)),
            (instalments(25), "manager", ("months",)),
            (instalments(waived=2_000_01, interest_and_fees=100_000_00), "team_lead", ("waived_fen",)),
            (instalments(waived=3_001_00), "team_lead", ("waived_fen", "waived_share")),
            (instalments(waived=1_500_00, interest_and_fees=4_999_99), "team_lead", ("waived_share",)),
            (instalments(waived=6_000_01), "manager", ("waived_fen", "waived_share")),
            (
                instalments(waived=20_000_01, interest_and_fees=20_000_01),
                "manager",
                ("waived_fen", "waived_share"),
            ),
            (deferral(31), "team_lead", ("deferral_days",)),
            (deferral(91), "manager", ("deferral_days",)),
        ],
    )
    def test_beyond_it_the_lowest_role_that_covers_it(
        self, proposal: Proposal, required: str, over: tuple[str, ...]
    ) -> None:
        ruling = rule(proposal=proposal, role="collector")

        assert (ruling.covered, ruling.required_role, ruling.exceeded) == (False, required, over)

    def test_a_share_exactly_at_the_limit_is_within_it(self) -> None:
        assert (
            exceeded(AUTHORITY["collector"], instalments(waived=1_500_00, interest_and_fees=5_000_00)) == ()
        )

    def test_a_team_lead_needs_a_manager_beyond_their_own(self) -> None:
        assert rule(proposal=instalments(24), role="team_lead").covered
        assert rule(proposal=instalments(30), role="team_lead").required_role == "manager"
        assert rule(proposal=instalments(30), role="manager").covered

    def test_a_role_without_authority_always_needs_approval(self) -> None:
        ruling = rule(proposal=instalments(2), role="customer_service")

        assert (ruling.covered, ruling.required_role) == (False, "team_lead")

    @pytest.mark.parametrize(
        "proposal",
        [
            instalments(37),
            instalments(waived=200_000_01, interest_and_fees=300_000_00),
            instalments(waived=1_00, interest_and_fees=0),
            deferral(181),
        ],
    )
    def test_beyond_the_managers_authority_is_refused(self, proposal: Proposal) -> None:
        for role in ("collector", "team_lead", "manager"):
            with pytest.raises(BeyondAuthority) as refused:
                rule(proposal=proposal, role=role)
            assert "no one may agree" in refused.value.message_en and "主管" in refused.value.message_zh

    def test_limits_grow_with_the_role(self) -> None:
        for lower, higher in pairwise(AUTHORITIES):
            assert lower.max_waived_fen < higher.max_waived_fen
            assert lower.max_waived_share_bp < higher.max_waived_share_bp
            assert lower.max_months < higher.max_months
            assert lower.max_deferral_days < higher.max_deferral_days


class TestDeciders:
    def test_an_approver_decides_at_or_below_their_role(self) -> None:
        assert may_decide(role="team_lead", required_role="team_lead")
        assert may_decide(role="manager", required_role="team_lead")
        assert may_decide(role="manager", required_role="manager")
        assert not may_decide(role="team_lead", required_role="manager")
        assert not may_decide(role="collector", required_role="team_lead")

    def test_the_approvers_hold_the_permission(self) -> None:
        assert all(allowed(role, "plan:approve") for role in ("team_lead", "manager"))
        assert all(allowed(one.role, "plan:propose") for one in AUTHORITIES)


def test_the_documented_table_matches_the_code() -> None:
    lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| ")]
    rows = {
        cells[0]: cells[1:] for cells in ([c.strip() for c in line.strip("|").split("|")] for line in lines)
    }
    for one in AUTHORITIES:
        expected = [
            format_fen(one.max_waived_fen),
            f"{one.max_waived_share_bp // 100}%",
            str(one.max_months),
            str(one.max_deferral_days),
        ]
        assert rows[one.role] == expected


class TestTheDelayToTheFirstPayment:
    """Issue 13, item 6: an instalment plan's first payment may fall up to 60 days out; the delay is a
    deferral and counts against the proposer's deferral limit."""

    AGREED = date(2026, 11, 1)
    BALANCES = Balances(10_000_00, 1_200_00, 300_00)

    def ruling(self, first_due: date, role: str = "collector", **extra: Any) -> Ruling:
        terms = PlanTerms("instalment", first_due, months=2, **extra)
        plan = schedule(balances=self.BALANCES, terms=terms, agreed_on=self.AGREED)
        return rule(proposal=proposal_of(plan), role=role)

    def test_a_first_payment_60_days_out_needs_a_team_lead_for_a_collector(self) -> None:
        found = self.ruling(self.AGREED + timedelta(days=60))

        assert (found.covered, found.required_role, found.exceeded) == (
            False,
            "team_lead",
            ("deferral_days",),
        )

    def test_within_the_collectors_deferral_limit_it_is_covered(self) -> None:
        assert self.ruling(self.AGREED + timedelta(days=30)).covered
        assert not self.ruling(self.AGREED + timedelta(days=31)).covered
        assert self.ruling(self.AGREED + timedelta(days=60), role="team_lead").covered

    def test_an_early_down_payment_does_not_hide_the_delay(self) -> None:
        found = self.ruling(
            self.AGREED + timedelta(days=60),
            down_payment_fen=1,
            down_payment_date=self.AGREED + timedelta(days=1),
        )

        assert found.exceeded == ("deferral_days",)


class TestTheCardholdersOtherPlans:
    def test_their_waivers_count_against_the_amount_not_the_share(self) -> None:
        alone = Proposal("instalment", 6, 0, 1_500_00, 10_000_00)
        split = Proposal("instalment", 6, 0, 1_500_00, 10_000_00, other_waived_fen=1_500_00)

        assert rule(proposal=alone, role="collector").covered
        assert rule(proposal=split, role="collector").exceeded == ("waived_fen",)

    def test_beyond_a_managers_amount_together_no_one_may_agree(self) -> None:
        with pytest.raises(BeyondAuthority):
            rule(
                proposal=Proposal("instalment", 6, 0, 1_00, 10_000_00, other_waived_fen=200_000_00),
                role="manager",
            )


def test_bankruptcy_and_deceased_holds_stop_plans_and_other_holds_do_not() -> None:
    assert plan_blocked(["dispute", "hardship", "litigation"]) is None
    for kind in PLAN_BLOCKING_HOLDS:
        refused = plan_blocked(["hardship", kind])
        assert isinstance(refused, HeldAccount) and kind in refused.message_en and refused.message_zh
