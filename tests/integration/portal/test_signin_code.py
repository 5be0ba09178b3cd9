"""Signing in to the portal: details, a one-time code by SMS through the outbox, a session; wrong codes,
unknown accounts that look like known ones, rate limits per mobile and per client, lockouts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from signin_book import add_holder, client_for, details, enter, last_code, otp_messages, sign_in
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, PortalChallenge, table_of
from arrears.portal.deps import CHALLENGE_COOKIE, PORTAL_COOKIE


def actions(engine: Engine) -> list[tuple[str, str, str]]:
    a = table_of(AuditEvent)
    with engine.connect() as connection:
        rows = connection.execute(select(a.c.action, a.c.actor, a.c.details).order_by(a.c.id)).all()
    return [(row.action, row.actor, str(row.details)) for row in rows if row.action.startswith("portal.")]


def test_sign_in_with_the_code(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 1)
    client = client_for(engine, tmp_path)
    answer = details(client, holder.account_no[-6:], holder.national_id[-6:].lower())  # x in lower case
    assert answer.status_code == 303 and answer.headers["location"] == "/my/code"
    (message,) = otp_messages(engine, holder.customer_id)
    assert (message.kind, message.source, message.channel, message.status) == (
        "service",
        "portal",
        "sms",
        "queued",
    )
    assert message.contact_point_id == holder.mobile_id and message.idempotency_key.startswith("otp:")
    code = last_code(engine, holder.customer_id)
    signed = enter(client, code)
    assert signed.status_code == 303 and signed.headers["location"] == "/my"
    assert PORTAL_COOKIE in signed.cookies and "HttpOnly" in signed.headers["set-cookie"]
    assert "Path=/my" in signed.headers["set-cookie"] and "SameSite=lax" in signed.headers["set-cookie"]
    home = client.get("/my")
    assert home.status_code == 200 and "2999" not in home.text and holder.account_no[-4:] in home.text
    assert holder.national_id not in home.text
    # the code left the outbox when it was used; a message not yet sent is cancelled
    (after,) = otp_messages(engine, holder.customer_id)
    assert code not in after.body and "******" in after.body and after.status == "cancelled"
    done = [action for action, _, _ in actions(engine)]
    assert done == ["portal.code_sent", "portal.sign_in"]
    assert all(
        holder.national_id[-6:] not in detail and code not in detail for _, _, detail in actions(engine)
    )
    assert all(actor == f"customer:{holder.customer_id}" for _, actor, _ in actions(engine))


def test_five_wrong_codes_make_the_code_void(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 2)
    client = client_for(engine, tmp_path, portal_failures_to_lock=50)
    details(client, holder.account_no[-4:], holder.national_id[-6:])
    token = client.cookies.get(CHALLENGE_COOKIE)
    code = last_code(engine, holder.customer_id)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in (4, 3, 2, 1):
        answer = enter(client, wrong)
        assert answer.status_code == 422 and f"{left}" in answer.text
    assert enter(client, wrong).status_code == 400  # the fifth: void
    assert client.cookies.get(CHALLENGE_COOKIE) is None
    client.cookies.set(CHALLENGE_COOKIE, token, path="/my")
    assert enter(client, code).status_code == 400  # even the right code no longer opens anything
    assert client.get("/my", follow_redirects=False).headers["location"] == "/my/login"
    c = table_of(PortalChallenge)
    with engine.connect() as connection:
        assert connection.execute(select(c.c.status, c.c.tries)).one() == ("locked", 5)
    assert code not in otp_messages(engine, holder.customer_id)[-1].body


def _normal(text: str) -> str:
    return re.sub(r'value="[^"]+"', 'value=""', text)


def test_an_unknown_account_looks_like_a_known_one(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = add_holder(engine, cipher, 3)
    known, unknown = client_for(engine, tmp_path), client_for(engine, tmp_path)
    first = details(known, holder.account_no[-4:], holder.national_id[-6:])
    second = details(unknown, "98765", "12345X")
    assert (first.status_code, first.headers["location"]) == (second.status_code, second.headers["location"])
    assert set(first.cookies) == set(second.cookies) == {CHALLENGE_COOKIE}
    page_known, page_unknown = known.get("/my/code"), unknown.get("/my/code")
    assert page_known.status_code == page_unknown.status_code == 200
    assert _normal(page_known.text) == _normal(page_unknown.text)
    assert "we sent a code" in page_known.text or "验证码" in page_known.text
    # a wrong code answers alike too
    a, b = enter(known, "000000"), enter(unknown, "000000")
    assert a.status_code == b.status_code == 422 and _normal(a.text) == _normal(b.text)
    assert len(otp_messages(engine, holder.customer_id)) == 1  # only the known one got a code
    assert ("portal.sign_in_failed", "portal") in [(act, actor) for act, actor, _ in actions(engine)]


def test_codes_per_mobile_are_limited(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 4)
    client = client_for(engine, tmp_path, portal_codes_per_mobile=2)
    for _ in range(3):
        assert details(client, holder.account_no[-4:], holder.national_id[-6:]).status_code == 303
    assert len(otp_messages(engine, holder.customer_id)) == 2
    assert any("mobile_limit" in detail for _, _, detail in actions(engine))


def test_attempts_per_client_are_limited(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    add_holder(engine, cipher, 5)
    client = client_for(engine, tmp_path, portal_attempts_per_client=3)
    for _ in range(3):
        assert details(client, "1234", "11111X").status_code == 303
    assert details(client, "1234", "11111X").status_code == 429


def test_failures_lock_the_cardholder(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 6)
    client = client_for(engine, tmp_path, portal_failures_to_lock=3)
    for _ in range(3):  # the whole number names the account; the ID is wrong
        assert details(client, holder.account_no, "99999X").status_code == 303
    assert "portal.locked" in [action for action, _, _ in actions(engine)]
    answer = details(client, holder.account_no[-4:], holder.national_id[-6:])  # right details, locked
    assert answer.status_code == 303 and answer.headers["location"] == "/my/code"
    assert otp_messages(engine, holder.customer_id) == []  # no code while locked
    assert enter(client, "123456").status_code == 422  # looks like any wrong code


@pytest.mark.parametrize("digits, tail", [("12", "12345X"), ("1234", "12"), ("abcd", "12345X")])
def test_malformed_details_are_refused(engine: Engine, tmp_path: Path, digits: str, tail: str) -> None:
    assert details(client_for(engine, tmp_path), digits, tail).status_code == 422


def test_sign_in_makes_a_new_session(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 7)
    client = client_for(engine, tmp_path)
    client.cookies.set(PORTAL_COOKIE, "planted-token", path="/my")
    signed = sign_in(client, engine, holder)
    assert signed.cookies[PORTAL_COOKIE] != "planted-token"
