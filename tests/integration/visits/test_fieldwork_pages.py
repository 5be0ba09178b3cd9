"""The visitor's pages and the team lead's alerts over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fieldwork_book import HOME, ZONE, build_fieldwork_book
from sqlalchemy import Engine, select, update

from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    ContactPoint,
    FollowUpTask,
    PromiseToPay,
    SafetyAlert,
    VisitPhoto,
    VisitRoute,
    VisitStop,
    table_of,
)
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import visit_safety, visits
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
    monkeypatch.setattr(visit_safety, "now", lambda: NOW)  # missed check-outs on the same clock
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


def _route_id(engine: Engine, stop_id: int) -> int:
    s = table_of(VisitStop)
    with engine.connect() as connection:
        return int(connection.execute(select(s.c.route_id).where(s.c.id == stop_id)).scalar_one())


def _actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [entry.action for entry in AuditLog(connection).entries()]


LONE = {  # the protocol with one member ticked present: refused by the rulebook
    "staff_id_shown": "on",
    "recording_on": "on",
    "identity_confirmed": "on",
    "situation_heard": "on",
    "reason": "illness",
    "solution_offered": "plan",
    "agreement": "reached",
    "notes": "lives on the third floor, door on the left",
}


def _checked(page: str, name: str) -> bool:
    found = re.search(rf'<input type="checkbox" name="{name}"([^>]*)>', page)
    return found is not None and "checked" in found.group(1)


def test_a_refused_protocol_keeps_every_tick_and_the_notes(app: FastAPI) -> None:
    visitor = Person(app, "visitor1")
    here = f"/visits/stops/{app.state.stops['a'][0]}"
    visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, page=here)
    refused = visitor.post(f"{here}/protocol", LONE, page=here)
    assert refused.status_code == 422
    assert all(
        _checked(refused.text, name) for name in ("staff_id_shown", "recording_on", "identity_confirmed")
    )
    assert not _checked(refused.text, "partner_present") and LONE["notes"] in refused.text
    assert re.search(r'<option value="illness" selected', refused.text)
    assert re.search(r'<option value="plan" selected', refused.text)
    inconsistent = visitor.post(
        f"{here}/protocol", LONE | {"partner_present": "on", "entered_home": "on"}, page=here
    )
    assert inconsistent.status_code == 422 and LONE["notes"] in inconsistent.text
    assert "进入住宅须先征得持卡人同意" in inconsistent.text and _checked(inconsistent.text, "entered_home")
    assert re.search(r'name="consent_to_enter"[^>]*aria-invalid="true"', inconsistent.text)


def test_a_refused_outcome_names_the_field_and_keeps_the_input(app: FastAPI) -> None:
    visitor = Person(app, "visitor1")
    here = f"/visits/stops/{app.state.stops['a'][0]}"
    visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, page=here)
    assert visitor.post(f"{here}/protocol", LONE | {"partner_present": "on"}, page=here).status_code == 303
    first_due = (NOW.date() + timedelta(days=20)).isoformat()
    plan = {"kind": "plan", "plan_months": "60", "plan_first_due_date": first_due}
    refused = visitor.post(f"{here}/outcome", plan, page=here)
    assert refused.status_code == 422 and "期数" in refused.text and "36" in refused.text
    assert 'value="60"' in refused.text and f'value="{first_due}"' in refused.text
    assert re.search(r'name="plan_months"[^>]*aria-invalid="true"', refused.text)
    assert visitor.post(f"{here}/outcome", plan | {"plan_months": "36"}, page=here).status_code == 303


def test_a_night_check_in_is_refused_and_the_refusal_audited(
    app: FastAPI, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    visitor = Person(app, "visitor1")
    here = f"/visits/stops/{app.state.stops['a'][0]}"
    monkeypatch.setattr(visits, "now", lambda: NOW.replace(hour=3, minute=14))
    refused = visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, page=here)
    assert refused.status_code == 422 and 'role="alert"' in refused.text and "08:00-22:00" in refused.text
    assert _actions(engine) == ["visit.refused"]
    with engine.connect() as connection:
        status = connection.execute(
            select(table_of(VisitStop).c.status).where(table_of(VisitStop).c.id == app.state.stops["a"][0])
        ).scalar()
    assert status == "planned"


def test_check_out_asks_for_an_outcome_and_a_confirmation(app: FastAPI, engine: Engine) -> None:
    visitor = Person(app, "visitor1")
    stop_id = app.state.stops["a"][0]
    here = f"/visits/stops/{stop_id}"
    visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, page=here)
    page = visitor.client.get(here).text
    form = re.search(r'<form[^>]*id="check-out-form".*?</form>', page, re.S)
    assert form is not None and 'name="outcome"' in form.group(0) and "required" in form.group(0)
    assert "data-confirm=" in form.group(0)
    refused = visitor.post(f"{here}/check-out", page=here)
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert visitor.post(f"{here}/check-out", {"outcome": "no_contact"}, page=here).status_code == 303
    with engine.connect() as connection:
        stop = connection.execute(
            select(table_of(VisitStop)).where(table_of(VisitStop).c.id == stop_id)
        ).one()
    assert stop.status == "done" and stop.outcome == "no_contact"


def test_the_route_of_another_day_opens_with_its_date(app: FastAPI, engine: Engine) -> None:
    visitor = Person(app, "visitor1")
    with engine.begin() as connection:
        connection.execute(
            update(table_of(VisitRoute))
            .where(table_of(VisitRoute).c.id == _route_id(engine, app.state.stops["a"][0]))
            .values(plan_date=date(2005, 10, 1))
        )
    assert f'href="/visits/stops/{app.state.stops["a"][0]}"' not in visitor.client.get("/visits/today").text
    that_day = visitor.client.get("/visits/today?date=2005-10-01")
    assert that_day.status_code == 200 and f'href="/visits/stops/{app.state.stops["a"][0]}"' in that_day.text
    assert "2005-10-01" in that_day.text
    assert visitor.client.get("/visits/today?date=2005-13-01").status_code == 422
    assert visitor.client.get("/visits/today?date=0001-01-02").status_code == 422


def test_the_full_address_of_todays_stop_is_revealed_with_a_map_link_and_audited(
    app: FastAPI, engine: Engine, cipher: FieldCipher
) -> None:
    visitor = Person(app, "visitor1")
    stop_id, theirs = app.state.stops["a"][0], app.state.stops["b"][0]
    here = f"/visits/stops/{stop_id}"
    p, s = table_of(ContactPoint), table_of(VisitStop)
    with engine.connect() as connection:
        point = connection.execute(
            select(p.c.id, p.c.value_enc, p.c.customer_id)
            .join(s, s.c.contact_point_id == p.c.id)
            .where(s.c.id == stop_id)
        ).one()
        phones = (
            connection.execute(
                select(p.c.value_enc).where(p.c.customer_id == point.customer_id, p.c.kind == "mobile")
            )
            .scalars()
            .all()
        )
    address = cipher.decrypt(point.value_enc)
    page = visitor.client.get(here).text
    assert address not in page and f'hx-post="{here}/address"' in page
    shown = visitor.post(f"{here}/address", page=here)
    assert shown.status_code == 200 and address in shown.text and 'href="geo:' in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert not any(cipher.decrypt(phone) in shown.text for phone in phones)  # nothing else revealed
    with engine.connect() as connection:
        entry = AuditLog(connection).entries()[-1]
    assert entry.action == "pii.reveal" and entry.actor == "visitor1"
    details = json.loads(entry.details) if isinstance(entry.details, str) else entry.details
    assert details["fields"] == ["address"] and details["contact_points"] == [point.id]
    assert address not in str(entry.details)
    assert visitor.post(f"/visits/stops/{theirs}/address", page=here).status_code == 404
    with engine.begin() as connection:
        connection.execute(
            update(table_of(VisitRoute))
            .where(table_of(VisitRoute).c.id == _route_id(engine, stop_id))
            .values(plan_date=NOW.date() - timedelta(days=1))
        )
    other_day = visitor.post(f"{here}/address", page=here)
    assert other_day.status_code == 422 and address not in other_day.text


def test_a_panic_says_truthfully_who_was_told(app: FastAPI, engine: Engine) -> None:
    """Pair B's team has no team lead: without a field supervisor the managers are told, by name."""
    visitor = Person(app, "visitor3")
    stop_id = app.state.stops["b"][0]
    here = f"/visits/stops/{stop_id}"
    fields = {"route_id": str(_route_id(engine, stop_id)), "stop_id": str(stop_id)}
    told = visitor.client.get(visitor.post("/visits/panic", fields, page=here).headers["location"]).text
    assert "manager one" in told and "已通知你的组长" not in told and "to your team lead" not in told
    app.state.settings = app.state.settings.model_copy(update={"field_supervisors": "team_lead1"})
    told = visitor.client.get(visitor.post("/visits/panic", fields, page=here).headers["location"]).text
    assert "team_lead one" in told
    assert len(Person(app, "team_lead1").client.get("/visits/alerts").text.split("/acknowledge")) == 3


