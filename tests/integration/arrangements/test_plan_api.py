"""The arrangements API on SQLite and PostgreSQL: preview, propose, pending approvals, decisions."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from book_setup import PASSWORD, Book
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from arrears.api import arrangements
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.models import RepaymentPlan, table_of
from arrears.web.app import create_app

TODAY = date(2026, 11, 24)
APP_KEY = bytes(range(32))  # any fixed master key: here it only signs the test's tokens
TERMS = {"kind": "instalment", "first_due_date": "2026-12-24", "months": 6}  # 30 days out


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            answer = self.client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            self.tokens[username] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self.tokens[username]

    def post(self, path: str, who: str, body: dict[str, Any]) -> Any:
        return self.client.post(path, json=body, headers=self.headers(who))


@pytest.fixture
def api(book: Book, tmp_path: Path) -> Api:
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(APP_KEY).decode())
    app = create_app(settings, engine=book.engine)
    if not any(getattr(route, "path", None) == "/api/v1/approvals" for route in app.routes):
        app.include_router(arrangements.router)
    app.dependency_overrides[arrangements.business_date] = lambda: TODAY
    return Api(TestClient(app))


def plans(book: Book) -> int:
    with book.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(RepaymentPlan))).scalar_one())


def test_the_preview_shows_the_schedule_and_the_approver_and_writes_nothing(api: Api, book: Book) -> None:
    account = book.accounts[0]

    answer = api.post(f"/api/v1/accounts/{account}/plans/preview", "c1", TERMS | {"months": 18})

    assert answer.status_code == 200
    body = answer.json()
    assert (body["covered"], body["required_role"], body["exceeded"]) == (False, "team_lead", ["months"])
    schedule = body["schedule"]
    assert schedule["agreed_on"] == TODAY.isoformat() and len(schedule["instalments"]) == 18
    amounts = [i["amount_fen"] for i in schedule["instalments"]]
    assert sum(amounts) == schedule["total_fen"] == schedule["owed_fen"]
    assert schedule["instalments"][1]["due_date"] == "2027-01-24"
    assert plans(book) == 0


def test_propose_then_approve_over_http(api: Api, book: Book) -> None:
    account = book.accounts[0]

    proposed = api.post(f"/api/v1/accounts/{account}/plans", "c1", TERMS | {"months": 18})

    assert proposed.status_code == 201
    plan = proposed.json()
    assert (plan["status"], plan["required_role"]) == ("proposed", "team_lead") and plan["approval_id"]
    approvals = api.client.get("/api/v1/approvals", headers=api.headers("lead_east"))
    assert [a["id"] for a in approvals.json()] == [plan["approval_id"]]
    assert approvals.json()[0]["instalments"] == 18 and approvals.json()[0]["requested_by"] == "C1"
    assert api.client.get("/api/v1/approvals", headers=api.headers("lead_west")).json() == []
    assert api.client.get("/api/v1/approvals", headers=api.headers("c1")).status_code == 403

    path = f"/api/v1/approvals/{plan['approval_id']}/decision"
    decided = api.post(path, "lead_east", {"decision": "approve", "comment": "ok"})

    assert decided.status_code == 200
    assert decided.json() == {"approval_id": plan["approval_id"], "plan_id": plan["plan_id"],
                              "status": "approved", "plan_status": "active"}  # fmt: skip
    again = api.post(path, "boss", {"decision": "reject", "comment": "no"})
    assert again.status_code == 422 and "already" in again.json()["detail"]
    read = api.client.get(f"/api/v1/plans/{plan['plan_id']}", headers=api.headers("c1")).json()
    assert read["status"] == "active" and read["approvals"][0]["comment"] == "ok"
    with book.engine.connect() as connection:
        entries = AuditLog(connection).entries()
    assert [e.action for e in entries] == ["plan.proposed", "plan.approved"] and verify(entries) == []


def test_within_authority_is_active_and_a_second_plan_is_refused(api: Api, book: Book) -> None:
    account = book.accounts[1]
    first = api.post(f"/api/v1/accounts/{account}/plans", "c1", TERMS)
    assert first.status_code == 201
    assert (first.json()["status"], first.json()["approval_id"]) == ("active", None)

    second = api.post(f"/api/v1/accounts/{account}/plans", "c1", TERMS)

    assert second.status_code == 422 and "active plan already" in second.json()["detail"]


BAD_TERMS = [
    TERMS | {"months": 40},
    TERMS | {"waived_fee_fen": 300_01},
    TERMS | {"first_due_date": "2026-11-24"},
    TERMS | {"surprise": 1},
    TERMS | {"kind": "settlement"},
    TERMS | {"waived_interest_fen": -1},
]


def test_bad_terms_answer_422(api: Api, book: Book) -> None:
    for body in BAD_TERMS:
        for path in ("plans/preview", "plans"):
            answer = api.post(f"/api/v1/accounts/{book.accounts[0]}/{path}", "c1", body)
            assert answer.status_code == 422, body
    assert plans(book) == 0


def test_scope_and_permissions(api: Api, book: Book) -> None:
    outside, missing = book.accounts[4], 999_999  # c2's account, none
    for account in (outside, missing):
        assert api.post(f"/api/v1/accounts/{account}/plans/preview", "c1", TERMS).status_code == 404
        assert api.post(f"/api/v1/accounts/{account}/plans", "c1", TERMS).status_code == 404
    assert api.post(f"/api/v1/accounts/{book.accounts[0]}/plans", "v1", TERMS).status_code == 403
    assert api.client.post(f"/api/v1/accounts/{book.accounts[0]}/plans", json=TERMS).status_code == 401
    assert api.post("/api/v1/approvals/999999/decision", "boss", {"decision": "approve"}).status_code == 404
    assert api.post("/api/v1/approvals/1/decision", "c1", {"decision": "approve"}).status_code == 403
    assert api.client.get("/api/v1/plans/999999", headers=api.headers("boss")).status_code == 404


def test_decisions_refused_over_http(api: Api, book: Book) -> None:
    own = api.post(f"/api/v1/accounts/{book.accounts[0]}/plans", "lead_east", TERMS | {"months": 30}).json()
    west = api.post(f"/api/v1/accounts/{book.accounts[4]}/plans", "c2", TERMS | {"months": 18}).json()

    own_path, west_path = (f"/api/v1/approvals/{p['approval_id']}/decision" for p in (own, west))
    assert api.post(own_path, "lead_east", {"decision": "approve"}).status_code == 422  # their own
    assert api.post(west_path, "lead_east", {"decision": "approve"}).status_code == 404  # another team's
    assert api.post(west_path, "lead_west", {"decision": "reject"}).status_code == 422  # no reason given
    assert api.post(west_path, "lead_west", {"decision": "maybe"}).status_code == 422
    rejected = api.post(west_path, "lead_west", {"decision": "reject", "comment": "income too low"})
    assert rejected.status_code == 200 and rejected.json()["plan_status"] == "rejected"
    assert api.post(own_path, "boss", {"decision": "approve"}).json()["plan_status"] == "active"
