"""The visitor's pages and the team lead's alerts over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fieldwork_book import HOME, ZONE, build_fieldwork_book
from sqlalchemy import Engine, select

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import FollowUpTask, PromiseToPay, SafetyAlert, VisitStop, table_of
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import visits
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NOW = datetime.now(ZONE).replace(hour=10, minute=0, second=0, microsecond=0)
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(80))


def with_visits(app: FastAPI) -> FastAPI:
    """The app with the visit pages (until app.py includes them)."""
    if not any(getattr(route, "path", "") == "/visits/today" for route in app.routes):
        app.include_router(visits.router)
    return app


@pytest.fixture
def app(engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    monkeypatch.setattr(visits, "now", lambda: NOW)  # inside the legal hours, whenever the test runs
    stops = build_fieldwork_book(engine, tmp_path, cipher, NOW.date())
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = with_visits(create_app(settings, engine=engine))
    app.state.stops = stops
    return app


class Person:
    def __init__(self, app: FastAPI, username: str) -> None:
        self.client = TestClient(app)
        token = CSRF.search(self.client.get("/login").text)
        assert token is not None
        answer = self.client.post(
            "/login",
            data={"username": username, "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert answer.status_code == 303

    def post(self, path: str, data: dict[str, str] | None = None, *, page: str, files: Any = None) -> Any:
        token = CSRF.search(self.client.get(page).text)
        assert token is not None, page
        fields = {**(data or {}), "csrf_token": token.group(1)}
        return self.client.post(path, data=fields, files=files, follow_redirects=False)


def test_a_visitor_works_a_stop_from_check_in_to_check_out(app: FastAPI, engine: Engine) -> None:
    visitor = Person(app, "visitor1")
    stop_id = app.state.stops["a"][0]
    here = f"/visits/stops/{stop_id}"
    today = visitor.client.get("/visits/today")
    assert today.status_code == 200 and f'href="{here}"' in today.text and "<svg" in today.text
    answer = visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1] + 0.002)}, page=here)
    assert answer.headers["location"] == f"{here}?done=checked_in"
    assert "far from the address" not in visitor.client.get(here).text
    lone = {
        "staff_id_shown": "on",
        "recording_on": "on",
        "identity_confirmed": "on",
        "situation_heard": "on",
        "reason": "illness",
        "solution_offered": "promise",
        "agreement": "reached",
    }
    refused = visitor.post(f"{here}/protocol", lone, page=here)
    assert refused.status_code == 422 and "CN-VISIT" not in refused.text and 'role="alert"' in refused.text
    assert visitor.post(f"{here}/protocol", lone | {"partner_present": "on"}, page=here).status_code == 303
    promised = (NOW.date() + timedelta(days=5)).isoformat()
    outcome = {"kind": "promise", "amount": "650.50", "promised_date": promised}
    assert visitor.post(f"{here}/outcome", outcome, page=here).status_code == 303
    photo = visitor.post(f"{here}/photos", page=here, files={"photo": ("door.png", PNG, "image/png")})
    assert photo.status_code == 303
    page = visitor.client.get(here).text
    photo_url = re.search(rf'src="({here}/photos/\d+)"', page)
    assert photo_url is not None and visitor.client.get(photo_url.group(1)).content == PNG
    assert visitor.post(f"{here}/check-out", page=here).status_code == 303
    with engine.connect() as connection:
        stop = connection.execute(
            select(table_of(VisitStop)).where(table_of(VisitStop).c.id == stop_id)
        ).one()
        promise = connection.execute(select(table_of(PromiseToPay))).one()
        task = connection.execute(select(table_of(FollowUpTask))).one()
    assert stop.status == "done" and stop.outcome == "promise" and stop.check_in_far is False
    assert promise.amount_fen == 65_050 and task.due_date.isoformat() == promised


def test_another_pairs_stop_is_404_and_other_roles_are_refused(app: FastAPI) -> None:
    theirs = app.state.stops["b"][0]
    visitor = Person(app, "visitor1")
    assert visitor.client.get(f"/visits/stops/{theirs}").status_code == 404
    answer = visitor.post(f"/visits/stops/{theirs}/check-in", {"lat": "1", "lon": "1"}, page="/visits/today")
    assert answer.status_code == 404
    assert Person(app, "collector1").client.get("/visits/today").status_code == 403
    assert visitor.client.get("/visits/alerts").status_code == 403


def test_the_team_lead_sees_and_acknowledges_alerts(app: FastAPI, engine: Engine) -> None:
    visitor = Person(app, "visitor2")
    stop_id = app.state.stops["a"][0]
    here = f"/visits/stops/{stop_id}"
    visitor.post(f"{here}/check-in", page=here)  # no position: flagged
    assert "position unknown" in visitor.client.get(here).text or "位置未知" in visitor.client.get(here).text
    with engine.connect() as connection:
        route_id = connection.execute(
            select(table_of(VisitStop).c.route_id).where(table_of(VisitStop).c.id == stop_id)
        ).scalar()
    panic = visitor.post("/visits/panic", {"route_id": str(route_id), "stop_id": str(stop_id)}, page=here)
    assert panic.headers["location"] == f"{here}?done=panic"
    lead = Person(app, "team_lead1")
    assert 'hx-get="/visits/alerts/badge"' in lead.client.get("/").text  # on every page of the lead
    assert '<span class="pill bad"' in lead.client.get("/visits/alerts/badge").text  # one open alert
    listing = lead.client.get("/visits/alerts")
    assert listing.status_code == 200 and 'hx-trigger="every 30s"' in listing.text
    fragment = lead.client.get("/visits/alerts", headers={"HX-Request": "true"})
    assert fragment.text.lstrip().startswith('<div id="visit-alerts"')
    with engine.connect() as connection:
        alert_id = connection.execute(select(table_of(SafetyAlert).c.id)).scalar_one()
    done = lead.post(f"/visits/alerts/{alert_id}/acknowledge", {"note": "on my way"}, page="/visits/alerts")
    assert done.headers["location"] == "/visits/alerts?done=acknowledged"
    assert f"/visits/alerts/{alert_id}/acknowledge" not in lead.client.get("/visits/alerts").text
    assert "pill bad" not in lead.client.get("/visits/alerts/badge").text
