"""The contact actions over HTTP on SQLite and PostgreSQL: permissions (403), scope (404), refusals
(422), and the rulebook's decision on what a collector is about to do."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from contact_support import DAY, NIGHT, PASSWORD, TEST_KEY, first_account, load_book, point_of
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from arrears.api import actions
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import ContactEvent, OutboxMessage, table_of
from arrears.web.app import create_app


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return load_book(engine, tmp_path, cipher)


@dataclass
class Api:
    client: TestClient
    account: int
    customer: int
    clock: list[datetime]
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, username: str) -> dict[str, str]:
        """The user's bearer header (signed in once: each sign-in checks an Argon2 hash)."""
        if username not in self.tokens:
            answer = self.client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            self.tokens[username] = answer.json()["access_token"]
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture
def api(book: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Api:
    settings = Settings(
        data_dir=tmp_path,
        encryption_key=SecretStr(base64.b64encode(TEST_KEY).decode()),
        timezone="Asia/Shanghai",
    )
    app = create_app(settings, engine=book)
    app.state.settings = settings
    app.include_router(actions.router)
    clock = [DAY]
    monkeypatch.setattr(actions, "now", lambda: clock[0])
    account, customer = first_account(book)
    return Api(TestClient(app), account, customer, clock)


def events(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(ContactEvent))).scalar_one())


def queued(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(OutboxMessage))).scalar_one())


def test_the_call_check_before_dialling(api: Api) -> None:
    client, me = api.client, api.headers("collector1")
    url = f"/api/v1/accounts/{api.account}/call-check"

    now = client.get(url, headers=me)
    assert now.status_code == 200 and now.json()["allowed"] and now.json()["decision"] == "allow"
    home = point_of_home(api)
    night = client.get(url, params={"contact_point_id": home, "at": NIGHT.isoformat()}, headers=me).json()
    assert night["rules"] == ["CN-HOURS"] and night["contact_point_id"] == home
    assert night["reasons"][0]["zh"] and night["next_allowed_at"] == "2026-11-25T08:00:00+08:00"
    assert client.get(url, params={"at": "2026-11-24T10:00:00"}, headers=me).status_code == 422
    assert client.get(url, params={"party": "neighbour"}, headers=me).status_code == 422
    assert client.get(url, headers=api.headers("collector2")).status_code == 404  # not in scope
    assert client.get(url, headers=api.headers("team_lead1")).status_code == 200  # the book
    assert (
        client.get("/api/v1/accounts/999999/call-check", headers=api.headers("team_lead1")).status_code == 404
    )
    assert client.get(url).status_code == 401


def point_of_home(api: Api) -> int:
    engine = api.client.app.state.engine  # type: ignore[attr-defined]
    return point_of(engine, api.customer, "home_phone")


def test_sms_preview_and_send(api: Api) -> None:
    client, me = api.client, api.headers("collector1")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    base = f"/api/v1/accounts/{api.account}/sms"

    shown = client.post(f"{base}/preview", json={"template": "overdue"}, headers=me)
    assert shown.status_code == 200 and set(shown.json()["texts"]) == {"zh", "en"}
    assert client.post(f"{base}/preview", json={"template": "nope"}, headers=me).status_code == 422
    assert (
        client.post(
            f"{base}/preview", json={"template": "overdue"}, headers=api.headers("visitor1")
        ).status_code
        == 403
    )

    once = me | {"Idempotency-Key": "click-0001"}
    sent = client.post(base, json={"template": "reminder", "locale": "en"}, headers=once)
    again = client.post(base, json={"template": "reminder", "locale": "en"}, headers=once)
    assert (
        sent.status_code == 201
        and sent.json()["text"].startswith("Dear")
        and sent.json()["status"] == "queued"
    )
    assert again.json()["id"] == sent.json()["id"] and queued(engine) == 1 and events(engine) == 0
    assert (
        client.post(base, json={"template": "reminder"}, headers=me | {"Idempotency-Key": "x"}).status_code
        == 422
    )
    api.clock[0] = NIGHT
    blocked = client.post(base, json={"template": "reminder"}, headers=me)
    assert blocked.status_code == 422 and blocked.json()["detail"]["rules"] == ["CN-HOURS"]
    assert blocked.json()["detail"]["next_allowed_at"] == "2026-11-25T08:00:00+08:00" and queued(engine) == 1
    assert (
        client.post(base, json={"template": "reminder"}, headers=api.headers("collector2")).status_code == 404
    )


