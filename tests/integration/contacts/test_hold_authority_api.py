"""Who may place and lift each kind of hold, over HTTP on SQLite and PostgreSQL: a legal hold is
lifted by legal only, a compliance hold by compliance, a dispute or complaint hold by customer service
or compliance; a refused role answers 403 and the hold stays."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from contact_support import DAY, PASSWORD, TEST_KEY, first_account, load_book
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Engine, select

from arrears.api import actions
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import Hold, table_of
from arrears.web.app import create_app

USERS = ("collector1", "team_lead1", "legal1", "cs1", "compliance1", "manager1")


@pytest.fixture
def client(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> TestClient:
    book = load_book(engine, tmp_path, cipher, users=USERS)
    settings = Settings(
        data_dir=tmp_path,
        encryption_key=SecretStr(base64.b64encode(TEST_KEY).decode()),
        timezone="Asia/Shanghai",
    )
    monkeypatch.setattr(actions, "now", lambda: DAY)
    return TestClient(create_app(settings, engine=book))


def headers(client: TestClient, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def place(client: TestClient, username: str, kind: str) -> tuple[int, int | None]:
    account, _ = first_account(client.app.state.engine)  # type: ignore[attr-defined]
    answer = client.post(
        f"/api/v1/accounts/{account}/holds",
        json={"kind": kind, "reason": f"{kind} notice"},
        headers=headers(client, username),
    )
    return answer.status_code, answer.json().get("id") if answer.status_code == 201 else None


def lift(client: TestClient, username: str, hold_id: int) -> int:
    answer = client.post(
        f"/api/v1/holds/{hold_id}/lift", json={"reason": "over"}, headers=headers(client, username)
    )
    return answer.status_code


def lifted(client: TestClient, hold_id: int) -> bool:
    h = table_of(Hold)
    with client.app.state.engine.connect() as connection:  # type: ignore[attr-defined]
        return connection.execute(select(h.c.lifted_at).where(h.c.id == hold_id)).scalar() is not None


def test_a_collector_cannot_lift_a_bankruptcy_hold_placed_by_legal(client: TestClient) -> None:
    status, hold_id = place(client, "legal1", "bankruptcy")
    assert status == 201 and hold_id is not None
    for username in ("collector1", "team_lead1", "manager1", "cs1", "compliance1"):
        assert lift(client, username, hold_id) == 403, username
    assert not lifted(client, hold_id)
    assert lift(client, "legal1", hold_id) == 200 and lifted(client, hold_id)


def test_a_collector_cannot_place_a_bankruptcy_hold(client: TestClient) -> None:
    assert place(client, "collector1", "bankruptcy")[0] == 403
    assert place(client, "collector1", "cease_contact")[0] == 403
    assert place(client, "collector1", "deceased")[0] == 201  # told on a call: contact stops at once


@pytest.mark.parametrize(
    ("kind", "placer", "refused", "lifter"),
    [
        ("dispute", "collector1", ("collector1", "team_lead1", "manager1", "legal1"), "cs1"),
        ("complaint", "collector1", ("collector1", "manager1"), "compliance1"),
        ("hardship", "collector1", ("collector1", "legal1"), "team_lead1"),
        ("cease_contact", "cs1", ("cs1", "manager1", "legal1"), "compliance1"),
        ("deceased", "cs1", ("cs1", "compliance1", "manager1"), "legal1"),
    ],
)
def test_each_kind_is_lifted_by_its_owners(
    client: TestClient, kind: str, placer: str, refused: tuple[str, ...], lifter: str
) -> None:
    status, hold_id = place(client, placer, kind)
    assert status == 201 and hold_id is not None
    for username in refused:
        assert lift(client, username, hold_id) == 403, username
    assert lift(client, lifter, hold_id) == 200 and lifted(client, hold_id)


def test_the_lifted_hold_comes_back_with_its_reason_masked(client: TestClient) -> None:
    account, _ = first_account(client.app.state.engine)  # type: ignore[attr-defined]
    reason = {"kind": "dispute", "reason": "disputes the fee, new number 13812345678"}
    placed = client.post(
        f"/api/v1/accounts/{account}/holds", json=reason, headers=headers(client, "collector1")
    )
    answer = client.post(
        f"/api/v1/holds/{placed.json()['id']}/lift",
        json={"reason": "refunded"},
        headers=headers(client, "cs1"),
    )
    assert answer.status_code == 200 and answer.json()["reason"] == "disputes the fee, new number 138****5678"
