"""Bad input never answers 500, on SQLite and PostgreSQL, through the API and the pages: ids that
cannot exist (404), dates outside the supported range, amounts out of bounds or in scientific
notation, a number field holding text, and NUL characters in text (422 naming the field).

The id cases walk every route of the app, so a new route with an id in its path is covered."""

from __future__ import annotations

import base64
import html
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, select
from web_support import Browser, signed_in_as

from arrears import migrate
from arrears.config import Settings
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from arrears.kit.inputs import MAX_ID, MAX_TEXT
from arrears.models import CardAccount, Hold, table_of
from arrears.users import passwords
from arrears.users.permissions import allowed
from arrears.web.app import create_app
from arrears.web.form_errors import FORMS
from arrears.web.i18n import gettext
from fixed_keys import TEST_KEY
from pg_schema import POSTGRES_URL, postgres_schema
from web_book import FAST_HASHER, PASSWORD, build_book

# the first one holding all of a route's permissions
ROLES_TRIED = ("manager", "visitor", "legal", "admin", "compliance")
BEYOND = (str(MAX_ID + 1), str(2**63), str(10**20), "9" * 30)  # ids that cannot exist
SETTINGS = Settings(data_dir=Path(tempfile.gettempdir()), encryption_key=base64.b64encode(TEST_KEY).decode())


def _flat(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            yield from _flat(route.original_router.routes)
        else:
            yield route


def _permissions(route: APIRoute) -> tuple[str, ...]:
    """Every permission the route's dependencies ask for."""

    def walk(dependant: Any) -> Iterator[str]:
        for dependency in dependant.dependencies:
            call = dependency.call
            yield from getattr(call, "permissions", None) or [getattr(call, "permission", None) or ""]
            yield from walk(dependency)

    return tuple(permission for permission in walk(route.dependant) if permission)


def id_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, permissions) of every route of the app with a parameter in its path."""
    app = create_app(SETTINGS, engine=create_engine("sqlite://"))
    found = []
    for route in _flat(app.routes):
        # the portal's and the gateway's pages take account and order numbers, not ids, and need a
        # cardholder's session: their odd values are tried in tests/integration/portal and payments
        portal = route.path.startswith(("/my", "/pay/simulated/")) if isinstance(route, APIRoute) else True
        if isinstance(route, APIRoute) and "{" in route.path and not portal:
            found += [
                (method, route.path, _permissions(route)) for method in sorted(route.methods - {"HEAD"})
            ]
    return found


ID_ROUTES = id_routes()


@dataclass
class Site:
    engine: Engine
    client: TestClient
    account: int
    hold: int
    tokens: dict[str, dict[str, str]]
    browsers: dict[str, tuple[Browser, str]]  # a signed-in browser and its session's CSRF token

    def api(self, role: str = "manager") -> dict[str, str]:
        if role not in self.tokens:
            answer = self.client.post(
                "/api/v1/auth/token", data={"username": f"{role}1", "password": PASSWORD}
            )
            self.tokens[role] = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        return self.tokens[role]

    def browser(self, role: str = "manager") -> tuple[Browser, str]:
        if role not in self.browsers:
            browser = signed_in_as(self.client, f"{role}1")
            self.browsers[role] = browser, browser.csrf("/account/password")
        return self.browsers[role]

    def send(self, method: str, path: str, role: str = "manager", **kwargs: Any) -> Any:
        """The request as the role: with its bearer token on the API, its session and CSRF on pages."""
        if path.startswith("/api/"):
            return self.client.request(method, path, headers=self.api(role), **kwargs)
        browser, token = self.browser(role)
        headers = {"X-CSRF-Token": token} if method != "GET" else {}
        return browser.client.request(method, path, headers=headers, follow_redirects=False, **kwargs)


def _engine(kind: str, tmp: Path) -> Iterator[Engine]:
    if kind == "sqlite":
        engine = make_engine(f"sqlite:///{tmp / 'arrears.db'}")
        yield engine
        engine.dispose()
        return
    with postgres_schema("bad") as schema:
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        yield engine
        engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The web tests' book, once per backend for the module (every bad request is rolled back)."""
    tmp = tmp_path_factory.mktemp(request.param)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", FAST_HASHER)
        for engine in _engine(request.param, tmp):
            migrate.upgrade(engine)
            build_book(engine, tmp, FieldCipher(TEST_KEY))
            settings = Settings(data_dir=tmp, encryption_key=base64.b64encode(TEST_KEY).decode())
            client = TestClient(create_app(settings, engine=engine))
            with engine.connect() as connection:
                account = (
                    connection.execute(select(table_of(CardAccount).c.id).order_by("id")).scalars().first()
                )
            assert account is not None
            site = Site(engine, client, account, 0, {}, {})
            placed = site.send(
                "POST", f"/api/v1/accounts/{account}/holds", json={"kind": "dispute", "reason": "r"}
            )
            assert placed.status_code == 201, placed.text
            with engine.connect() as connection:
                site.hold = connection.execute(select(table_of(Hold).c.id)).scalar_one()
            yield site


