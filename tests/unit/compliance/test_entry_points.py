"""The engine's other entry points: letters, visits, hand-overs, retention and scorecards."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from arrears.compliance.entry_points import (
    DISCLOSURES,
    RECOVERY_MEASURES,
    AgencyRecord,
    LetterTemplate,
    SaleCandidate,
    Verdict,
    VisitPlan,
    add_months,
    agency_placement,
    collection_pair,
    collector_scorecard,
    credit_bureau_report,
    debt_sale,
    field_visit,
    letter_disclosures,
    malicious_overdraft_referral,
    placeholders_in,
    purge,
)
from arrears.compliance.policy import Hours, Policy, load_policy

CN, US = load_policy("cn"), load_policy("us")
assert CN.hours is not None and US.hours is not None
CN_HOURS: Hours = CN.hours
US_HOURS: Hours = US.hours
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def allowed(verdict: Verdict, rule: str) -> None:
    assert verdict == Verdict(True, rule, (), ()), verdict


def refused(verdict: Verdict, rule: str, *fragments: str) -> None:
    """Refused under ``rule`` with exactly one reason per fragment, each mentioning it, in that order."""
    assert not verdict.allowed
    assert verdict.rule == rule
    assert len(verdict.reasons_en) == len(verdict.reasons_zh) == len(fragments), verdict
    for reason, fragment in zip(verdict.reasons_en, fragments, strict=True):
        assert fragment in reason, (fragment, reason)
    assert all(verdict.reasons_zh)


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


# --- 3. agency placement ----------------------------------------------------------------------------

TODAY = date(2026, 11, 23)


def agency(**changes: object) -> AgencyRecord:
    record = AgencyRecord(
        code="A1",
        whitelisted=True,
        last_inspection_date=date(2026, 3, 1),
        contract_valid_until=date(2027, 1, 1),
        outsourcing_terms_signed=True,
    )
    return dataclasses.replace(record, **changes)  # type: ignore[arg-type]


def test_agency_meeting_every_condition_is_allowed() -> None:
    allowed(agency_placement(agency(), today=TODAY, data_masked=True), "AGENCY-PLACEMENT")


@pytest.mark.parametrize(
    ("changes", "masked", "fragment"),
    [
        ({"whitelisted": False}, True, "agency A1 is not on the whitelist"),
        ({"last_inspection_date": None}, True, "not inspected in the last 365 days"),
        ({"last_inspection_date": TODAY + timedelta(days=1)}, True, "not inspected"),
        ({"contract_valid_until": None}, True, "no contract valid today"),
        ({"outsourcing_terms_signed": False}, True, "PIPL Art. 21"),
        ({}, False, "only masked personal data"),
    ],
)
def test_agency_each_failing_condition(changes: dict[str, object], masked: bool, fragment: str) -> None:
    refused(
        agency_placement(agency(**changes), today=TODAY, data_masked=masked), "AGENCY-PLACEMENT", fragment
    )


def test_agency_failing_every_condition_lists_each() -> None:
    record = AgencyRecord("A9", False, date(2024, 1, 1), date(2025, 1, 1), False)
    refused(
        agency_placement(record, today=TODAY, data_masked=False),
        "AGENCY-PLACEMENT",
        "not on the whitelist",
        "not inspected",
        "no contract valid today",
        "outsourcing terms",
        "masked",
    )


def test_agency_inspected_exactly_365_days_ago_is_allowed_366_refused() -> None:
    on_time = agency(last_inspection_date=TODAY - timedelta(days=365))
    late = agency(last_inspection_date=TODAY - timedelta(days=366))
    allowed(agency_placement(on_time, today=TODAY, data_masked=True), "AGENCY-PLACEMENT")
    refused(agency_placement(late, today=TODAY, data_masked=True), "AGENCY-PLACEMENT", "not inspected")


def test_agency_inspection_window_is_a_parameter() -> None:
    record = agency(last_inspection_date=TODAY - timedelta(days=100))
    allowed(
        agency_placement(record, today=TODAY, data_masked=True, max_days_since_inspection=100),
        "AGENCY-PLACEMENT",
    )
    refused(
        agency_placement(record, today=TODAY, data_masked=True, max_days_since_inspection=99),
        "AGENCY-PLACEMENT",
        "last 99 days",
    )


def test_agency_contract_valid_until_today_is_allowed_until_yesterday_refused() -> None:
    allowed(
        agency_placement(agency(contract_valid_until=TODAY), today=TODAY, data_masked=True),
        "AGENCY-PLACEMENT",
    )
    refused(
        agency_placement(
            agency(contract_valid_until=TODAY - timedelta(days=1)), today=TODAY, data_masked=True
        ),
        "AGENCY-PLACEMENT",
        "no contract valid today",
    )


# --- 4. legal referral for malicious overdraft ------------------------------------------------------

JAN_1, JAN_30, JAN_31 = date(2026, 1, 1), date(2026, 1, 30), date(2026, 1, 31)


def test_add_months_clamps_to_the_month_end() -> None:
    assert add_months(JAN_31, 3) == date(2026, 4, 30)
    assert add_months(date(2025, 11, 30), 3) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)
    assert add_months(date(2026, 10, 15), 3) == date(2027, 1, 15)


def test_referral_allowed_after_two_collections_and_three_unpaid_months() -> None:
    allowed(
        malicious_overdraft_referral([JAN_1, date(2026, 2, 15)], today=date(2026, 6, 1), paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
    )


def test_referral_exactly_three_months_after_the_second_refused_a_day_later_allowed() -> None:
    # Second collection Jan 31; + 3 months is Apr 30 (clamped): refused on Apr 30, allowed from May 1.
    collections = [JAN_1, JAN_31]
    refused(
        malicious_overdraft_referral(collections, today=date(2026, 4, 30), paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
        "possible from 2026-05-01",
    )
    allowed(
        malicious_overdraft_referral(collections, today=date(2026, 5, 1), paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
    )


def test_referral_collections_exactly_30_days_apart_qualify_29_do_not() -> None:
    later = date(2027, 1, 1)
    assert (JAN_31 - JAN_1).days == 30 and (JAN_30 - JAN_1).days == 29
    allowed(
        malicious_overdraft_referral([JAN_1, JAN_31], today=later, paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
    )
    refused(
        malicious_overdraft_referral([JAN_1, JAN_30], today=later, paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
        "no two effective collections at least 30 days apart",
    )


@pytest.mark.parametrize("collections", [[], [JAN_1], [JAN_1, JAN_1, JAN_30]])
def test_referral_without_a_qualifying_pair_is_refused(collections: list[date]) -> None:
    refused(
        malicious_overdraft_referral(collections, today=date(2027, 1, 1), paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
        "30 days apart",
    )


def test_referral_refused_when_something_was_paid() -> None:
    refused(
        malicious_overdraft_referral([JAN_1, JAN_31], today=date(2027, 1, 1), paid_since=True),
        "LEGAL-MALICIOUS-OVERDRAFT",
        "a payment was made",
    )


def test_referral_failing_several_conditions_lists_each() -> None:
    refused(
        malicious_overdraft_referral([JAN_1, JAN_30], today=date(2027, 1, 1), paid_since=True),
        "LEGAL-MALICIOUS-OVERDRAFT",
        "30 days apart",
        "a payment was made",
    )
    refused(
        malicious_overdraft_referral([JAN_1, JAN_31], today=date(2026, 3, 1), paid_since=True),
        "LEGAL-MALICIOUS-OVERDRAFT",
        "second effective collection (2026-01-31)",
        "a payment was made",
    )


def test_referral_picks_the_earliest_qualifying_pair() -> None:
    collections = [date(2026, 3, 20), JAN_1, date(2026, 1, 10), date(2026, 2, 5)]  # any order
    assert collection_pair(collections) == (JAN_1, date(2026, 2, 5))
    assert collection_pair([JAN_1, JAN_30]) is None
    # Feb 5 + 3 months is May 5: eligible from May 6, although Mar 20 would only be from Jun 21.
    allowed(
        malicious_overdraft_referral(collections, today=date(2026, 5, 6), paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
    )
    refused(
        malicious_overdraft_referral(collections, today=date(2026, 5, 5), paid_since=False),
        "LEGAL-MALICIOUS-OVERDRAFT",
        "(2026-02-05); a referral is possible from 2026-05-06",
    )


# --- 5. debt sale -----------------------------------------------------------------------------------


def sale(**changes: object) -> SaleCandidate:
    candidate = SaleCandidate(dpd=200, regulatory_class="loss", is_resale=False, buyer_collects_itself=True)
    return dataclasses.replace(candidate, **changes)  # type: ignore[arg-type]


def test_loss_class_sale_is_allowed() -> None:
    allowed(debt_sale(sale()), "DEBT-SALE")
    allowed(debt_sale(sale(dpd=181, regulatory_class=" Loss ")), "DEBT-SALE")


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"dpd": 180}, "180 days past due, not over 180"),
        ({"dpd": 90}, "90 days past due"),
        ({"regulatory_class": "doubtful"}, "classified doubtful: only loss-class"),
        ({"is_resale": True}, "may not resell"),
        ({"buyer_collects_itself": False}, "collect the account itself"),
    ],
)
def test_sale_each_failing_condition(changes: dict[str, object], fragment: str) -> None:
    refused(debt_sale(sale(**changes)), "DEBT-SALE", fragment)


def test_sale_failing_every_condition_lists_each() -> None:
    refused(
        debt_sale(
            SaleCandidate(dpd=30, regulatory_class="substandard", is_resale=True, buyer_collects_itself=False)
        ),
        "DEBT-SALE",
        "30 days past due",
        "classified substandard",
        "resell",
        "collect the account itself",
    )


# --- 6. credit-bureau report ------------------------------------------------------------------------

REPORT_AT = datetime.fromisoformat("2026-11-23T10:00:00+08:00")


def test_negative_report_after_notice_is_allowed() -> None:
    allowed(
        credit_bureau_report(negative=True, pre_notice_at=REPORT_AT - timedelta(days=7), report_at=REPORT_AT),
        "CREDIT-BUREAU-NOTICE",
    )
    one_second_before = REPORT_AT - timedelta(seconds=1)
    allowed(
        credit_bureau_report(negative=True, pre_notice_at=one_second_before, report_at=REPORT_AT),
        "CREDIT-BUREAU-NOTICE",
    )


def test_negative_report_without_notice_is_refused() -> None:
    refused(
        credit_bureau_report(negative=True, pre_notice_at=None, report_at=REPORT_AT),
        "CREDIT-BUREAU-NOTICE",
        "no pre-report notice",
    )


@pytest.mark.parametrize("delta", [timedelta(0), timedelta(hours=1)])
def test_negative_report_with_notice_not_before_is_refused(delta: timedelta) -> None:
    refused(
        credit_bureau_report(negative=True, pre_notice_at=REPORT_AT + delta, report_at=REPORT_AT),
        "CREDIT-BUREAU-NOTICE",
        "is not before the report",
    )


def test_notice_compares_instants_across_zones() -> None:
    utc_before = datetime.fromisoformat("2026-11-23T01:59:00+00:00")  # 09:59 in Shanghai
    allowed(
        credit_bureau_report(negative=True, pre_notice_at=utc_before, report_at=REPORT_AT),
        "CREDIT-BUREAU-NOTICE",
    )


@pytest.mark.parametrize("notice", [None, REPORT_AT + timedelta(days=1)])
def test_non_negative_report_is_always_allowed(notice: datetime | None) -> None:
    allowed(
        credit_bureau_report(negative=False, pre_notice_at=notice, report_at=REPORT_AT),
        "CREDIT-BUREAU-NOTICE",
    )


def test_report_with_naive_times_is_an_error() -> None:
    with pytest.raises(ValueError, match="aware"):
        credit_bureau_report(negative=True, pre_notice_at=None, report_at=datetime(2026, 11, 23, 10))


# --- 7. retention -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("policy", "rule"), [(CN, "CN-RETENTION"), (US, "US-RETENTION")])
def test_purge_on_the_anniversary_allowed_the_day_before_refused(policy: Policy, rule: str) -> None:
    years, name = policy.retention_years, policy.name
    created = date(2023, 3, 15)
    anniversary = date(2023 + years, 3, 15)
    refused(
        purge(created, today=anniversary - timedelta(days=1), retention_years=years, policy_name=name),
        rule,
        f"at least {years} years: a purge is allowed from {anniversary}",
    )
    allowed(purge(created, today=anniversary, retention_years=years, policy_name=name), rule)
    allowed(
        purge(created, today=anniversary + timedelta(days=400), retention_years=years, policy_name=name), rule
    )


def test_retention_years_of_the_policies() -> None:
    assert (CN.retention_years, US.retention_years) == (2, 3)


def test_purge_of_records_from_feb_29() -> None:
    leap = date(2024, 2, 29)
    years = CN.retention_years
    refused(
        purge(leap, today=date(2026, 2, 27), retention_years=years, policy_name=CN.name),
        "CN-RETENTION",
        "allowed from 2026-02-28",
    )
    allowed(purge(leap, today=date(2026, 2, 28), retention_years=years, policy_name=CN.name), "CN-RETENTION")
    # Four years on, Feb 29 exists again.
    refused(
        purge(leap, today=date(2028, 2, 28), retention_years=4, policy_name="cn"),
        "CN-RETENTION",
        "allowed from 2028-02-29",
    )
    allowed(purge(leap, today=date(2028, 2, 29), retention_years=4, policy_name="cn"), "CN-RETENTION")


def test_purge_of_records_created_in_the_future_is_refused() -> None:
    refused(
        purge(TODAY + timedelta(days=1), today=TODAY, retention_years=2, policy_name="cn"),
        "CN-RETENTION",
        "at least 2 years",
    )


def test_negative_retention_is_an_error() -> None:
    with pytest.raises(ValueError, match="retention_years"):
        purge(TODAY, today=TODAY, retention_years=-1, policy_name="cn")


# --- 8. collector scorecards ------------------------------------------------------------------------


def test_balanced_scorecard_is_allowed() -> None:
    allowed(collector_scorecard(["recovered_amount", "complaint_rate"]), "SCORECARD-BALANCE")
    allowed(collector_scorecard(("quality_score",)), "SCORECARD-BALANCE")


def test_recovery_measures() -> None:
    assert {"recovered_amount", "recovery_rate", "collected_amount"} <= RECOVERY_MEASURES


@pytest.mark.parametrize(
    "measures",
    [["recovered_amount"], ["recovered_amount", "recovery_rate", "collected_amount"], [" Recovery_Rate "]],
)
def test_recovery_only_scorecard_is_refused(measures: list[str]) -> None:
    refused(collector_scorecard(measures), "SCORECARD-BALANCE", "other than recovered amount")


@pytest.mark.parametrize("measures", [[], ["", "  "]])
def test_empty_scorecard_is_refused_for_both_reasons(measures: list[str]) -> None:
    refused(
        collector_scorecard(measures),
        "SCORECARD-BALANCE",
        "has no measures",
        "other than recovered amount",
    )
