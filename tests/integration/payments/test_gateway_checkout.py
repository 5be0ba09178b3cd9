"""The simulated gateway's checkout page: Pay and Cancel go through the notification handler; CSRF,
expired and paid orders, the receipt before and after the notification."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from gateway_support import (
    ACCOUNT_NO,
    NOW,
    account,
    client,
    new_order,
    notification,
    notifications,
    order,
    payments,
    seed_account,
    settings_for,
)
from httpx import Response
from sqlalchemy import Engine

from arrears.payments import orders as orders_module
from arrears.web.pages import pay_gateway

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def clock_at_now(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages read the clock: pinned to the orders' creation time (they expire 30 minutes later)."""
    monkeypatch.setattr(pay_gateway, "now", lambda: NOW + timedelta(minutes=1))
    monkeypatch.setattr("arrears.api.payments.now", lambda: NOW + timedelta(minutes=1))


def _token(web: TestClient, out_trade_no: str) -> str:
    found = TOKEN.search(web.get(f"/pay/simulated/{out_trade_no}").text)
    assert found is not None
    return found.group(1)


def _pay(web: TestClient, out_trade_no: str, action: str, token: str | None = None) -> Response:
    fields = {"action": action, "csrf_token": token or _token(web, out_trade_no)}
    return web.post(f"/pay/simulated/{out_trade_no}", data=fields, follow_redirects=False)


def test_the_checkout_shows_the_amount_and_the_masked_account(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    out_trade_no = new_order(engine, settings, seed_account(engine), 123_45)

    page = client(engine, settings).get(f"/pay/simulated/{out_trade_no}")

    assert page.status_code == 200
    assert "¥123.45" in page.text and "2222" in page.text
    assert ACCOUNT_NO not in page.text and "张三" not in page.text
    assert 'value="pay"' in page.text and 'value="cancel"' in page.text
    assert "http://" not in page.text.replace('xmlns="http://', "") and "https://" not in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")


def test_pay_posts_through_the_notification_and_shows_the_receipt(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)

    answer = _pay(web, out_trade_no, "pay")

    assert answer.status_code == 303
    assert answer.headers["location"] == f"/pay/simulated/{out_trade_no}/done"
    [paid] = payments(engine, account_id)
    assert paid["trade_no"].startswith("SIM20261124")
    assert [n["outcome"] for n in notifications(engine)] == ["posted"]
    receipt = web.get(f"/pay/simulated/{out_trade_no}/done")
    assert "¥200.00" in receipt.text and paid["trade_no"] in receipt.text
    again = web.get(f"/pay/simulated/{out_trade_no}")
    assert 'value="pay"' not in again.text


def test_a_portal_order_returns_to_the_portals_receipt(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    out_trade_no = new_order(engine, settings, seed_account(engine), 200_00, via="portal")

    answer = _pay(client(engine, settings), out_trade_no, "pay")

    assert answer.headers["location"] == f"/my/pay/{out_trade_no}/done"


def test_cancel_closes_the_order_and_posts_nothing(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)

    token = _token(web, out_trade_no)
    answer = _pay(web, out_trade_no, "cancel", token)

    assert answer.status_code == 303
    assert order(engine, out_trade_no)["status"] == "closed"
    assert payments(engine, account_id) == []
    assert [n["outcome"] for n in notifications(engine)] == ["closed"]
    assert _pay(web, out_trade_no, "pay", token).status_code == 409
    assert payments(engine, account_id) == []


def test_a_post_without_the_pages_token_is_refused(engine: Engine, tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)
    web.get(f"/pay/simulated/{out_trade_no}")

    forged = web.post(f"/pay/simulated/{out_trade_no}", data={"action": "pay", "csrf_token": "guessed"})
    cookieless = client(engine, settings).post(f"/pay/simulated/{out_trade_no}", data={"action": "pay"})

    assert (forged.status_code, cookieless.status_code) == (403, 403)
    assert payments(engine, account_id) == []


def test_an_expired_order_shows_so_and_cannot_be_paid(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)
    token = _token(web, out_trade_no)
    monkeypatch.setattr(pay_gateway, "now", lambda: NOW + timedelta(minutes=settings.payment_order_minutes))

    page = web.get(f"/pay/simulated/{out_trade_no}")
    answer = web.post(f"/pay/simulated/{out_trade_no}", data={"action": "pay", "csrf_token": token})

    assert "该支付订单已过期" in page.text and 'value="pay"' not in page.text  # zh-CN by default: expired
    assert answer.status_code == 409
    assert payments(engine, account_id) == []


def test_a_notification_before_the_browser_returns(engine: Engine, tmp_path: Path) -> None:
    """The gateway's notification may come before the browser's return, or after: the receipt says which."""
    settings = settings_for(tmp_path)
    account_id = seed_account(engine)
    out_trade_no = new_order(engine, settings, account_id, 200_00)
    web = client(engine, settings)

    waiting = web.get(f"/pay/simulated/{out_trade_no}/done")
    web.post("/api/v1/payments/notify/simulated", data=notification(out_trade_no, 200_00, trade_no="T-1"))
    returned = web.get(f"/pay/simulated/{out_trade_no}/done")

    assert 'http-equiv="refresh"' in waiting.text
    assert 'http-equiv="refresh"' not in returned.text and "T-1" in returned.text
    assert len(payments(engine, account_id)) == 1
    assert account(engine, account_id)["principal_fen"] == 3_000_00 - 30_00


def test_an_unknown_order_is_not_found(engine: Engine, tmp_path: Path) -> None:
    web = client(engine, settings_for(tmp_path))

    assert web.get("/pay/simulated/NOSUCH").status_code == 404
    assert web.get("/pay/simulated/bad%20number").status_code == 422
    assert orders_module.new_out_trade_no(NOW).startswith("20261124")
