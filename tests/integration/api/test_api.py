"""The API on SQLite and PostgreSQL: health, OpenAPI, tokens with lockout, the compliance check."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from arrears.api.deps import permitted
from arrears.compliance import check, load_policy
from arrears.config import Settings
from arrears.users.service import MAX_FAILURES, SignInFailed, StaffUser, authenticate, create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

PASSWORD = "correct horse battery"
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
SITUATION = {
    "id": "s1",
    "now": "2026-11-23T22:50:00+08:00",
    "action": {"channel": "call", "contact_point": "m1"},
    "debtor": {"timezones": ["Asia/Shanghai"]},
}


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> TestClient:
    with engine.begin() as connection:
        for username, role in (("collector1", "collector"), ("admin1", "admin")):
            create_user(
                connection, username=username, display_name=username, role=role, password=PASSWORD, now=NOW
            )
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = create_app(settings, engine=engine)

    @app.get("/test/admin-only")
    def admin_only(user: Annotated[StaffUser, Depends(permitted("user:admin"))]) -> dict[str, str]:
        return {"user": user.username}

    return TestClient(app)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> Any:
    return client.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(client: TestClient, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_in(client, username).json()['access_token']}"}


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/auth/token", "/api/v1/compliance/check", "/healthz"} <= set(paths)


def test_a_token_for_the_right_password_only(client: TestClient) -> None:
    answer = sign_in(client, "collector1")
    assert answer.status_code == 200 and answer.json()["role"] == "collector"
    wrong = sign_in(client, "collector1", "not the password")
    nobody = sign_in(client, "nobody")
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.json() == nobody.json()  # nothing says whether the user exists


def test_five_failures_lock_the_account(client: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        assert sign_in(client, "collector1", "guess guess guess").status_code == 401
    assert sign_in(client, "collector1").status_code == 401  # the right password, but locked
    assert sign_in(client, "admin1").status_code == 200  # other users are not affected


def test_the_lock_lifts_after_fifteen_minutes(engine: Engine) -> None:
    with engine.begin() as connection:
        create_user(connection, username="u", display_name="u", role="collector", password=PASSWORD, now=NOW)
    for _ in range(MAX_FAILURES):
        with engine.begin() as connection, pytest.raises(SignInFailed):
            authenticate(connection, username="u", password="wrong wrong wrong", now=NOW)
    with engine.begin() as connection, pytest.raises(SignInFailed):
        authenticate(connection, username="u", password=PASSWORD, now=NOW + timedelta(minutes=14))
    with engine.begin() as connection:
        assert (
            authenticate(connection, username="u", password=PASSWORD, now=NOW + timedelta(minutes=16)).role
            == "collector"
        )


def test_the_compliance_check_over_http_decides_as_the_library(client: TestClient) -> None:
    assert client.post("/api/v1/compliance/check", json=SITUATION).status_code == 401
    headers = bearer(client, "collector1")
    one = client.post("/api/v1/compliance/check", json=SITUATION, headers=headers)
    assert one.status_code == 200 and one.json() == check(load_policy("cn"), SITUATION).to_dict()
    assert one.json()["rules"] == ["CN-HOURS"]
    several = client.post("/api/v1/compliance/check", json=[SITUATION, {"id": "bad"}], headers=headers).json()
    assert [d["decision"] for d in several] == ["block", "error"]


def test_permissions_are_enforced(client: TestClient) -> None:
    assert client.get("/test/admin-only", headers=bearer(client, "collector1")).status_code == 403
    assert client.get("/test/admin-only", headers=bearer(client, "admin1")).json() == {"user": "admin1"}
    forged = {"Authorization": "Bearer not-a-token"}
    assert client.get("/test/admin-only", headers=forged).status_code == 401
