"""Attacks on the portal's sessions and on other cardholders' records: a planted cookie, the cookies'
flags, every POST without its CSRF token, a used challenge replayed, and every /my URL with another
cardholder's account, order or request (and with odd path values)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from offers_book import client_for as offers_client
from offers_book import seed as seed_offers
from signin_book import add_holder, details, enter, last_code
from signin_book import client_for as signin_client
from sqlalchemy import Engine, func, select

from arrears.audit.repository import audit_transaction
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import Callback, PortalRequest, PromiseToPay, RepaymentPlan, table_of
from arrears.models.payments import PaymentOrder
from arrears.payments.orders import create_order
from arrears.portal.deps import CHALLENGE_COOKIE, PORTAL_COOKIE

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _flat(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _flat(route.original_router.routes)
        elif hasattr(route, "routes") and not isinstance(route, APIRoute):
            yield from _flat(route.routes)
        else:
            yield route


def _cookie_lines(answer: Any) -> dict[str, str]:
    return {line.split("=", 1)[0]: line for line in answer.headers.get_list("set-cookie")}


def test_a_planted_cookie_never_becomes_signed_in_and_the_cookies_carry_their_flags(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = add_holder(engine, cipher, 401)
    client = signin_client(engine, tmp_path)
    client.base_url = client.base_url.copy_with(scheme="https")
    planted = "planted-by-someone-else-0123456789abcdefghijklmno"
    client.cookies.set(PORTAL_COOKIE, planted, path="/my")
    step = details(client, holder.account_no[-4:], holder.national_id[-6:])
    assert step.status_code == 303
    signed = enter(client, last_code(engine, holder.customer_id))
    assert signed.status_code == 303
    lines = _cookie_lines(signed)
    assert planted not in lines[PORTAL_COOKIE]
    set_lines = [lines[PORTAL_COOKIE], *step.headers.get_list("set-cookie")]
    assert {line.split("=", 1)[0] for line in set_lines} >= {PORTAL_COOKIE, CHALLENGE_COOKIE}
    for line in set_lines:
        low = line.lower()
        assert all(flag in low for flag in ("path=/my", "httponly", "samesite=lax", "secure")), line
    assert "max-age=0" in lines[CHALLENGE_COOKIE].lower()  # the challenge cookie is dropped
    other = TestClient(client.app, base_url="https://testserver")
    other.cookies.set(PORTAL_COOKIE, planted, path="/my")
    assert other.get("/my", follow_redirects=False).status_code == 303


def test_a_used_challenge_cannot_sign_in_again(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 402)
    client = signin_client(engine, tmp_path)
    details(client, holder.account_no[-4:], holder.national_id[-6:])
    challenge = client.cookies.get(CHALLENGE_COOKIE)
    code = last_code(engine, holder.customer_id)
    assert enter(client, code).status_code == 303
    thief = signin_client(engine, tmp_path)
    thief.cookies.set(CHALLENGE_COOKIE, challenge or "", path="/my")
    again = enter(thief, code)
    assert again.status_code == 400 and PORTAL_COOKIE not in _cookie_lines(again)


def test_every_portal_post_refuses_a_missing_or_wrong_csrf_token(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    book = seed_offers(engine, cipher)
    client, _ = offers_client(engine, tmp_path, book.customers[0])
    values = {"account_no": book.numbers[0], "kind": "dispute", "out_trade_no": "x", "code": "en"}
    posts = [
        route.path
        for route in _flat(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route, APIRoute)
        and route.path.startswith("/my")
        and "POST" in route.methods
        and route.path not in ("/my/login", "/my/code")  # double-submit token: tested in test_signin_*
    ]
    assert len(posts) >= 9, posts
    for path in posts:
        url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: values[m.group(1)], path)
        for headers, data in (
            ({}, {"amount": "1.00"}),
            ({}, {"csrf_token": "wrong", "amount": "1.00"}),
            ({"HX-Request": "true", "X-CSRF-Token": "wrong"}, {"amount": "1.00"}),
        ):
            answer = client.post(url, data=data, headers=headers)
            assert answer.status_code == 403, (url, headers, data, answer.status_code)
    with engine.connect() as connection:
        for model in (RepaymentPlan, PromiseToPay, Callback, PortalRequest):
            assert connection.execute(select(func.count()).select_from(table_of(model))).scalar_one() == 0


def test_another_cardholders_account_order_and_request_answer_404_and_change_nothing(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    book = seed_offers(engine, cipher)
    client, token = offers_client(engine, tmp_path, book.customers[0])
    settings = client.app.state.settings  # type: ignore[attr-defined]
    if settings.gateway_secret is not None:
        with audit_transaction(engine) as connection:
            order = create_order(connection, account_id=book.accounts[1], amount_fen=100, purpose="custom",
                                 via="portal", user_id=None, now=clock.now(), settings=settings)  # fmt: skip
        assert client.get(f"/my/pay/{order.out_trade_no}/done").status_code == 404
    theirs = book.numbers[1]
    for path in ("", "/offers", "/promise", "/callback", "/pay", "/request/dispute"):
        assert client.get(f"/my/account/{theirs}{path}").status_code == 404, path
    forms = {
        "/offers/preview": {"kind": "instalment", "months": "3"},
        "/offers/accept": {"kind": "instalment", "months": "3"},
        "/offers/request": {"text": "x"},
        "/promise": {"amount": "10.00", "promised_date": "2026-11-25"},
        "/callback": {"day": "2026-11-25", "window": "10:00-12:00"},
        "/pay": {"choice": "overdue"},
    }
    for path, data in forms.items():
        answer = client.post(f"/my/account/{theirs}{path}", data=data | {"csrf_token": token})
        assert answer.status_code == 404, (path, answer.status_code)
    fields = {"csrf_token": token, "category": "amount", "text": "x"}
    files = {"attachment": ("a.png", PNG, "image/png")}
    sent = client.post(f"/my/account/{theirs}/request/dispute", data=fields, files=files)
    assert sent.status_code == 404
    with engine.connect() as connection:
        for model in (RepaymentPlan, PromiseToPay, Callback, PortalRequest):
            assert connection.execute(select(func.count()).select_from(table_of(model))).scalar_one() == 0
        orders = connection.execute(select(func.count()).select_from(table_of(PaymentOrder))).scalar_one()
    assert orders <= 1  # only the one made above


@pytest.mark.parametrize(
    "value",
    [
        str(2**63),
        str(2**64 + 1),
        "-1",
        "0",
        "9" * 5000,
        "..%2f..",
        "%2e%2e%2f%2e%2e%2fcases",
        "%E4%B8%AD%E6%96%87",
        "6222%000000000001",
        "%00",
        "%F0%9F%92%A3",
    ],
)
def test_odd_path_values_answer_404_not_500(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, value: str
) -> None:
    book = seed_offers(engine, cipher)
    client, _ = offers_client(engine, tmp_path, book.customers[0])
    for path in (f"/my/account/{value}", f"/my/account/{value}/offers", f"/my/account/{value}/pay",
                 f"/my/account/{value}/request/dispute", f"/my/pay/{value}/done",
                 f"/my/account/{book.numbers[0]}/request/{value}"):  # fmt: skip
        answer = client.get(path)
        assert answer.status_code in (404, 422), (path, answer.status_code)
