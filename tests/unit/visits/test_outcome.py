"""A visit's outcome: the plan agreed at the door must be one that someone may approve."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from arrears.arrangements import rules as arrangement_rules
from arrears.visits.fieldwork import Outcome


def test_a_plan_agreed_on_a_visit_stays_within_the_authority_of_some_approver() -> None:
    largest = max(authority.max_months for authority in arrangement_rules.AUTHORITIES)
    assert largest == arrangement_rules.MAX_PLAN_MONTHS
    first = date(2026, 12, 1)
    assert Outcome(kind="plan", plan_months=largest, plan_first_due_date=first).plan_months == largest
    for months in (largest + 1, 60):
        with pytest.raises(ValidationError, match="plan_months"):
            Outcome(kind="plan", plan_months=months, plan_first_due_date=first)
