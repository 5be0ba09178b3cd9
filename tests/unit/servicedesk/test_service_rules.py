"""The desk's pure decisions: the holds per kind and category, what an intake and a resolution must hold,
repeat complaints, the figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.servicedesk.categories import CATEGORIES, name
from arrears.servicedesk.rules import (
    HoldSpec,
    Intake,
    Resolution,
    check_intake,
    check_resolution,
    holds_for,
    is_repeat,
    per_10k,
    resolve_figures,
)

T0 = datetime(2026, 12, 4, 9, tzinfo=UTC)


def spec(kind: str, category: str, *, user: int | None = None, agency: str | None = None,
         amount: int | None = None, pause: int = 30) -> list[HoldSpec]:  # fmt: skip
    return holds_for(kind, category, involved_user_id=user, involved_agency=agency, amount_fen=amount,
                     hardship_pause_days=pause)  # fmt: skip


def test_a_dispute_holds_its_account_with_the_amount_and_fraud_every_account() -> None:
    assert spec("dispute", "amount", amount=12_345) == [HoldSpec("dispute", False, amount_fen=12_345)]
    assert spec("dispute", "fraud", amount=500) == [HoldSpec("dispute", True)]


def test_a_complaint_of_abuse_names_the_person_or_holds_the_account() -> None:
    assert spec("complaint", "attitude_abuse", user=7) == [HoldSpec("complaint", False, staff_user_id=7)]
    assert spec("complaint", "third_party", agency="A1") == [HoldSpec("complaint", False, agency_code="A1")]
    assert spec("complaint", "false_threats") == [HoldSpec("complaint", False)]
    for category in ("frequency_hours", "visit_conduct", "privacy"):
        assert spec("complaint", category, user=7) == []


def test_hardship_changes_the_offer_and_pauses_as_the_policy_says() -> None:
    assert spec("hardship", "illness", pause=30) == [
        HoldSpec("hardship", True),
        HoldSpec("breathing_space", True, pause_days=30),
    ]
    assert spec("hardship", "income_loss", pause=0) == [HoldSpec("hardship", True)]


def intake(**more: object) -> Intake:
    values: dict[str, object] = {"kind": "complaint", "category": "attitude_abuse", "channel": "call",
                                 "summary": "  rude on the phone  "} | more  # fmt: skip
    return Intake(**values)  # type: ignore[arg-type]


def test_an_intake_is_stripped_and_a_regulator_channel_is_a_referral() -> None:
    checked = check_intake(intake(channel="regulator", regulator_ref=" CBIRC-2026-0042 "))
    assert (checked.summary, checked.regulator, checked.regulator_ref) == (
        "rude on the phone",
        True,
        "CBIRC-2026-0042",
    )


@pytest.mark.parametrize(
    ("more", "field"),
    [({"category": "fraud"}, "category"), ({"channel": "fax"}, "channel"), ({"summary": "   "}, "summary"),
     ({"summary": "x" * 4001}, "summary"), ({"summary": "a\x00b"}, "summary"),
     ({"amount_fen": 100}, "amount"), ({"kind": "dispute", "category": "amount", "amount_fen": 0}, "amount"),
     ({"kind": "dispute", "category": "amount", "amount_fen": 10**20}, "amount"),
     ({"regulator_ref": "X1"}, "regulator_ref"),
     ({"channel": "regulator", "regulator_ref": "x" * 61}, "regulator_ref"),
     ({"channel": "regulator", "regulator_ref": "A\x00"}, "regulator_ref"),
     ({"involved_agency": "A" * 41}, "involved_agency")],
)  # fmt: skip
def test_what_an_intake_refuses_names_the_field(more: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        check_intake(intake(**more))
    assert refused.value.field == field


def test_an_unknown_kind_is_not_found() -> None:
    with pytest.raises(NotFound):
        check_intake(intake(kind="praise"))


def test_a_complaint_within_a_year_of_another_is_a_repeat() -> None:
    assert is_repeat("complaint", [T0 - timedelta(days=364)], received_at=T0)
    assert not is_repeat("complaint", [T0 - timedelta(days=366)], received_at=T0)
    assert not is_repeat("dispute", [T0 - timedelta(days=3)], received_at=T0)
    assert not is_repeat("complaint", [], received_at=T0)


def test_a_resolution_orders_its_remedies_and_refuses_what_does_not_fit() -> None:
    checked = check_resolution(Resolution("upheld", ("refund", "apology"), " sorry ", 1_000))
    assert checked == Resolution("upheld", ("refund", "apology"), "sorry", 1_000)
    bad = [Resolution("maybe", (), "x"), Resolution("not_upheld", ("apology",), "x"),
           Resolution("upheld", ("refund",), "x"), Resolution("upheld", (), "x", 5),
           Resolution("upheld", ("cake",), "x"), Resolution("partly_upheld", ("refund",), "x", -1),
           Resolution("upheld", (), "  ")]  # fmt: skip
    for one in bad:
        with pytest.raises(InvalidField):
            check_resolution(one)


def test_the_figures_count_in_time_and_the_percentiles() -> None:
    rows = [(T0, T0 + timedelta(hours=hours), T0 + timedelta(hours=100)) for hours in (10, 20, 30, 40, 200)]
    figures = resolve_figures(rows)
    assert (figures.resolved, figures.in_time, figures.share_in_time) == (5, 4, 0.8)
    assert (figures.median_hours, figures.p90_hours) == (30.0, 200.0)
    assert resolve_figures([]).share_in_time is None
    assert per_10k(3, 20_000) == 1.5 and per_10k(3, 0) is None


def test_every_code_has_a_name_in_both_languages() -> None:
    for kind, categories in CATEGORIES.items():
        for code in (kind, *categories):
            assert name(code, "zh_CN") != code and name(code, "en") != code
    assert name("unknown", "en") == "unknown"
