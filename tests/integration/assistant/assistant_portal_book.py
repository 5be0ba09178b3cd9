"""The assistant page tests' book (the web tests' UCI book: accounts with their cardholders' names,
national IDs and phones encrypted, a user of every role), a portal client signed in as a cardholder or a
visitor's, and readers of what the assistant kept. After tests/integration/portal/requests_book.py."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import Engine, insert, select

from arrears.config import Settings
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AssistantConversation,
    AssistantTurn,
    AuditEvent,
    CardAccount,
    ContactPoint,
    Customer,
    Hold,
    PortalRequest,
    ServiceCase,
    table_of,
)
from arrears.portal import sessions
from arrears.portal.deps import PORTAL_COOKIE
from arrears.users import passwords
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD, build_book, personal_data

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HOTLINE = "95588"


@dataclass(frozen=True)
class Holder:
    customer_id: int
    account_id: int
    account_no: str
    name: str
    national_id: str
    phones: list[str]
    address: str

    @property
    def mobile(self) -> str:
        return next(phone for phone in self.phones if len(phone) == 11 and phone.startswith("1"))


@pytest.fixture(autouse=True, name="fast_password_hashing")
def fast_password_hashing_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture(name="book")
def book_fixture(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_book(engine, tmp_path, cipher)


def settings_for(tmp_path: Path) -> Settings:
    key = base64.b64encode(TEST_KEY).decode()
    return Settings(data_dir=tmp_path, encryption_key=key, sms_hotline=HOTLINE)


def app_for(engine: Engine, tmp_path: Path) -> Any:
    return create_app(settings_for(tmp_path), engine=engine)


def holders(engine: Engine, cipher: FieldCipher, count: int = 2) -> list[Holder]:
    """The first ``count`` accounts' cardholders, with their personal data in clear."""
    a = table_of(CardAccount)
    with engine.connect() as connection:
        rows = connection.execute(select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id)).all()
    found = []
    for row in rows[:count]:
        name, national_id, phones = personal_data(engine, cipher, row.id)
        address = _home_address(engine, cipher, row.customer_id)
        found.append(Holder(row.customer_id, row.id, row.account_no, name, national_id, phones, address))
    return found


def _home_address(engine: Engine, cipher: FieldCipher, customer_id: int) -> str:
    p = table_of(ContactPoint)
    query = select(p.c.value_enc).where(p.c.customer_id == customer_id, p.c.kind == "home_address")
    with engine.connect() as connection:
        return cipher.decrypt(connection.execute(query).scalar_one())


def second_account(engine: Engine, holder: Holder, *, dpd: int, overdue_fen: int) -> str:
    """Another account for the holder (a copy of their first, with its own number and arrears)."""
    a = table_of(CardAccount)
    with engine.begin() as connection:
        row = dict(connection.execute(select(a).where(a.c.id == holder.account_id)).mappings().one())
        number = "9" + holder.account_no[1:]
        row.pop("id")
        row |= {"account_no": number, "account_tail": number[-4:], "dpd": dpd, "overdue_fen": overdue_fen,
                "arrears_fen": overdue_fen, "arrears_due_date": date(2005, 9, 1)}  # fmt: skip
        connection.execute(insert(a).values(**row))
    return number


def portal_client(app: Any, engine: Engine, customer_id: int) -> tuple[TestClient, str]:
    """A client signed in to the portal as the customer, and its CSRF token."""
    client = TestClient(app, base_url="https://testserver")
    with engine.begin() as connection:
        token = sessions.start(connection, customer_id=customer_id, now=clock.now())
        found = sessions.find(connection, token=token, now=clock.now(), idle=timedelta(minutes=15))
    assert found is not None
    client.cookies.set(PORTAL_COOKIE, token, domain="testserver.local", path="/my")
    return client, found.csrf_token


def visitor_client(app: Any) -> tuple[TestClient, str]:
    """A client with no session that opened the page (its double-submit token from the page)."""
    client = TestClient(app, base_url="https://testserver")
    return client, csrf_of(client.get("/my/assistant"))


def csrf_of(page: Response) -> str:
    found = CSRF.search(page.text)
    assert found is not None, page.text[:500]
    return found.group(1)


def ask(client: TestClient, csrf: str, text: str, *, htmx: bool = False, **fields: str) -> Response:
    """A question posted as the form does (``htmx``: as htmx does), not following the redirect."""
    headers = {"HX-Request": "true"} if htmx else {}
    data = {"csrf_token": csrf, "text": text, **fields}
    return client.post("/my/assistant", data=data, headers=headers, follow_redirects=False)


def rows(engine: Engine, model: Any) -> list[dict[str, Any]]:
    table = table_of(model)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(table).order_by(table.c.id)).mappings()]


def turns(engine: Engine) -> list[dict[str, Any]]:
    return rows(engine, AssistantTurn)


def conversations(engine: Engine) -> list[dict[str, Any]]:
    return rows(engine, AssistantConversation)


def cases(engine: Engine) -> list[dict[str, Any]]:
    return rows(engine, ServiceCase)


def requests_rows(engine: Engine) -> list[dict[str, Any]]:
    return rows(engine, PortalRequest)


def holds(engine: Engine) -> list[dict[str, Any]]:
    return rows(engine, Hold)


def audit(engine: Engine, action: str) -> list[dict[str, Any]]:
    return [row for row in rows(engine, AuditEvent) if row["action"] == action]


def customer_name(engine: Engine, customer_id: int) -> str:
    c = table_of(Customer)
    with engine.connect() as connection:
        return str(connection.execute(select(c.c.name).where(c.c.id == customer_id)).scalar_one())


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