def test_a_chunked_photo_over_the_limit_is_refused_while_reading(app: FastAPI, engine: Engine) -> None:
    visitor = Person(app, "visitor1")
    here = f"/visits/stops/{app.state.stops['a'][0]}"
    visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, page=here)
    token = CSRF.search(visitor.client.get(here).text)
    assert token is not None
    boundary = "photo-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token.group(1)}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    sent = {"bytes": 0}

    def body() -> Iterator[bytes]:  # no Content-Length: the body is sent in chunks
        yield head + PNG
        for _ in range(visits.PHOTO_FORM_BYTES // (256 * 1024) + 8):
            sent["bytes"] += 256 * 1024
            yield bytes(256 * 1024)
        yield f"\r\n--{boundary}--\r\n".encode()

    answer = visitor.client.post(
        f"{here}/photos",
        content=body(),
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        follow_redirects=False,
    )
    assert answer.status_code == 413
    with engine.connect() as connection:
        assert connection.execute(select(table_of(VisitPhoto))).first() is None


def test_a_stop_of_another_day_leads_back_to_its_route_and_shows_statuses_translated(
    app: FastAPI, engine: Engine
) -> None:
    stop_id = app.state.stops["a"][0]
    s = table_of(VisitStop)
    with engine.begin() as connection:
        connection.execute(
            update(table_of(VisitRoute))
            .where(table_of(VisitRoute).c.id == _route_id(engine, stop_id))
            .values(plan_date=date(2005, 10, 1))
        )
        account_id = connection.execute(select(s.c.account_id).where(s.c.id == stop_id)).scalar_one()
        promise = {"account_id": account_id, "amount_fen": 10_000, "taken_on": NOW.date(), "status": "open"}
        connection.execute(
            table_of(PromiseToPay).insert().values(**promise, promised_date=NOW.date(), created_at=NOW)
        )
    page = Person(app, "visitor1").client.get(f"/visits/stops/{stop_id}").text
    assert 'href="/visits/today?date=2005-10-01"' in page  # not today's (empty) route
    history = page.split("<details>", 1)[1]
    assert "未结" in history and ">open<" not in history  # the status as people read it, not its code


def test_a_night_check_in_says_from_when_the_visit_is_allowed(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    visitor = Person(app, "visitor1")
    here = f"/visits/stops/{app.state.stops['a'][0]}"
    monkeypatch.setattr(visits, "now", lambda: NOW.replace(hour=3, minute=14))
    refused = visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, page=here)
    assert refused.status_code == 422 and f"{NOW.date().isoformat()} 08:00 UTC+8" in refused.text
