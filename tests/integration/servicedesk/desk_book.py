"""The service-desk tests' book: the web tests' UCI book (a user of every role, a completed run's call
queue), the desk's setup under the cn policy, and helpers to read users, holds, cases and the audit."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.models import AppUser, AuditEvent, CardAccount, Hold, ServiceCase, table_of
from arrears.servicedesk.setup import DeskSetup
from arrears.users.service import StaffUser
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import PASSWORD

DESK = DeskSetup.of(Settings(), load_policy("cn"))


def user(engine: Engine, username: str) -> StaffUser:
    u = table_of(AppUser)
    with engine.connect() as connection:
        row = connection.execute(select(u).where(u.c.username == username)).one()
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id, row.token_version)


def accounts(engine: Engine) -> list[tuple[int, int]]:
    """(account id, customer id) of the book's accounts, in id order."""
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return [
            (row.id, row.customer_id)
            for row in connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id))
        ]


def rows(engine: Engine, model: Any, *conditions: Any) -> list[dict[str, Any]]:
    table = table_of(model)
    with engine.connect() as connection:
        query = select(table).where(*conditions).order_by(table.c.id)
        return [dict(row) for row in connection.execute(query).mappings()]


def holds(engine: Engine) -> list[dict[str, Any]]:
    return rows(engine, Hold)


def cases(engine: Engine) -> list[dict[str, Any]]:
    return rows(engine, ServiceCase)


def audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    return rows(engine, AuditEvent, table_of(AuditEvent).c.action == action)


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def app_for(engine: Engine, tmp_path: Path) -> Any:
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    return create_app(settings, engine=engine)


def staff_client(app: Any, username: str) -> tuple[TestClient, str]:
    """A client signed in to the staff pages through the form, and its session's CSRF token."""
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    fields = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=fields, follow_redirects=False).status_code == 303
    found = CSRF.search(client.get("/account/password").text)
    assert found is not None
    return client, found.group(1)