def _role_for(permissions: tuple[str, ...]) -> str:
    return next(role for role in ROLES_TRIED if all(allowed(role, needed) for needed in permissions))


def _concrete(path: str, bad: str, target: str) -> str:
    """The path with ``bad`` for the parameter ``target`` and 1 for the others."""
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: bad if m.group(1) == target else "1", path)


ID_CASES = [
    pytest.param(method, path, name, permissions, id=f"{method} {path} {name}")
    for method, path, permissions in ID_ROUTES
    for name in re.findall(r"\{(\w+)", path)
    if name != "code"  # /lang/{code}: a language, not an id
]


@pytest.mark.parametrize(("method", "path", "name", "permissions"), ID_CASES)
def test_an_id_that_cannot_exist_is_not_found(
    site: Site, method: str, path: str, name: str, permissions: tuple[str, ...]
) -> None:
    role = _role_for(permissions)
    for bad in (*BEYOND, "abc", "-1"):
        answer = site.send(method, _concrete(path, bad, name), role)
        assert answer.status_code == 404, (method, path, bad, answer.status_code, answer.text[:300])
    largest = site.send(method, _concrete(path, str(MAX_ID), name), role)  # matches: no row has it
    assert largest.status_code < 500 and largest.status_code not in (201, 303), (path, largest.text[:300])


def test_every_id_in_a_path_is_bounded() -> None:
    """Every path parameter named like an id uses the bounded id convertor (``{account_id:id}``)."""
    app = create_app(SETTINGS, engine=create_engine("sqlite://"))
    paths = [route.path for route in _flat(app.routes) if isinstance(route, APIRoute)]
    unbounded = [path for path in paths for name in re.findall(r"\{(\w+_id)\}", path)]
    assert unbounded == [] and any(":id}" in path for path in paths)