def test_callbacks(api: Api) -> None:
    client, me = api.client, api.headers("collector1")
    url = f"/api/v1/accounts/{api.account}/callbacks"

    made = client.post(url, json={"due_at": (DAY + timedelta(hours=2)).isoformat(), "note": "n"}, headers=me)
    assert made.status_code == 201 and made.json()["status"] == "open"
    assert client.post(url, json={"due_at": NIGHT.isoformat()}, headers=me).json()["detail"]["rules"] == [
        "CN-HOURS"
    ]
    assert client.post(url, json={"due_at": "2026-11-24T12:00:00"}, headers=me).status_code == 422
    assert (
        client.post(url, json={"due_at": DAY.isoformat()}, headers=api.headers("visitor1")).status_code == 403
    )
    listed = client.get("/api/v1/callbacks", headers=me).json()
    assert [c["id"] for c in listed] == [made.json()["id"]]
    assert client.get("/api/v1/callbacks", headers=api.headers("collector2")).json() == []
    done = f"/api/v1/callbacks/{made.json()['id']}/done"
    assert client.post(done, headers=api.headers("collector2")).status_code == 404
    assert client.post(done, headers=me).json()["status"] == "done"
    assert client.post(done, headers=me).status_code == 422
    assert client.post("/api/v1/callbacks/999/cancel", headers=me).status_code == 404


def test_visit_and_legal_requests(api: Api) -> None:
    client, me = api.client, api.headers("collector1")
    visit_url = f"/api/v1/accounts/{api.account}/requests/visit"
    legal_url = f"/api/v1/accounts/{api.account}/requests/legal-review"

    visit = client.post(visit_url, json={"reason": "no answer for a week"}, headers=me)
    assert visit.status_code == 201 and visit.json()["kind"] == "visit"
    assert client.post(visit_url, json={"reason": "again"}, headers=me).status_code == 422
    assert client.post(legal_url, json={"reason": ""}, headers=me).status_code == 422
    assert client.post(legal_url, json={"reason": "r"}, headers=me).status_code == 201
    legal = api.headers("legal1")
    assert client.post(visit_url, json={"reason": "r"}, headers=legal).status_code == 403
    assert client.post(visit_url, json={"reason": "r"}, headers=api.headers("collector2")).status_code == 404

    lead = api.headers("team_lead1")
    visits = client.get("/api/v1/requests/visit", headers=lead)
    assert visits.status_code == 200 and [r["id"] for r in visits.json()] == [visit.json()["id"]]
    assert client.get("/api/v1/requests/visit", headers=me).status_code == 403
    assert len(client.get("/api/v1/requests/legal-review", headers=legal).json()) == 1
    assert client.get("/api/v1/requests/legal-review", headers=lead).status_code == 403


def test_holds_block_the_call_and_are_audited(api: Api) -> None:
    client, me = api.client, api.headers("collector1")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    url = f"/api/v1/accounts/{api.account}/holds"
    body = {"kind": "dispute", "reason": "disputes the annual fee"}

    assert client.post(url, json=body, headers=api.headers("admin1")).status_code == 403
    assert client.post(url, json=body, headers=api.headers("collector2")).status_code == 404
    assert client.post(url, json={"kind": "holiday", "reason": "r"}, headers=me).status_code == 422
    placed = client.post(url, json=body, headers=me)
    assert placed.status_code == 201 and placed.json()["account_id"] is None  # all the cardholder's accounts
    check = client.get(f"/api/v1/accounts/{api.account}/call-check", headers=me).json()
    assert check["rules"] == ["CN-HOLD"] and not check["allowed"]

    lift = f"/api/v1/holds/{placed.json()['id']}/lift"
    assert client.post(lift, json={"reason": "r"}, headers=api.headers("collector2")).status_code == 404
    # a collector lifts no hold: customer service lifts a dispute hold
    assert client.post(lift, json={"reason": "fee refunded"}, headers=me).status_code == 403
    service = api.headers("cs1")
    assert client.post(lift, json={"reason": "fee refunded"}, headers=service).status_code == 200
    assert client.post(lift, json={"reason": "again"}, headers=service).status_code == 422
    assert client.post("/api/v1/holds/999/lift", json={"reason": "r"}, headers=me).status_code == 404
    assert client.get(f"/api/v1/accounts/{api.account}/call-check", headers=me).json()["allowed"]
    with engine.connect() as connection:
        entries = AuditLog(connection).entries()
    assert [e.action for e in entries] == ["hold.placed", "hold.lifted"] and verify(entries) == []
    assert [e.actor for e in entries] == ["collector1", "cs1"]
