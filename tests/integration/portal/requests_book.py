"""The portal-request tests' book (the web tests' UCI book: accounts, a user of every role), a portal
client signed in as a cardholder, the staff router mounted, and small files of each kind."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, CardAccount, Hold, PortalRequest, table_of
from arrears.portal import sessions
from arrears.portal.deps import PORTAL_COOKIE
from arrears.servicedesk.setup import DeskSetup
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import portal_requests
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD, build_book

LIMIT = 10_000  # the smallest portal_upload_bytes the settings allow
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200
WEBP = b"RIFF\x00\x01\x00\x00WEBPVP8 " + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"1 0 obj\n" * 20
HTML = b"<html><script>alert(1)</script></html>"
DESK = DeskSetup.of(Settings(), load_policy("cn"))  # the service desk's deadlines, calendar and pause


@dataclass(frozen=True)
class Holder:
    customer_id: int
    account_id: int
    account_no: str


@pytest.fixture(autouse=True, name="fast_password_hashing")
def fast_password_hashing_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture(name="book")
def book_fixture(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_book(engine, tmp_path, cipher)


def settings_for(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode(),
                    portal_upload_bytes=LIMIT)  # fmt: skip


def app_for(engine: Engine, tmp_path: Path) -> Any:
    """The app, with the staff router of portal requests mounted if app.py does not yet."""
    app = create_app(settings_for(tmp_path), engine=engine)
    if not any(getattr(route, "path", "") == "/portal-requests" for route in app.routes):
        app.include_router(portal_requests.router)
    return app


def holders(engine: Engine, count: int = 2) -> list[Holder]:
    a = table_of(CardAccount)
    with engine.connect() as connection:
        rows = connection.execute(select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id)).all()
    return [Holder(row.customer_id, row.id, row.account_no) for row in rows[:count]]


def portal_client(app: Any, engine: Engine, customer_id: int) -> tuple[TestClient, str]:
    """A client signed in to the portal as the customer, and its CSRF token."""
    client = TestClient(app, base_url="https://testserver")
    with engine.begin() as connection:
        token = sessions.start(connection, customer_id=customer_id, now=clock.now())
        found = sessions.find(connection, token=token, now=clock.now(), idle=timedelta(minutes=15))
    assert found is not None
    client.cookies.set(
        PORTAL_COOKIE, token, domain="testserver.local", path="/my"
    )  # cookiejar: a dotless host gets .local
    return client, found.csrf_token


def requests_rows(engine: Engine) -> list[dict[str, Any]]:
    r = table_of(PortalRequest)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(r).order_by(r.c.id)).mappings()]


def holds(engine: Engine) -> list[dict[str, Any]]:
    h = table_of(Hold)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(h).order_by(h.c.id)).mappings()]


def audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    e = table_of(AuditEvent)
    with engine.connect() as connection:
        query = select(e).where(e.c.action == action).order_by(e.c.id)
        return [dict(row) for row in connection.execute(query).mappings()]


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def staff(app: Any, username: str) -> tuple[TestClient, str]:
    """A client signed in to the staff pages through the form, and its session's CSRF token."""
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    fields = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=fields, follow_redirects=False).status_code == 303
    found = CSRF.search(client.get("/account/password").text)
    assert found is not None
    return client, found.group(1)