DAYS = ("0001-01-02", "9999-12-31")
MOMENTS = ("0001-01-02T10:00:00+08:00", "9999-12-31T23:00:00-08:00")
PLAN = {"kind": "instalment", "first_due_date": "2099-01-01", "months": 3}
NO_ID = str(MAX_ID + 1)
API, CASE = "/api/v1/accounts/{account}", "/cases/{account}"
PROMISE = {"outcome": "promise", "promise_date": "2099-01-01"}
FEN_FIELDS = ("waived_fee_fen", "waived_interest_fen", "down_payment_fen", "months")
# (method, path, keyword arguments of the request, the field the answer must name)
FIELD_CASES = [
    *[("GET", "/api/v1/dashboard", {"params": {"as_of": day}}, "as_of") for day in DAYS],
    *[("GET", "/dashboard", {"params": {"as_of": day}}, "as_of") for day in DAYS],
    *[("GET", f"{API}/call-check", {"params": {"at": at}}, "at") for at in MOMENTS],
    ("GET", f"{API}/call-check", {"params": {"contact_point_id": NO_ID}}, "contact_point_id"),
    ("GET", f"{CASE}/call-check", {"params": {"contact_point_id": NO_ID}}, "contact_point_id"),
    *[("POST", f"{API}/callbacks", {"json": {"due_at": at}}, "due_at") for at in MOMENTS],
    ("POST", f"{API}/callbacks", {"json": {"due_at": MOMENTS[0], "contact_point_id": int(NO_ID)}},
     "contact_point_id"),
    *[("POST", f"{CASE}/callbacks", {"data": {"due_at": at[:16]}}, "due_at") for at in MOMENTS],
    *[("POST", f"{API}/holds", {"json": {"kind": "dispute", "reason": "r", "expires_at": at}}, "expires_at")
      for at in MOMENTS],
    *[("POST", f"{CASE}/holds", {"data": {"kind": "dispute", "reason": "r", "expires_at": at[:16]}},
       "expires_at") for at in MOMENTS],
    *[("POST", "/visits/plan", {"data": {"date": day}}, "date") for day in DAYS],
    *[("GET", "/visits/plan", {"params": {"date": day}}, "date") for day in DAYS],
    *[("POST", "/holds/{hold}/lift", {"data": {"account_id": bad, "reason": "r"}}, "account_id")
      for bad in ("abc", NO_ID, "")],
    ("POST", f"{API}/calls",
     {"json": {"outcome": "promise", "promise": {"amount_fen": 10**20, "promised_date": "2099-01-01"}}},
     "amount_fen"),
    ("POST", f"{API}/calls", {"json": {"outcome": "no_answer", "contact_point_id": int(NO_ID)}},
     "contact_point_id"),
    *[("POST", f"{CASE}/calls", {"data": {**PROMISE, "promise_amount": amount}}, "promise_amount")
      for amount in ("1e999990", "1e999999999", "2.00E+05", "100000000.01", "-5", "1.234")],
    *[("POST", f"{API}/plans{end}", {"json": {**PLAN, field: 10**20}}, field)
      for end in ("/preview", "") for field in FEN_FIELDS],
    # a boolean or a fraction is not a number of fen (JSON true would count as 1 fen)
    *[("POST", f"{API}/plans{end}", {"json": {**PLAN, field: bad}}, field)
      for end in ("/preview", "") for field in FEN_FIELDS for bad in (True, 1.5)],
    ("POST", f"{API}/calls",
     {"json": {"outcome": "promise", "promise": {"amount_fen": True, "promised_date": "2099-01-01"}}},
     "amount_fen"),
    *[("POST", f"{API}/plans{end}", {"json": {**PLAN, "first_due_date": day}}, "first_due_date")
      for end in ("/preview", "") for day in DAYS],
    *[("POST", f"{CASE}/plans", {"data": {**PLAN, field: "1e999999999"}}, field)
      for field in ("waived_fee", "waived_interest", "down_payment")],
    *[("POST", f"{CASE}/plans", {"data": {**PLAN, "first_due_date": day}}, "first_due_date") for day in DAYS],
    # free text beyond MAX_TEXT through the pages (the API's schemas bound it already)
    ("POST", f"{CASE}/holds", {"data": {"kind": "dispute", "reason": "r" * 1_000_000}}, "reason"),
    ("POST", f"{CASE}/callbacks", {"data": {"due_at": "2099-01-01T10:00", "note": "n" * (MAX_TEXT + 1)}},
     "note"),
    ("POST", f"{CASE}/requests/legal-review", {"data": {"reason": "r" * (MAX_TEXT + 1)}}, "reason"),
]  # fmt: skip


# refused by the call rules (the call's time window, the promise date's range) with their own message
RULE_CASES = [
    *[("POST", f"{API}/calls", {"json": {"outcome": "no_answer", "at": at}}) for at in MOMENTS],
    *[("POST", f"{API}/calls",
       {"json": {"outcome": "promise", "promise": {"amount_fen": 100, "promised_date": day}}})
      for day in DAYS],
    *[("POST", f"{CASE}/calls", {"data": {**PROMISE, "promise_amount": "1", "promise_date": day}})
      for day in DAYS],
]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "request_args"), RULE_CASES)
def test_a_time_or_date_the_rules_refuse_answers_422(
    site: Site, method: str, path: str, request_args: dict[str, Any]
) -> None:
    answer = site.send(method, path.format(account=site.account), **request_args)
    assert answer.status_code == 422, (path, request_args, answer.status_code, answer.text[:300])


