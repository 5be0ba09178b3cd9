"""API tokens and page sessions end when the user's credentials or access change, on SQLite and
PostgreSQL: a password change, a lockout, a role or team change and a deactivation."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, insert, select

from arrears.audit.repository import AuditLog, audit_transaction
from arrears.config import Settings
from arrears.kit.errors import ArrearsError, NotFound
from arrears.models import AppUser, Team, table_of
from arrears.users import passwords
from arrears.users.service import (
    MAX_FAILURES,
    SignInFailed,
    activate,
    authenticate,
    change_password,
    change_role,
    create_user,
    deactivate,
)
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER

PASSWORD = "correct horse battery"
NEW_PASSWORD = "a brand new passphrase"
NOW = datetime(2026, 11, 24, 9, tzinfo=UTC)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture
def client(engine: Engine, tmp_path: Path) -> TestClient:
    with engine.begin() as connection:
        connection.execute(insert(table_of(Team)).values(code="phone-b", name="b", kind="phone"))
        for name in ("u1", "u2"):
            create_user(
                connection, username=name, display_name=name, role="collector", password=PASSWORD, now=NOW
            )
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    return TestClient(create_app(settings, engine=engine))


def token(client: TestClient, username: str = "u1", password: str = PASSWORD) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def works(client: TestClient, headers: dict[str, str]) -> bool:
    """Whether the token still signs in (``GET /api/v1/callbacks`` needs only a collector's token)."""
    status = client.get("/api/v1/callbacks", headers=headers).status_code
    assert status in (200, 401, 403)
    return status != 401


def page_session(client: TestClient, username: str = "u1") -> TestClient:
    """A browser signed in to the pages (its own cookies)."""
    browser = TestClient(client.app)
    found = CSRF.search(browser.get("/login").text)
    assert found is not None
    fields = {"username": username, "password": PASSWORD, "csrf_token": found.group(1)}
    assert browser.post("/login", data=fields, follow_redirects=False).status_code == 303
    return browser


def signed_in(browser: TestClient) -> bool:
    return browser.get("/", follow_redirects=False).status_code == 200


def in_transaction(engine: Engine, change: Callable[[Connection], object]) -> None:
    with audit_transaction(engine) as connection:
        change(connection)


def test_a_password_change_ends_the_tokens_and_the_sessions(client: TestClient, engine: Engine) -> None:
    before, browser, other = token(client), page_session(client), token(client, "u2")

    in_transaction(
        engine, lambda c: change_password(c, user_id=1, current=PASSWORD, new=NEW_PASSWORD, now=NOW)
    )

    assert not works(client, before) and not signed_in(browser)
    assert works(client, token(client, password=NEW_PASSWORD)) and works(client, other)


def test_a_lockout_ends_the_tokens_and_the_sessions(client: TestClient) -> None:
    before, browser = token(client), page_session(client)

    for _ in range(MAX_FAILURES):
        client.post("/api/v1/auth/token", data={"username": "u1", "password": "not the password"})

    assert not works(client, before) and not signed_in(browser)


def test_failures_short_of_a_lockout_leave_the_tokens(client: TestClient) -> None:
    before = token(client)

    for _ in range(MAX_FAILURES - 1):
        client.post("/api/v1/auth/token", data={"username": "u1", "password": "not the password"})

    assert works(client, before)


def test_a_role_change_ends_the_tokens_and_the_sessions(client: TestClient, engine: Engine) -> None:
    before, browser, other = token(client), page_session(client), token(client, "u2")

    in_transaction(engine, lambda c: change_role(c, username="u1", role="visitor", actor="admin", now=NOW))

    assert not works(client, before) and not signed_in(browser) and works(client, other)
    with engine.connect() as connection:
        assert connection.execute(
            select(table_of(AppUser).c.role).where(table_of(AppUser).c.id == 1)
        ).scalar() == ("visitor")
        entry = AuditLog(connection).last()
    assert entry is not None and entry.action == "user.role_changed" and '"role":"visitor"' in entry.details


def test_a_team_change_ends_the_tokens(client: TestClient, engine: Engine) -> None:
    before = token(client)

    in_transaction(
        engine,
        lambda c: change_role(
            c, username="u1", role="collector", team_code="phone-b", actor="admin", now=NOW
        ),
    )

    assert not works(client, before)


def test_a_deactivation_ends_the_tokens_and_the_sessions(client: TestClient, engine: Engine) -> None:
    before, browser = token(client), page_session(client)

    in_transaction(engine, lambda c: deactivate(c, username="u1", actor="admin", now=NOW))

    assert not works(client, before) and not signed_in(browser)
    with engine.begin() as connection, pytest.raises(SignInFailed):
        authenticate(connection, username="u1", password=PASSWORD, now=NOW + timedelta(seconds=1))
    in_transaction(engine, lambda c: activate(c, username="u1", actor="admin", now=NOW))
    assert not works(client, before)  # an old token stays ended
    assert works(client, token(client))


def test_role_changes_refuse_unknown_users_roles_and_teams(client: TestClient, engine: Engine) -> None:
    with audit_transaction(engine) as connection:
        with pytest.raises(NotFound):
            change_role(connection, username="nobody", role="visitor", actor="admin", now=NOW)
        with pytest.raises(ArrearsError, match="unknown role"):
            change_role(connection, username="u1", role="emperor", actor="admin", now=NOW)
        with pytest.raises(NotFound):
            change_role(
                connection, username="u1", role="visitor", team_code="nowhere", actor="admin", now=NOW
            )
        with pytest.raises(NotFound):
            deactivate(connection, username="nobody", actor="admin", now=NOW)
