"""Every role against every endpoint, of the API and of the pages: a role without an endpoint's
permission gets 403 from it, a role with it never does; nothing answers without signing in."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, insert, select
from web_support import signed_in_as

from arrears.kit.crypto import FieldCipher
from arrears.models import (
    ROLES,
    AppUser,
    Callback,
    CardAccount,
    ContactEvent,
    ContactPoint,
    Customer,
    Hold,
    PlanApproval,
    RepaymentPlan,
    table_of,
)
from arrears.users.permissions import allowed
from web_book import PASSWORD

# the platforms' webhooks and the gateway's notifications: an HMAC, no sign-in
SIGNED = {"/api/v1/webhooks/sms", "/api/v1/webhooks/push", "/api/v1/payments/notify/simulated"}
OPEN = {"/login", "/logout", "/lang/{code}", "/healthz", "/api/v1/auth/token", "/openapi.json", *SIGNED}
# the cardholder's side: its own sessions (the portal test below), never a staff sign-in; the gateway's
# checkout page is reached by the order's number, signed in or not (a pay link from an SMS)
PORTAL = ("/my", "/pay/simulated/")
PORTAL_OPEN = {"/my/login", "/my/code", "/my/help", "/my/lang/{code}", "/my/assistant"}
pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
CARD, EMAIL = "6222021234567890", "someone@example.com"  # written in notes beside the cardholder's own data


def permissions_of(route: APIRoute) -> tuple[str, ...]:
    """Every permission the route's dependencies ask for (none: signing in is enough)."""

    def walk(dependant: Any) -> Iterator[tuple[str, ...]]:
        for dependency in dependant.dependencies:
            if hasattr(dependency.call, "permissions"):
                yield tuple(dependency.call.permissions)
            yield from walk(dependency)

    found = list(walk(route.dependant))
    assert found, f"{route.path} checks no sign-in"
    return tuple(permission for needed in found for permission in needed)


def flat(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            yield from flat(route.original_router.routes)
        else:
            yield route


def routes(app: Any, *, raw: bool = False) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path with 1 for every id, the permissions) of every route (``raw``: the path as declared)."""
    found = []
    for route in flat(app.routes):
        if not isinstance(route, APIRoute) or route.path in OPEN or route.path.startswith(PORTAL):
            continue
        for method in sorted(route.methods - {"HEAD"}):
            path = route.path if raw else re.sub(r"\{[a-z_]+(?::id)?\}", "1", route.path)
            found.append((method, path, permissions_of(route)))
    return found


def holds_all(role: str, permissions: tuple[str, ...]) -> bool:
    return all(allowed(role, permission) for permission in permissions)


def test_every_endpoint_checks_the_role(web: TestClient, book: Engine) -> None:
    checked = routes(web.app)
    assert len(checked) >= 30
    for method, path, _ in checked:  # nobody signed in
        answer = TestClient(web.app).request(method, path, follow_redirects=False)
        assert answer.status_code in (303, 401), (method, path, answer.status_code)
    for role in ROLES:
        api = {"Authorization": "Bearer " + web.post("/api/v1/auth/token",
               data={"username": f"{role}1", "password": PASSWORD}).json()["access_token"]}  # fmt: skip
        browser = signed_in_as(web, f"{role}1")
        pages = {"X-CSRF-Token": browser.csrf("/account/password")}
        for method, path, permissions in checked:
            client, headers = (web, api) if path.startswith("/api/") else (browser.client, pages)
            answer = client.request(method, path, headers=headers, follow_redirects=False)
            if not holds_all(role, permissions):
                assert answer.status_code == 403, (role, method, path, permissions, answer.status_code)
            else:
                assert answer.status_code != 403, (role, method, path, permissions, answer.text[:200])


ON_AN_ACCOUNT = re.compile(r"\{account_id(?::id)?\}|\{plan_id(?::id)?\}|^/cases")


def test_no_role_reaches_an_account_without_account_read(web: TestClient) -> None:
    """Every endpoint on an account (its data, a check or an action on it) is closed to a role without
    ``account:read``, whatever else the endpoint asks for."""
    on_accounts = [(method, path, needed) for method, path, needed in routes(web.app, raw=True)
                   if ON_AN_ACCOUNT.search(path)]  # fmt: skip
    assert len(on_accounts) >= 15
    for method, path, needed in on_accounts:
        for role in ROLES:
            assert not holds_all(role, needed) or allowed(role, "account:read"), (role, method, path, needed)


def test_roles_without_account_read_get_nothing_from_an_account(web: TestClient, book: Engine) -> None:
    """With cases claimed (in some collector's scope), a role without ``account:read`` never gets an
    answer from an endpoint on one of them."""
    collector = signed_in_as(web, "collector1")
    claimed = [int(collector.post("/queue/next").headers["location"].rsplit("/", 1)[1]) for _ in range(3)]
    blind = [role for role in ROLES if not allowed(role, "account:read")]
    assert blind
    for role in blind:
        api = {"Authorization": "Bearer " + web.post("/api/v1/auth/token",
               data={"username": f"{role}1", "password": PASSWORD}).json()["access_token"]}  # fmt: skip
        browser = signed_in_as(web, f"{role}1")
        pages = {"X-CSRF-Token": browser.csrf("/account/password")}
        for method, path, _ in routes(web.app, raw=True):
            if not ON_AN_ACCOUNT.search(path):
                continue
            for account_id in claimed:
                concrete = re.sub(r"\{[a-z_]+(?::id)?\}", str(account_id), path)
                client, headers = (web, api) if concrete.startswith("/api/") else (browser.client, pages)
                answer = client.request(method, concrete, headers=headers, follow_redirects=False)
                assert answer.status_code in (403, 404), (role, method, concrete, answer.status_code)


def personal_values(engine: Engine, cipher: FieldCipher) -> set[str]:
    """Every cardholder's name, national ID, phone number and address, in clear."""
    c, p = table_of(Customer), table_of(ContactPoint)
    with engine.connect() as connection:
        customers = connection.execute(select(c.c.name, c.c.national_id_enc)).all()
        points = connection.execute(select(p.c.value_enc)).scalars().all()
    values = {cipher.decrypt(point) for point in points} | {
        cipher.decrypt(row.national_id_enc) for row in customers
    }
    return values | {row.name for row in customers if len(row.name) > 1}


def written_about(connection: Connection, cipher: FieldCipher, customer_id: int) -> str:
    """A note on the cardholder as staff write one: name, national ID, mobile, home address, a card
    number and an e-mail."""
    c, p = table_of(Customer), table_of(ContactPoint)
    name, national_enc = connection.execute(
        select(c.c.name, c.c.national_id_enc).where(c.c.id == customer_id)
    ).one()
    found = select(p.c.kind, p.c.value_enc).where(p.c.customer_id == customer_id)
    points = {row.kind: cipher.decrypt(row.value_enc) for row in connection.execute(found)}
    return (
        f"{name} 身份证 {cipher.decrypt(national_enc)} 手机 {points.get('mobile', '')} "
        f"住 {points.get('home_address', '')} 卡号 {CARD} 邮箱 {EMAIL}"
    )


def personal_free_text(engine: Engine, cipher: FieldCipher) -> None:
    """Hold reasons, call and visit notes, callback notes (of every user) and a rejected plan's
    comment on the first accounts, each carrying its cardholder's personal data."""
    a, u, plan = table_of(CardAccount), table_of(AppUser), table_of(RepaymentPlan)
    at = datetime.now(UTC)
    with engine.begin() as connection:
        users = connection.execute(select(u.c.id)).scalars().all()
        for account in connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id).limit(3)).all():
            text = written_about(connection, cipher, account.customer_id)
            ids = {"account_id": account.id, "customer_id": account.customer_id}
            connection.execute(
                insert(table_of(Hold)).values(kind="dispute", reason=text, placed_at=at, **ids)
            )
            event = {
                "at": at,
                "party": "debtor",
                "connected": True,
                "conversation": True,
                "outcome": "promise",
            }
            for channel in ("call", "visit"):
                connection.execute(
                    insert(table_of(ContactEvent)).values(channel=channel, notes=text, **event, **ids)
                )
            callbacks = [
                {"user_id": user, "due_at": at, "note": text, "created_at": at, **ids} for user in users
            ]
            connection.execute(insert(table_of(Callback)), callbacks)
            rejected = {"account_id": account.id, "agreed_on": at.date(), "created_at": at}
            plan_id = connection.execute(
                insert(plan).values(kind="instalment", status="rejected", **rejected).returning(plan.c.id)
            ).scalar_one()
            decision = {"required_role": "team_lead", "amount_fen": 1, "waived_fen": 0, "status": "rejected"}
            connection.execute(
                insert(table_of(PlanApproval)).values(
                    plan_id=plan_id,
                    account_id=account.id,
                    requested_at=at,
                    decided_at=at,
                    comment=text,
                    **decision,
                )
            )


