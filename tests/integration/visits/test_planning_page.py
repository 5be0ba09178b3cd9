"""The visit planner's page: routes, the map and the left-out candidates for a team lead; 403 for a
collector; re-planning needs the CSRF token."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from planning_book import build_visit_book
from sqlalchemy import Engine

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import visit_planning
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    monkeypatch.setattr(visit_planning, "SOLVER_ITERATIONS", 200)


@pytest.fixture
def web(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> TestClient:
    build_visit_book(engine, tmp_path, cipher)
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = create_app(settings, engine=engine)
    if not any(getattr(route, "path", None) == "/visits/plan" for route in app.routes):
        app.include_router(visit_planning.router)
    return TestClient(app)


def _signed_in(web: TestClient, username: str) -> TestClient:
    client = TestClient(web.app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    fields = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    answer = client.post("/login", data=fields, follow_redirects=False)
    assert answer.status_code == 303
    return client


def test_a_team_lead_plans_the_day_and_sees_routes_map_and_reasons(web: TestClient) -> None:
    lead = _signed_in(web, "team_lead1")
    lead.get("/lang/en")
    empty = lead.get("/visits/plan?date=2005-10-01")
    assert empty.status_code == 200 and "No routes for this day yet." in empty.text
    token = CSRF.search(empty.text)
    assert token is not None

    assert lead.post("/visits/plan", data={"date": "2005-10-01"}).status_code == 403  # no CSRF token
    planned = lead.post("/visits/plan", data={"date": "2005-10-01", "csrf_token": token.group(1)})

    assert planned.status_code == 200, planned.text
    assert "Pair pair-" in planned.text and "<svg" in planned.text and "<polyline" in planned.text
    assert "Left out" in planned.text
    assert "http://" not in planned.text.replace("http://www.w3.org/2000/svg", "")  # no tile server
    shown = lead.get("/visits/plan?date=2005-10-01")
    assert shown.text.count("<polyline") == planned.text.count("<polyline") >= 1
    assert "****" in shown.text and "号" not in shown.text  # addresses are masked (no street number)


def test_the_page_is_in_chinese_by_default_and_refuses_a_bad_date(web: TestClient) -> None:
    lead = _signed_in(web, "manager1")

    page = lead.get("/visits/plan?date=2005-10-01")
    assert page.status_code == 200 and "外访排程" in page.text
    assert lead.get("/visits/plan?date=tomorrow").status_code == 422


def test_a_collector_may_not_plan_visits(web: TestClient) -> None:
    collector = _signed_in(web, "collector1")

    assert collector.get("/visits/plan").status_code == 403
    token = CSRF.search(collector.get("/").text)
    assert token is not None
    assert (
        collector.post("/visits/plan", data={"date": "2005-10-01", "csrf_token": token.group(1)}).status_code
        == 403
    )
