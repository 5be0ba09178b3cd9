"""The visit pages show times local to the visit (Asia/Shanghai, UTC+8) and labelled, whatever zone
the instants are stored in (UTC)."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fieldwork_book import ZONE, build_fieldwork_book
from sqlalchemy import Engine, insert, update

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import SafetyAlert, VisitStop, table_of
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import visits
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
NOW = datetime.now(ZONE).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def app(engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    monkeypatch.setattr(visits, "now", lambda: NOW)
    stops = build_fieldwork_book(engine, tmp_path, cipher, NOW.date())
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = create_app(settings, engine=engine)
    app.state.stops = stops
    return app


def signed_in(app: FastAPI, username: str) -> TestClient:
    client = TestClient(app)
    token = CSRF.search(client.get("/login").text)
    assert token is not None
    fields = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=fields, follow_redirects=False).status_code == 303
    return client


def visible(html: str) -> str:
    return re.sub(r"<[^>]*>", " ", html)


def test_a_stop_and_an_alert_show_local_labelled_times(app: FastAPI, engine: Engine) -> None:
    stop_id = app.state.stops["a"][0]
    local = NOW.replace(hour=9, minute=40)  # stored as 01:40 UTC
    arrival = local.astimezone(UTC)
    with engine.begin() as connection:
        stops = table_of(VisitStop)
        connection.execute(update(stops).where(stops.c.id == stop_id).values(planned_arrival_at=arrival))
        route_id = connection.execute(stops.select().where(stops.c.id == stop_id)).one().route_id
        raised = arrival + timedelta(minutes=7)
        alert = {"kind": "panic", "route_id": route_id, "stop_id": stop_id, "raised_at": raised}
        connection.execute(insert(table_of(SafetyAlert)).values(**alert))
    visitor = signed_in(app, "visitor1")
    for path in ("/visits/today", f"/visits/stops/{stop_id}"):
        page = visible(visitor.get(path).text)
        assert "09:40 UTC+8" in page and "01:40" not in page, path
    alerts = visible(signed_in(app, "team_lead1").get("/visits/alerts").text)
    assert "09:47 UTC+8" in alerts and "01:47" not in alerts


def test_the_planning_page_says_its_times_are_local(app: FastAPI, engine: Engine) -> None:
    page = visible(signed_in(app, "team_lead1").get(f"/visits/plan?date={NOW.date().isoformat()}").text)
    assert re.search(r"\d\d:\d\d–\d\d:\d\d UTC\+8", page)  # a route's hours, labelled