def test_no_personal_data_in_clear_without_the_reveal_permission(
    web: TestClient, book: Engine, cipher: FieldCipher
) -> None:
    personal_free_text(book, cipher)
    secrets = personal_values(book, cipher) | {CARD, EMAIL}
    readers = [method_path for method_path in routes(web.app) if method_path[0] == "GET"]
    for role in ROLES:
        if allowed(role, "pii:reveal"):
            continue
        browser = signed_in_as(web, f"{role}1")
        if allowed(role, "queue:work"):
            for _ in range(3):
                browser.post("/queue/next")  # cases in scope
        token = web.post("/api/v1/auth/token", data={"username": f"{role}1", "password": PASSWORD})
        api = {"Authorization": f"Bearer {token.json()['access_token']}"}
        for _, path, _ in readers:
            for account_id in (1, 2, 3):
                concrete = path.replace("/1", f"/{account_id}", 1)
                if concrete.startswith("/api/"):
                    text = web.get(concrete, headers=api).text
                else:
                    text = browser.client.get(concrete, follow_redirects=False).text
                leaked = [value for value in secrets if value in text]
                assert not leaked, (role, concrete)


def test_every_portal_page_needs_a_cardholder_session(web: TestClient) -> None:
    """Every /my route but the sign-in's, help, the assistant's chat and the language switch takes the
    cardholder's session (its dependency), and none takes a staff one."""

    def marks(dependant: Any) -> Iterator[str]:
        for dependency in dependant.dependencies:
            if getattr(dependency.call, "portal", False):
                yield "portal"
            elif hasattr(dependency.call, "permissions"):
                yield "staff"
            yield from marks(dependency)

    portal = [route for route in flat(web.app.routes)
              if isinstance(route, APIRoute) and route.path.startswith("/my")]  # fmt: skip
    assert len(portal) >= 20
    for route in portal:
        found = set(marks(route.dependant))
        if route.path in PORTAL_OPEN:
            assert "staff" not in found, route.path
        else:
            assert found == {"portal"}, f"{route.path}: {found or 'no session'}"
