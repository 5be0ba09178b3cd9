"""Accessibility of every staff page in zh-CN: each role of the web book signs in and opens every page it
has (home and its agenda, the case page, approvals, the dashboard, templates, the outbox, payments, the
service desk and a case, the visit plan, the route, a stop, alerts, portal requests, and whatever page
their links lead to), on the book with every kind of record (tests/every_code_book.py); axe-core
reports no serious or critical violation on any of them, nor while the regions that refresh themselves
(the agenda, the case's payments, the alerts...) are being refreshed."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page
from serving import served
from signing_in import sign_in
from sqlalchemy import Engine

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import ROLES
from arrears.users import passwords
from arrears.web.app import create_app
from every_code_book import Seeded, build_every_code_book
from fixed_keys import TEST_KEY
from staff_pages import staff_pages, starting_points
from web_book import FAST_HASHER, PASSWORD

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
SERIOUS = ("serious", "critical")
# what htmx does to a region while it refreshes it (a poll's request on its way)
REFRESHING = """() => { const found = document.querySelectorAll('[hx-trigger*="every"]');
  found.forEach(e => e.classList.add('htmx-request')); return found.length; }"""


@pytest.fixture
def staff_server(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, FastAPI, Seeded]]:
    """The app on the book with every code, served; its base URL, the app and the seeded ids."""
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    seeded = build_every_code_book(engine, tmp_path, cipher)
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = create_app(settings, engine=engine)
    with served(app) as base:
        yield base, app, seeded


def pages_of(app: FastAPI, seeded: Seeded, username: str) -> list[str]:
    """The whole pages (no htmx fragment) the user reaches, one of each shape."""
    client = TestClient(app)
    token = client.get("/login").text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    found = staff_pages(client, "zh-CN", starting_points(app, seeded), per_shape=1, fragments=False)
    return [page.url for page in found if page.whole]


def violations(axe: Axe, page: Page) -> list[str]:
    found = axe.run(page).response["violations"]
    return [
        f"{one['id']} ({one['impact']}): {[node['target'] for node in one['nodes']][:3]}"
        for one in found
        if one["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_serious_or_critical_violation_on_any_staff_page(
    staff_server: tuple[str, FastAPI, Seeded], new_page: Callable[..., Page], role: str
) -> None:
    server, app, seeded = staff_server
    urls = pages_of(app, seeded, f"{role}1")
    assert len(urls) >= 3, urls  # home, the password page and the role's own
    page, axe = new_page(), Axe()
    sign_in(page, server, f"{role}1")
    found = {}
    for url in urls:
        page.goto(f"{server}{url}")
        page.wait_for_load_state("networkidle")
        bad = violations(axe, page)
        if page.evaluate(REFRESHING):
            bad += [f"while refreshing: {one}" for one in violations(axe, page)]
        if bad:
            found[url] = bad
    assert found == {}
