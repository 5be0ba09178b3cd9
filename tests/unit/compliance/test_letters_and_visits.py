"""Entry points: letter disclosures and field-visit conditions."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from verdicts import CN_HOURS, NEW_YORK, SHANGHAI, US_HOURS, allowed, refused

from arrears.compliance.entry_points import (
    DISCLOSURES,
    LetterTemplate,
    VisitPlan,
    collector_scorecard,
    field_visit,
    letter_disclosures,
    placeholders_in,
)


def test_verdict_is_frozen() -> None:
    verdict = collector_scorecard(["complaint_rate"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.allowed = False  # type: ignore[misc]


# --- 1. letters -------------------------------------------------------------------------------------

FULL_LETTER = (
    "尊敬的 {name}：您的信用卡欠款 {balance:,.2f} 元，因 {reason} 依据 {legal_basis} 催收。"
    "您的权利：{rights}。查询：{how_to_check}。还款：{how_to_repay}。异议：{how_to_object}。"
    "联系我们：{issuer_contact}"
)


def without(placeholder: str) -> str:
    return FULL_LETTER.replace(f"{{{placeholder}}}", "").replace(f"{{{placeholder}:,.2f}}", "")


def test_disclosures_are_those_of_art_69() -> None:
    assert set(DISCLOSURES) == {
        "name",
        "balance",
        "reason",
        "legal_basis",
        "rights",
        "how_to_check",
        "how_to_repay",
        "how_to_object",
        "issuer_contact",
    }
    assert all(d.placeholder and d.zh and d.en for d in DISCLOSURES.values())


def test_letter_with_every_disclosure_is_allowed() -> None:
    allowed(letter_disclosures(LetterTemplate.from_text(FULL_LETTER)), "LETTER-DISCLOSURES")


@pytest.mark.parametrize("disclosure", list(DISCLOSURES))
def test_letter_missing_one_disclosure_names_it(disclosure: str) -> None:
    entry = DISCLOSURES[disclosure]
    verdict = letter_disclosures(LetterTemplate.from_text(without(entry.placeholder)))
    refused(verdict, "LETTER-DISCLOSURES", entry.en)
    assert f"{{{entry.placeholder}}}" in verdict.reasons_en[0]
    assert entry.zh in verdict.reasons_zh[0]


def test_letter_missing_several_disclosures_lists_each() -> None:
    text = without("rights").replace("{how_to_object}", "").replace("{issuer_contact}", "")
    refused(
        letter_disclosures(LetterTemplate.from_text(text)),
        "LETTER-DISCLOSURES",
        "the cardholder's rights",
        "how to object",
        "the issuer's contact",
    )


def test_empty_letter_misses_everything() -> None:
    verdict = letter_disclosures(LetterTemplate(""))
    refused(verdict, "LETTER-DISCLOSURES", *(d.en for d in DISCLOSURES.values()))


def test_placeholders_may_be_declared_with_or_without_braces() -> None:
    declared = {f"{{{d.placeholder}}}" for d in DISCLOSURES.values()}
    assert LetterTemplate(FULL_LETTER, declared).placeholders == frozenset(
        d.placeholder for d in DISCLOSURES.values()
    )
    allowed(letter_disclosures(LetterTemplate(FULL_LETTER, declared)), "LETTER-DISCLOSURES")


def test_a_declared_placeholder_must_also_be_in_the_text() -> None:
    everything = {d.placeholder for d in DISCLOSURES.values()}
    refused(
        letter_disclosures(LetterTemplate(without("balance"), everything)),
        "LETTER-DISCLOSURES",
        "the balance owed",
    )
    refused(
        letter_disclosures(LetterTemplate(FULL_LETTER, everything - {"balance"})),
        "LETTER-DISCLOSURES",
        "the balance owed",
    )


def test_placeholders_in_text() -> None:
    assert placeholders_in("{name} owes {balance:,.2f} {{rights}} {contact.phone} {}") == {
        "name",
        "balance",
        "contact",
    }
    assert placeholders_in("{name} owes {balance") == {"name"}  # malformed: what looks like one


# --- 2. field visits --------------------------------------------------------------------------------


def visit(
    start: str = "2026-11-23T10:00:00+08:00", end: str = "2026-11-23T11:00:00+08:00", **changes: object
) -> VisitPlan:
    plan = VisitPlan(
        staff_ids=("S001", "S002"),
        recording=True,
        enters_home=True,
        home_entry_consent=True,
        start=datetime.fromisoformat(start),
        end=datetime.fromisoformat(end),
        zone=SHANGHAI,
    )
    return dataclasses.replace(plan, **changes)  # type: ignore[arg-type]


def test_visit_meeting_every_condition_is_allowed() -> None:
    allowed(field_visit(visit(), hours=CN_HOURS), "VISIT-CONDITIONS")
    allowed(
        field_visit(visit(enters_home=False, home_entry_consent=False), hours=CN_HOURS), "VISIT-CONDITIONS"
    )
    allowed(field_visit(visit(staff_ids=("S1", "S2", "S3")), hours=CN_HOURS), "VISIT-CONDITIONS")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"staff_ids": ("S001",)}, "1 staff on the visit, fewer than 2"),
        ({"staff_ids": ("S001", " ")}, "ID is not logged"),
        ({"staff_ids": ("S001", "S002", "")}, "ID is not logged"),
        ({"staff_ids": ("S001", "S001")}, "logged more than once: S001"),
        ({"recording": False}, "must be recorded"),
        ({"home_entry_consent": False}, "consent"),
    ],
)
def test_visit_each_failing_condition(changes: dict[str, object], fragment: str) -> None:
    plan = dataclasses.replace(visit(), **changes)  # type: ignore[arg-type]
    refused(field_visit(plan, hours=CN_HOURS), "VISIT-CONDITIONS", fragment)


def test_visit_failing_several_conditions_lists_each() -> None:
    plan = visit(
        start="2026-11-23T07:30:00+08:00",
        end="2026-11-23T22:30:00+08:00",
        staff_ids=("",),
        recording=False,
        home_entry_consent=False,
    )
    refused(
        field_visit(plan, hours=CN_HOURS),
        "VISIT-CONDITIONS",
        "fewer than 2",
        "ID is not logged",
        "must be recorded",
        "consent",
        "start, 07:30 in Asia/Shanghai, is outside the allowed hours 08:00-22:00",
        "end, 22:30 in Asia/Shanghai, is outside",
    )


def test_visit_ending_at_2200_is_refused_under_cn_and_2159_allowed() -> None:
    refused(
        field_visit(visit(end="2026-11-23T22:00:00+08:00"), hours=CN_HOURS),
        "VISIT-CONDITIONS",
        "end, 22:00 in Asia/Shanghai",
    )
    allowed(field_visit(visit(end="2026-11-23T21:59:00+08:00"), hours=CN_HOURS), "VISIT-CONDITIONS")


def test_visit_starting_at_0759_is_refused_and_0800_allowed() -> None:
    refused(
        field_visit(visit(start="2026-11-23T07:59:00+08:00"), hours=CN_HOURS),
        "VISIT-CONDITIONS",
        "start, 07:59",
    )
    allowed(field_visit(visit(start="2026-11-23T08:00:00+08:00"), hours=CN_HOURS), "VISIT-CONDITIONS")


def test_visit_under_us_hours_may_end_at_2100() -> None:
    ny = {"zone": NEW_YORK}
    allowed(
        field_visit(visit("2026-11-23T20:00:00-05:00", "2026-11-23T21:00:00-05:00", **ny), hours=US_HOURS),
        "VISIT-CONDITIONS",
    )
    refused(
        field_visit(visit("2026-11-23T20:00:00-05:00", "2026-11-23T21:01:00-05:00", **ny), hours=US_HOURS),
        "VISIT-CONDITIONS",
        "end, 21:01 in America/New_York",
    )


def test_visit_hours_are_in_the_debtors_zone() -> None:
    # 01:00-02:00 UTC is 09:00-10:00 in Shanghai but 06:00-07:00 in Urumqi (UTC+6).
    plan = visit("2026-11-23T01:00:00+00:00", "2026-11-23T02:00:00+00:00")
    allowed(field_visit(plan, hours=CN_HOURS), "VISIT-CONDITIONS")
    refused(
        field_visit(dataclasses.replace(plan, zone=ZoneInfo("Asia/Urumqi")), hours=CN_HOURS),
        "VISIT-CONDITIONS",
        "start, 07:00 in Asia/Urumqi",
    )


def test_visit_running_overnight_is_refused() -> None:
    refused(
        field_visit(visit("2026-11-23T21:00:00+08:00", "2026-11-24T09:00:00+08:00"), hours=CN_HOURS),
        "VISIT-CONDITIONS",
        "runs overnight",
    )


def test_visit_ending_before_it_starts_is_refused() -> None:
    refused(
        field_visit(visit("2026-11-23T11:00:00+08:00", "2026-11-23T10:00:00+08:00"), hours=CN_HOURS),
        "VISIT-CONDITIONS",
        "ends before it starts",
    )


def test_visit_hours_skipped_when_the_policy_exempts_visits() -> None:
    exempt = CN_HOURS.model_copy(update={"exempt_channels": ("letter", "visit")})
    allowed(field_visit(visit(start="2026-11-23T07:00:00+08:00"), hours=exempt), "VISIT-CONDITIONS")


def test_visit_with_naive_times_is_an_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        field_visit(visit(start="2026-11-23T10:00:00"), hours=CN_HOURS)
