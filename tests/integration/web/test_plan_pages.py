"""Plans on the case page and the approvals page, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import signed_in_as

from arrears.accounts.case_file import case_file
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.models import PlanApproval, RepaymentPlan, table_of

FIRST_DUE = (date.today() + timedelta(days=20)).isoformat()
WITHIN = {"kind": "instalment", "months": "6", "first_due_date": FIRST_DUE}


def _claimed_case(web: TestClient) -> tuple[object, str]:
    browser = signed_in_as(web, "collector1")
    return browser, browser.post("/queue/next").headers["location"]


def test_the_calculator_previews_a_schedule(web: TestClient, book: Engine) -> None:
    browser, case = _claimed_case(web)
    fragment = browser.post(f"{case}/plans/preview", WITHIN, token_from=case)  # type: ignore[attr-defined]
    assert fragment.status_code == 200
    assert fragment.text.count("<tr><td>") == 6
    bad = browser.post(f"{case}/plans/preview", {**WITHIN, "first_due_date": "soon"}, token_from=case)  # type: ignore[attr-defined]
    assert 'role="alert"' in bad.text
    with book.connect() as connection:
        assert connection.execute(select(table_of(RepaymentPlan))).first() is None  # nothing stored


def test_a_plan_beyond_authority_waits_for_the_team_lead(web: TestClient, book: Engine) -> None:
    browser, case = _claimed_case(web)
    account_id = int(case.rsplit("/", 1)[1])
    beyond = {**WITHIN, "months": "18"}  # more months than a collector may grant (12), a team lead may (24)
    preview = browser.post(f"{case}/plans/preview", beyond, token_from=case)  # type: ignore[attr-defined]
    assert "decision blocked" in preview.text
    answer = browser.post(f"{case}/plans", beyond, token_from=case)  # type: ignore[attr-defined]
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=plan_pending")
    assert signed_in_as(web, "collector1").client.get("/approvals").status_code == 403
    lead = signed_in_as(web, "team_lead1")
    listing = lead.client.get("/approvals")
    assert f"/cases/{account_id}" in listing.text
    with book.connect() as connection:
        approval_id = connection.execute(select(table_of(PlanApproval).c.id)).scalar_one()
    rejected = lead.post(f"/approvals/{approval_id}", {"decision": "reject"}, token_from="/approvals")
    assert rejected.status_code == 422  # a rejection needs a comment
    approved = lead.post(
        f"/approvals/{approval_id}", {"decision": "approve", "comment": "ok"}, token_from="/approvals"
    )
    assert approved.status_code == 303
    with book.connect() as connection:
        status = connection.execute(select(table_of(RepaymentPlan).c.status)).scalar_one()
        entries = AuditLog(connection).entries()
    assert status == "active"
    assert [entry.action for entry in entries] == ["plan.proposed", "plan.approved"] and verify(entries) == []


def _due_rows(page: str) -> int:
    return page.count("<td>due</td>")  # an instalment listed as due in the timeline


def _in_english(web: TestClient, username: str) -> Any:
    browser = signed_in_as(web, username)
    browser.client.get("/lang/en")
    return browser


def test_a_plan_waiting_for_approval_is_not_due_and_says_who_must_approve(
    web: TestClient, book: Engine
) -> None:
    browser = _in_english(web, "collector1")
    case = browser.post("/queue/next").headers["location"]
    answer = browser.post(f"{case}/plans", {**WITHIN, "months": "18"}, token_from=case)
    assert answer.status_code == 303
    page = browser.client.get(answer.headers["location"]).text
    assert "waits for the approval of a team lead" in page  # the confirmation: saved, not active
    assert _due_rows(page) == 0  # none of the 18 instalments is due
    with book.connect() as connection:
        approval_id = connection.execute(select(table_of(PlanApproval).c.id)).scalar_one()
    comment = "18 months is too long: propose 12"
    lead = signed_in_as(web, "team_lead1")
    assert lead.post(f"/approvals/{approval_id}", {"decision": "reject", "comment": comment},
                     token_from="/approvals").status_code == 303  # fmt: skip
    page = browser.client.get(case).text
    assert "Rejected by team_lead one" in page and comment in page  # the decision, by whom, why
    assert _due_rows(page) == 0
    with book.connect() as connection:  # the case file API lists no instalment of it either
        found = case_file(connection, int(case.rsplit("/", 1)[1]))
    assert found is not None and not [item for item in found["timeline"] if item["kind"] == "instalment"]


def test_a_plan_within_authority_is_active_and_its_instalments_due(web: TestClient, book: Engine) -> None:
    browser = _in_english(web, "collector1")
    case = browser.post("/queue/next").headers["location"]
    answer = browser.post(f"{case}/plans", WITHIN, token_from=case)
    page = browser.client.get(answer.headers["location"]).text
    assert "The plan is active" in page
    assert _due_rows(page) == 6
