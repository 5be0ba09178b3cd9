"""A visitor records what they learned on a visit from the visit's page (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import FastAPI
from fieldwork_book import HOME, ZONE, build_fieldwork_book
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from test_fieldwork_pages import Person

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import LearnedFact, VisitStop
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import visit_safety, visits
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER

NOW = datetime.now(ZONE).replace(hour=10, minute=0, second=0, microsecond=0)


@pytest.fixture
def app(engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    monkeypatch.setattr(visits, "now", lambda: NOW)  # inside the legal hours, whenever the test runs
    monkeypatch.setattr(visit_safety, "now", lambda: NOW)
    stops = build_fieldwork_book(engine, tmp_path, cipher, NOW.date())
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    app = create_app(settings, engine=engine)
    app.state.stops = stops
    return app


def account_of(engine: Engine, stop_id: int) -> int:
    with Session(engine) as session:
        return session.get_one(VisitStop, stop_id).account_id


def checked_in(app: FastAPI, username: str = "visitor1") -> tuple[Person, int, str]:
    visitor, stop_id = Person(app, username), app.state.stops["a"][0]
    here = f"/visits/stops/{stop_id}"
    answer = visitor.post(f"{here}/check-in", {"lat": str(HOME[0]), "lon": str(HOME[1])}, page=here)
    assert answer.status_code == 303
    return visitor, stop_id, here


def test_a_fact_learned_on_a_visit_is_kept_with_the_visit(
    app: FastAPI, engine: Engine, cipher: FieldCipher
) -> None:
    visitor, stop_id, here = checked_in(app)
    account = account_of(engine, stop_id)
    page = visitor.client.get(here).text
    assert 'id="fact-form"' in page and f'value="{stop_id}"' in page

    fields = {"kind": "household", "value": "wife works at a shop; two children at school", "source": "visit",
              "learned_date": NOW.date().isoformat(), "visit_stop_id": str(stop_id),
              "back": "stop"}  # fmt: skip
    answer = visitor.post(f"/cases/{account}/facts", fields, page=here)

    assert answer.status_code == 303 and answer.headers["location"] == f"{here}?done=fact"
    with Session(engine) as session:
        fact = session.scalars(select(LearnedFact)).one()
    assert (fact.account_id, fact.visit_stop_id, fact.source, fact.kind) == (
        account,
        stop_id,
        "visit",
        "household",
    )
    assert cipher.decrypt(fact.value_enc) == fields["value"]


def test_a_refused_fact_shows_on_the_visit_page_and_another_pair_cannot_record(
    app: FastAPI, engine: Engine
) -> None:
    visitor, stop_id, here = checked_in(app)
    account = account_of(engine, stop_id)
    fields = {"kind": "phone", "value": "not a number", "source": "visit",
              "learned_date": NOW.date().isoformat(), "visit_stop_id": str(stop_id),
              "back": "stop"}  # fmt: skip

    refused = visitor.post(f"/cases/{account}/facts", fields, page=here)
    other = Person(app, "visitor3").post(
        f"/cases/{account}/facts", fields | {"value": "13912345678"}, page="/visits/today"
    )
    no_visit = visitor.post(
        f"/cases/{account}/facts", {k: v for k, v in fields.items() if k != "visit_stop_id"}, page=here
    )

    assert refused.status_code == 422 and "不是电话号码" in refused.text and "not a number" in refused.text
    assert other.status_code == 404  # not their pair's visit
    assert no_visit.status_code == 404  # a visitor records on their visits only
    with Session(engine) as session:
        assert session.scalars(select(LearnedFact)).all() == []
