"""The portal's sessions: idle end after 15 minutes, sign-out, CSRF, kept apart from the staff sessions
both ways, and the cardholder sees only their own accounts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from signin_book import add_holder, client_for, sign_in
from sqlalchemy import Engine

from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.portal.deps import PORTAL_COOKIE
from arrears.users.service import create_user
from arrears.web.deps import SESSION_COOKIE

PASSWORD = "correct horse battery"


def test_a_session_ends_after_15_idle_minutes(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder = add_holder(engine, cipher, 11)
    client = client_for(engine, tmp_path)
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start)
    assert sign_in(client, engine, holder).status_code == 303
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=14))
    assert client.get("/my", follow_redirects=False).status_code == 200  # a request: idle starts again
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=28))
    assert client.get("/my", follow_redirects=False).status_code == 200
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(minutes=43, seconds=1))
    answer = client.get("/my", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/my/login"


def test_sign_out_ends_the_session_and_needs_the_csrf_token(
    engine: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = add_holder(engine, cipher, 12)
    client = client_for(engine, tmp_path)
    sign_in(client, engine, holder)
    assert client.post("/my/logout", data={"csrf_token": "wrong"}, follow_redirects=False).status_code == 403
    page = client.get("/my")
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    cookie = client.cookies.get(PORTAL_COOKIE)
    out = client.post("/my/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"].startswith("/my/login")
    client.cookies.set(PORTAL_COOKIE, cookie, path="/my")  # the old token opens nothing
    assert client.get("/my", follow_redirects=False).status_code == 303


def test_staff_and_portal_sessions_stay_apart(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = add_holder(engine, cipher, 13)
    with engine.begin() as connection:
        create_user(
            connection,
            username="lead1",
            display_name="l",
            role="team_lead",
            password=PASSWORD,
            now=clock.now(),
        )
    staff = client_for(engine, tmp_path)
    login = staff.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
    staff.post("/login", data={"username": "lead1", "password": PASSWORD, "csrf_token": login})
    assert staff.cookies.get(SESSION_COOKIE)
    assert staff.get("/?home=1", follow_redirects=False).status_code == 200  # a lead lands on /team
    # the staff token, even sent as the portal cookie, never opens /my
    staff.cookies.set(PORTAL_COOKIE, staff.cookies.get(SESSION_COOKIE), path="/my")
    assert staff.get("/my", follow_redirects=False).headers["location"] == "/my/login"
    portal = client_for(engine, tmp_path)
    sign_in(portal, engine, holder)
    assert portal.get("/my").status_code == 200
    # the portal token, even sent as the staff cookie, never opens the staff pages
    portal.cookies.set(SESSION_COOKIE, portal.cookies.get(PORTAL_COOKIE))
    answer = portal.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def test_another_customers_account_is_not_found(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    mine, theirs = add_holder(engine, cipher, 14), add_holder(engine, cipher, 15)
    client = client_for(engine, tmp_path)
    sign_in(client, engine, mine)
    assert client.get(f"/my/account/{mine.account_no}").status_code == 200
    other = client.get(f"/my/account/{theirs.account_no}")
    unknown = client.get("/my/account/0000000000000000")
    assert other.status_code == unknown.status_code == 404
    # the same page, but for the number typed (in the language switch's link)
    assert other.text.replace(theirs.account_no, "N") == unknown.text.replace("0000000000000000", "N")
    assert "李四" not in other.text and "500,000" not in other.text


def test_signed_out_pages_go_to_the_sign_in(engine: Engine, tmp_path: Path) -> None:
    client = client_for(engine, tmp_path)
    for path in ("/my", "/my/account/1234"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == "/my/login"
    assert client.get("/my/help").status_code == 200
    assert client.get("/my/login").status_code == 200
