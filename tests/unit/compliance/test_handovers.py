"""Entry points for hand-overs: agency placement, malicious-overdraft referral, debt sale, credit bureau."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest
from verdicts import TODAY, allowed, refused

from arrears.compliance.entry_points import (
    AgencyRecord,
    SaleCandidate,
    add_months,
    agency_placement,
    collection_pair,
    credit_bureau_report,
    debt_sale,
    malicious_overdraft_referral,
)

# --- 3. agency placement ----------------------------------------------------------------------------


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