def names(answer: Any, field: str) -> bool:
    """Whether the refusal names ``field``: in an error's ``loc`` (API), or in the page's alert by its
    name or, on the case page's forms, by its label."""
    if answer.headers["content-type"].startswith("application/json"):
        return any(field in ".".join(map(str, error["loc"])) for error in answer.json()["detail"])
    alerts = [
        html.unescape(alert) for alert in re.findall(r'role="alert"[^>]*>(.*?)</p>', answer.text, re.DOTALL)
    ]
    labels = {
        gettext(lang, form[field]) for form in FORMS.values() if field in form for lang in ("en", "zh_CN")
    }
    return any(said in alert for alert in alerts for said in {field, *labels})


@pytest.mark.parametrize(
    ("method", "path", "request_args", "field"),
    [pytest.param(*case, id=f"{case[0]} {case[1]} {case[3]}") for case in FIELD_CASES],
)
def test_a_bad_field_answers_422_naming_it(
    site: Site, method: str, path: str, request_args: dict[str, Any], field: str
) -> None:
    concrete = path.format(account=site.account, hold=site.hold)
    answer = site.send(method, concrete, **request_args)
    assert answer.status_code == 422, (concrete, request_args, answer.status_code, answer.text[:300])
    assert names(answer, field), answer.text[:1000]


def test_the_panic_button_with_ids_that_cannot_exist_answers_404(site: Site) -> None:
    for stop, route in ((NO_ID, NO_ID), ("", str(2**63)), (str(2**63), "1"), ("9" * 30, "abc")):
        answer = site.send("POST", "/visits/panic", "visitor", data={"stop_id": stop, "route_id": route})
        assert answer.status_code == 404, (stop, route, answer.status_code, answer.text[:300])


@pytest.mark.parametrize("amount", ["1e999990", "1e999999999"])
def test_a_visit_outcome_with_an_amount_in_scientific_notation_is_refused(site: Site, amount: str) -> None:
    """The amount is refused before any number is built (no stop here: the answer is the stop's 404)."""
    answer = site.send(
        "POST", "/visits/stops/1/outcome", "visitor", data={"kind": "promise", "amount": amount}
    )
    assert 400 <= answer.status_code < 500, answer.text[:300]


NUL_CASES = [
    ("POST", "/api/v1/accounts/{account}/holds", {"json": {"kind": "dispute", "reason": "a\x00b"}}, "reason"),
    ("POST", "/api/v1/accounts/{account}/requests/visit", {"json": {"reason": "\x00"}}, "reason"),
    (
        "POST",
        "/api/v1/accounts/{account}/calls",
        {"json": {"outcome": "no_answer", "notes": "x\x00"}},
        "notes",
    ),
    ("POST", "/cases/{account}/calls", {"data": {"outcome": "no_answer", "notes": "x\x00y"}}, "notes"),
    ("POST", "/cases/{account}/holds", {"data": {"kind": "dispute", "reason": "\x00"}}, "reason"),
    ("GET", "/cases", {"params": {"account": "A\x00"}}, "account"),
]


@pytest.mark.parametrize(("method", "path", "request_args", "field"), NUL_CASES)
def test_a_nul_character_in_text_answers_422_naming_the_field(
    site: Site, method: str, path: str, request_args: dict[str, Any], field: str
) -> None:
    concrete = path.format(account=site.account, hold=site.hold)
    answer = site.send(method, concrete, **request_args)
    assert answer.status_code == 422, (concrete, answer.status_code, answer.text[:300])
    assert names(answer, field), answer.text[:1000]


def test_a_nul_character_in_the_sign_in_form_answers_422(site: Site) -> None:
    answer = site.client.post("/api/v1/auth/token", data={"username": "manager1\x00", "password": PASSWORD})
    assert answer.status_code == 422 and names(answer, "username")
    page = site.client.post("/login", data={"username": "manager1", "password": "x\x00"})
    assert page.status_code == 422 and names(page, "password")


