"""The pages on SQLite and PostgreSQL: sign-in, sessions, CSRF, the next case, the case page,
revealing personal data and logging a call."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select, update
from web_support import PASSWORD, Browser, signed_in_as

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    CardAccount,
    CollectionAction,
    ContactEvent,
    PromiseToPay,
    Team,
    WebSession,
    table_of,
)
from arrears.users.service import MAX_FAILURES
from web_book import personal_data


def count(engine: Engine, model: type, *where: object) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(select(func.count()).select_from(table_of(model)).where(*where)).scalar_one()
        )


def test_pages_need_a_session(web: TestClient) -> None:
    answer = web.get("/cases/1", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/login?next=/cases/1"
    assert web.get("/", headers={"HX-Request": "true"}, follow_redirects=False).headers["HX-Redirect"]


def test_sign_in_sets_an_http_only_session_cookie(browser: Browser, book: Engine) -> None:
    answer = browser.sign_in("collector1")
    assert answer.status_code == 303
    cookie = answer.headers["set-cookie"]
    assert "arrears_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert count(book, WebSession) == 1
    browser.client.get("/lang/en")
    assert "My work" in browser.client.get("/").text


def test_wrong_passwords_lock_the_account(browser: Browser) -> None:
    for _ in range(MAX_FAILURES):
        assert browser.sign_in("collector1", "wrong password!!").status_code == 401
    assert browser.sign_in("collector1").status_code == 401  # locked, though the password is right


def test_sign_in_form_needs_its_csrf_token(web: TestClient) -> None:
    web.get("/login")
    answer = web.post("/login", data={"username": "collector1", "password": PASSWORD, "csrf_token": "forged"})
    assert answer.status_code == 403


def test_posts_without_the_session_csrf_token_are_refused(web: TestClient, book: Engine) -> None:
    browser = signed_in_as(web, "collector1")
    assert browser.client.post("/queue/next", follow_redirects=False).status_code == 403
    answer = browser.client.post("/queue/next", data={"csrf_token": "x" * 43}, follow_redirects=False)
    assert answer.status_code == 403
    assert count(book, CollectionAction, table_of(CollectionAction).c.status == "claimed") == 0
    assert browser.post("/queue/next").status_code == 303


def test_a_planted_session_token_never_becomes_signed_in(web: TestClient, book: Engine) -> None:
    """Session fixation: the cookie the browser had before signing in is not the one after."""
    browser = Browser(web)
    web.cookies.set("arrears_session", "planted-by-an-attacker", domain="testserver.local")
    browser.sign_in("collector1")
    assert web.cookies.get("arrears_session") != "planted-by-an-attacker"
    attacker = TestClient(web.app, cookies={"arrears_session": "planted-by-an-attacker"})
    assert attacker.get("/", follow_redirects=False).status_code == 303
    first = web.cookies.get("arrears_session")
    browser.sign_in("collector1")  # signing in again replaces the session, and ends the old one
    assert web.cookies.get("arrears_session") != first
    assert (
        TestClient(web.app, cookies={"arrears_session": first}).get("/", follow_redirects=False).status_code
        == 303
    )


def test_sign_out_ends_the_session(web: TestClient, book: Engine) -> None:
    browser = signed_in_as(web, "collector1")
    token = browser.client.cookies.get("arrears_session")
    assert browser.post("/logout").status_code == 303
    assert (
        TestClient(web.app, cookies={"arrears_session": token}).get("/", follow_redirects=False).status_code
        == 303
    )
    assert count(book, WebSession) == 0


def test_password_change_ends_the_other_sessions(web: TestClient, book: Engine) -> None:
    browser, other = signed_in_as(web, "collector1"), signed_in_as(web, "collector1")
    new = "a much better passphrase"
    fields = {"current": PASSWORD, "new": new, "confirm": new}
    assert browser.post("/account/password", {**fields, "current": "wrong password!!"}).status_code == 422
    assert (
        browser.post("/account/password", {**fields, "new": "short", "confirm": "short"}).status_code == 422
    )
    assert browser.post("/account/password", fields).status_code == 303
    assert browser.client.get("/", follow_redirects=False).status_code == 200  # a new session here
    assert other.client.get("/", follow_redirects=False).status_code == 303  # the other one ended
    assert Browser(TestClient(web.app)).sign_in("collector1", new).status_code == 303


def test_language_switch(web: TestClient, book: Engine) -> None:
    browser = signed_in_as(web, "collector1")
    assert "下一个案件" in browser.client.get("/").text  # zh-CN by default
    browser.client.get("/lang/en?next=/")
    page = browser.client.get("/").text
    assert "Next case" in page and 'lang="en"' in page
    assert (
        browser.client.get("/lang/en?next=//evil.example", follow_redirects=False).headers["location"] == "/"
    )


def test_next_case_opens_a_masked_case_file(web: TestClient, book: Engine, cipher: FieldCipher) -> None:
    browser = signed_in_as(web, "collector1")
    answer = browser.post("/queue/next")
    assert answer.status_code == 303
    case = answer.headers["location"]
    account_id = int(case.rsplit("/", 1)[1])
    page = browser.client.get(case)
    assert page.status_code == 200
    assert (
        page.headers["cache-control"] == "no-store"
        and "frame-ancestors 'none'" in page.headers["content-security-policy"]
    )
    name, national_id, phones = personal_data(book, cipher, account_id)
    assert name not in page.text and national_id not in page.text
    assert not any(phone in page.text for phone in phones)
    assert national_id[:6] in page.text  # the masked form is shown
    assert "/reveal" not in page.text  # a collector may not reveal


def test_reveal_is_audited(web: TestClient, book: Engine, cipher: FieldCipher) -> None:
    browser = signed_in_as(web, "team_lead1")
    fragment = browser.post("/cases/3/reveal", token_from="/cases/3")
    assert fragment.status_code == 200
    name, national_id, phones = personal_data(book, cipher, 3)
    assert national_id in fragment.text and all(phone in fragment.text for phone in phones)
    with book.connect() as connection:
        entries = AuditLog(connection).entries()
    assert verify(entries) == []
    assert [(e.actor, e.action, e.subject_type) for e in entries] == [
        ("team_lead1", "pii.reveal", "customer")
    ]
    assert national_id not in entries[0].details and name not in entries[0].details
    collector = signed_in_as(web, "collector1")
    assert collector.client.post("/cases/3/reveal", data={"csrf_token": collector.csrf()}).status_code == 403


def test_log_a_call_with_a_promise(web: TestClient, book: Engine) -> None:
    browser = signed_in_as(web, "collector1")
    case = browser.post("/queue/next").headers["location"]
    account_id = int(case.rsplit("/", 1)[1])
    promised = (date.today() + timedelta(days=5)).isoformat()  # within the 30 days a promise may run
    form = {"outcome": "promise", "party": "debtor", "conversation": "on", "reason": "income_loss",
            "promise_amount": "1200.50", "promise_date": promised, "notes": "pays on payday"}  # fmt: skip
    for bad in ("1999-01-01", (date.today() + timedelta(days=60)).isoformat()):  # past, too far out
        refused = browser.post(f"{case}/calls", form | {"promise_date": bad}, token_from=case)
        assert refused.status_code == 422 and bad in refused.text and count(book, PromiseToPay) == 0
    answer = browser.post(f"{case}/calls", form, token_from=case)
    assert answer.status_code == 303 and answer.headers["location"] == f"{case}?done=call"
    with book.connect() as connection:
        promise = connection.execute(select(table_of(PromiseToPay))).mappings().one()
        event = connection.execute(select(table_of(ContactEvent))).mappings().one()
        item = connection.execute(
            select(table_of(CollectionAction).c.status).where(
                table_of(CollectionAction).c.account_id == account_id
            )
        ).scalar_one()
    assert promise["amount_fen"] == 120050 and str(promise["promised_date"]) == promised
    assert event["outcome"] == "promise" and event["reason"] == "income_loss" and item == "done"
    assert "pays on payday" in browser.client.get(case).text  # the note is in the timeline
    missing = browser.post(f"{case}/calls", {"outcome": "promise"}, token_from=case)
    assert missing.status_code == 422 and 'role="alert"' in missing.text
    assert count(book, PromiseToPay) == 1


def test_collectors_see_their_team_cases_only(web: TestClient, book: Engine) -> None:
    first = signed_in_as(web, "collector1")
    case = first.post("/queue/next").headers["location"]
    assert signed_in_as(web, "collector2").client.get(case).status_code == 200  # same team
    assert signed_in_as(web, "collector3").client.get(case).status_code == 404  # another team
    assert signed_in_as(web, "agency_user1").client.get(case).status_code == 404  # not placed with the agency
    assert signed_in_as(web, "manager1").client.get(case).status_code == 200  # book-wide


def test_agency_users_see_the_accounts_placed_with_their_agency(web: TestClient, book: Engine) -> None:
    from arrears.models import AgencyPlacement
    from web_book import RUN

    running = {"account_id": 5, "placed_on": RUN, "ends_on": RUN + timedelta(days=90)}
    ended = {"account_id": 6, "placed_on": RUN - timedelta(days=200), "ends_on": RUN - timedelta(days=110)}
    with book.begin() as connection:
        rows = [{**placement, "agency_code": "X", "created_at": now()} for placement in (running, ended)]
        connection.execute(insert(table_of(AgencyPlacement)), rows)
    agency = signed_in_as(web, "agency_user1")
    assert 'href="/cases/5"' in agency.client.get("/").text
    assert agency.client.get("/cases/5").status_code == 200
    assert agency.client.get("/cases/6").status_code == 404  # that placement has ended
    assert signed_in_as(web, "collector3").client.get("/cases/5").status_code == 404


def test_a_team_s_calls_go_to_its_members_only(web: TestClient, book: Engine) -> None:
    x, team = table_of(CollectionAction), table_of(Team)
    with book.begin() as connection:
        phone_b = connection.execute(select(team.c.id).where(team.c.code == "phone-b")).scalar_one()
        connection.execute(update(x).values(team_id=phone_b))  # every call of the day is phone-b's
    assert signed_in_as(web, "collector1").post("/queue/next").headers["location"] == "/?empty=1"  # phone-a
    assert signed_in_as(web, "collector3").post("/queue/next").headers["location"].startswith("/cases/")


def test_the_search_box_finds_an_account_in_any_case_and_trimmed(web: TestClient, book: Engine) -> None:
    browser = signed_in_as(web, "manager1")
    a = table_of(CardAccount)
    with book.connect() as connection:
        account_id, number = connection.execute(select(a.c.id, a.c.account_no).order_by(a.c.id)).first()  # type: ignore[misc]
    for typed in (number, number.lower(), f"  {number.lower()} "):
        answer = browser.client.get("/cases", params={"account": typed}, follow_redirects=False)
        assert answer.status_code == 303 and answer.headers["location"] == f"/cases/{account_id}", typed
    assert browser.client.get("/cases", params={"account": number[:-1]}).status_code == 404
