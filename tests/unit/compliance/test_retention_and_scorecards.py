"""Entry points: purging records after the retention period, and balanced collector scorecards."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from verdicts import CN, TODAY, US, allowed, refused

from arrears.compliance.entry_points import (
    RECOVERY_MEASURES,
    collector_scorecard,
    purge,
)
from arrears.compliance.policy import Policy

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
