"""The case page after a payment (TestClient, SQLite and PostgreSQL): the collector who holds the case
still opens it and sees the banner "payment received at HH:MM, withdrawn from the queue" and the
payment; without a withdrawal there is no banner; the collector's pay link creates an order and queues
its SMS."""

from __future__ import annotations

import base64
import re
from datetime import datetime
from pathlib import Path

import pytest
from effects_support import accounts, post_by_hand, rows
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import AppUser, OutboxMessage, PaymentOrder, table_of
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import pay_link
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD, build_book

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
SHANGHAI_DAY = datetime.fromisoformat("2026-11-24T10:30:00+08:00")


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_book(engine, tmp_path, cipher)


@pytest.fixture
def client(book: Engine, tmp_path: Path) -> TestClient:
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode(),
                        gateway_secret="s" * 32, public_url="https://arrears.example")  # fmt: skip
    app = create_app(settings, engine=book)
    if not any(getattr(route, "path", "") == "/cases/{account_id:id}/payments" for route in app.routes):
        app.include_router(pay_link.router)  # until the lead registers it in app.py
    return TestClient(app)


def signed_in(client: TestClient, username: str) -> str:
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    fields = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = client.post("/login", data=fields, follow_redirects=False)
    assert answer.status_code == 303
    found = CSRF.search(client.get("/").text)
    assert found is not None
    return found.group(1)


def claimed_case(client: TestClient, username: str) -> int:
    token = signed_in(client, username)
    answer = client.post("/queue/next", data={"csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303
    return int(answer.headers["location"].rsplit("/", 1)[1])


def test_the_collector_with_the_case_open_sees_the_withdrawal(book: Engine, client: TestClient) -> None:
    account_id = claimed_case(client, "collector1")
    before = client.get(f"/cases/{account_id}")
    assert before.status_code == 200 and 'id="payment-withdrawn"' not in before.text

    post_by_hand(book, account_id, 12_345, overdue_after=0, ref="TRADE-9")

    page = client.get(f"/cases/{account_id}")
    assert page.status_code == 200  # a withdrawn case of theirs still opens
    assert 'id="payment-withdrawn"' in page.text
    banner = page.text.split('id="payment-withdrawn"', 1)[1].split("</p>", 1)[0]
    assert "10:30" in banner  # the posting's time, in the staff's zone (Asia/Shanghai)
    assert "TRADE-9" in page.text and "123.45" in page.text
    fragment = client.get(f"/cases/{account_id}/payments")  # what the page polls
    assert fragment.status_code == 200 and 'id="payment-withdrawn"' in fragment.text


def test_a_payment_that_leaves_the_account_overdue_shows_no_banner(book: Engine, client: TestClient) -> None:
    account_id = claimed_case(client, "collector1")
    post_by_hand(book, account_id, 100, overdue_after=5_000)
    page = client.get(f"/cases/{account_id}")
    assert 'id="payment-withdrawn"' not in page.text and "T1" in page.text


def test_the_collector_sends_a_pay_link_by_sms(
    book: Engine, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pay_link, "now", lambda: SHANGHAI_DAY)  # inside the hours SMS may go
    account_id = claimed_case(client, "collector1")
    token = CSRF.search(client.get(f"/cases/{account_id}").text)
    assert token is not None
    fields = {"amount": "50.00", "csrf_token": token.group(1)}
    answer = client.post(f"/cases/{account_id}/pay-link", data=fields, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    [order] = rows(book, PaymentOrder, account_id=account_id)
    assert (order["amount_fen"], order["created_via"]) == (5_000, "staff")
    with book.connect() as connection:
        user = connection.execute(
            select(table_of(AppUser).c.id).where(table_of(AppUser).c.username == "collector1")
        )
        assert order["created_by_id"] == user.scalar_one()
    [sms] = rows(book, OutboxMessage, account_id=account_id, template="pay_link")
    assert sms["status"] == "queued" and f"/pay/simulated/{order['out_trade_no']}" in sms["body"]
    refused = client.post(
        f"/cases/{account_id}/pay-link", data={"amount": "abc", "csrf_token": token.group(1)}
    )
    assert refused.status_code == 422
    assert accounts(book)


def test_the_case_page_shows_the_cardholders_contact_preferences(book: Engine, client: TestClient) -> None:
    """Hours and channels a cardholder chose in the portal show to the collector on the case page."""
    from sqlalchemy import insert

    from arrears.models import CardAccount, ContactPreference

    account_id = claimed_case(client, "collector1")
    assert "18:00" not in client.get(f"/cases/{account_id}").text
    a = table_of(CardAccount)
    with book.begin() as connection:
        customer = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar_one()
        connection.execute(insert(table_of(ContactPreference)).values(
            customer_id=customer, hours_from="18:00", hours_to="20:00", channels="call,sms",
            updated_at=SHANGHAI_DAY))  # fmt: skip
    page = client.get(f"/cases/{account_id}")
    assert page.status_code == 200 and "18:00" in page.text and "20:00" in page.text