def test_the_pages_name_the_field_in_the_users_language(site: Site) -> None:
    browser, token = site.browser()
    refused = [
        ("GET", "/dashboard", {"params": {"as_of": "0001-01-02"}}, "as_of", "Please check", "请检查"),
        (
            "POST",
            f"/holds/{site.hold}/lift",
            {"data": {"account_id": "abc"}},
            "account_id",
            "is not an id",
            "不是",
        ),
        ("GET", "/cases/123x", {}, "", "There is no such page.", "未找到"),
    ]
    try:
        for lang in ("en", "zh"):
            browser.client.get(f"/lang/{lang}", follow_redirects=False)
            for method, path, args, field, en, zh in refused:
                answer = browser.client.request(method, path, headers={"X-CSRF-Token": token}, **args)
                assert 400 <= answer.status_code < 500 and names(answer, field), answer.text[:800]
                assert (en if lang == "en" else zh) in answer.text, answer.text[:800]
    finally:
        browser.client.get("/lang/zh", follow_redirects=False)


JSON = {"Content-Type": "application/json"}
# JSON bodies whose refused value cannot be echoed back as JSON: not a finite number (Python's json
# reads NaN, Infinity and 1e999), or a string that is not Unicode text (a lone surrogate)
UNECHOABLE = [
    ("/api/v1/accounts/{account}/plans/preview", '{"kind": "instalment", "first_due_date": "2099-01-01", '
     '"months": %s}', "months"),
    ("/api/v1/accounts/{account}/plans", '{"kind": "instalment", "first_due_date": "2099-01-01", '
     '"months": 3, "down_payment_fen": %s}', "down_payment_fen"),
    ("/api/v1/accounts/{account}/calls", '{"outcome": "promise", "promise": {"promised_date": "2099-01-01", '
     '"amount_fen": %s}}', "amount_fen"),
    ("/api/v1/accounts/{account}/calls", '{"outcome": "no_answer", "notes": %s}', "notes"),
    ("/api/v1/accounts/{account}/holds", '{"kind": "dispute", "reason": %s}', "reason"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "field"), UNECHOABLE)
@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999", '"\\ud800"', '"a\\udfffb"'])
def test_a_json_value_that_cannot_be_echoed_answers_422_naming_the_field(
    site: Site, path: str, body: str, field: str, value: str
) -> None:
    concrete = path.format(account=site.account)
    headers = site.api() | JSON
    answer = site.client.post(concrete, content=(body % value).encode(), headers=headers)
    assert answer.status_code == 422, (concrete, value, answer.status_code, answer.text[:300])
    assert names(answer, field), answer.text[:1000]


# multipart forms: a NUL in a text field is refused like one in any other form, a file keeps its bytes
MULTIPART_NUL_CASES = [
    ("/cases/{account}/calls", {"outcome": "no_answer", "notes": "x\x00y"}, "notes"),
    ("/cases/{account}/holds", {"kind": "dispute", "reason": "a\x00"}, "reason"),
    ("/login", {"username": "manager1\x00", "password": PASSWORD}, "username"),
    ("/api/v1/auth/token", {"username": "manager1\x00", "password": PASSWORD}, "username"),
]


@pytest.mark.parametrize(("path", "fields", "field"), MULTIPART_NUL_CASES)
def test_a_nul_character_in_a_multipart_text_field_answers_422_naming_it(
    site: Site, path: str, fields: dict[str, str], field: str
) -> None:
    concrete = path.format(account=site.account)
    extra = {"attachment": ("a.bin", b"\x00\x01", "application/octet-stream")}
    answer = site.send("POST", concrete, data=fields, files=extra)
    assert answer.status_code == 422, (concrete, answer.status_code, answer.text[:300])
    assert names(answer, field), answer.text[:1000]


def test_a_nul_byte_in_a_multipart_file_is_data(site: Site) -> None:
    extra = {"attachment": ("a.bin", b"\x00" * 70_000, "application/octet-stream")}
    fields = {"outcome": "no_answer", "notes": "fine"}
    answer = site.send("POST", f"/cases/{site.account}/calls", data=fields, files=extra)
    assert answer.status_code != 422 or "NUL" not in answer.text, answer.text[:300]
    assert answer.status_code < 500
