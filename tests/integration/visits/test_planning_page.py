"""The visit planner's page: routes, the map and the left-out candidates for a team lead; 403 for a
collector; re-planning needs the CSRF token."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from planning_book import build_visit_book
from sqlalchemy import Engine, insert, select

from arrears.compliance.policy import load_policy
from arrears.config import Settings
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, CaseRequest, Hold, VisitPair, VisitRoute, VisitStop, table_of
from arrears.users import passwords
from arrears.visits import planning
from arrears.visits.matrix import HaversineMatrix
from arrears.visits.planning import plan_visits
from arrears.web.app import create_app
from arrears.web.pages import visit_planning
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, PASSWORD, RUN

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def fast(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    monkeypatch.setitem(planning.SOLVER, "iterations", 200)


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


def _stops(engine: Engine) -> list[tuple[str, int, int]]:
    r, s, p = table_of(VisitRoute), table_of(VisitStop), table_of(VisitPair)
    query = (
        select(p.c.code, s.c.sequence, s.c.account_id)
        .join(r, r.c.id == s.c.route_id)
        .join(p, p.c.id == r.c.pair_id)
        .order_by(p.c.code, s.c.sequence)
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def test_planning_again_keeps_the_date_and_the_same_routes(web: TestClient, engine: Engine) -> None:
    """The demo and the CLI plan with the solver settings the page uses: planning the same input again
    gives the same routes in the same order."""
    with engine.begin() as connection:
        plan_visits(connection, plan_date=RUN, policy=load_policy("cn"), zone="Asia/Shanghai",
                    travel_times=HaversineMatrix(), now=now(), **planning.SOLVER)  # fmt: skip
    before = _stops(engine)
    lead = _signed_in(web, "team_lead1")
    page = lead.get("/visits/plan?date=2005-10-01")
    assert 'action="/visits/plan?date=2005-10-01"' in page.text
    token = CSRF.search(page.text)
    assert token is not None
    again = lead.post(
        "/visits/plan?date=2005-10-01", data={"date": "2005-10-01", "csrf_token": token.group(1)}
    )
    assert again.status_code == 200 and before and _stops(engine) == before


def test_a_held_account_asked_for_by_a_collector_is_left_out_for_its_hold(
    web: TestClient, engine: Engine
) -> None:
    a = table_of(CardAccount)
    with engine.begin() as connection:
        held, customer, held_no = connection.execute(
            select(a.c.id, a.c.customer_id, a.c.account_no).limit(1)
        ).one()
        at, whose = now(), {"account_id": held, "customer_id": customer}
        connection.execute(insert(table_of(CaseRequest)).values(**whose, kind="visit", reason="asked",
                                                                status="open", requested_at=at))  # fmt: skip
        connection.execute(insert(table_of(Hold)).values(**whose, kind="dispute", reason="x", placed_at=at))
    lead = _signed_in(web, "team_lead1")
    token = CSRF.search(lead.get("/visits/plan?date=2005-10-01").text)
    assert token is not None
    planned = lead.post(
        "/visits/plan?date=2005-10-01", data={"date": "2005-10-01", "csrf_token": token.group(1)}
    )
    row = re.search(rf"<tr><td>{held_no}(.*?)</tr>", planned.text)
    assert row is not None and "停催中：异议" in row.group(1) and '<span class="pill">' in row.group(1)
    lead.get("/lang/en")
    shown = lead.post(
        "/visits/plan?date=2005-10-01", data={"date": "2005-10-01", "csrf_token": token.group(1)}
    )
    row = re.search(rf"<tr><td>{held_no}(.*?)</tr>", shown.text)
    assert row is not None and "on hold: dispute" in row.group(1) and "visit requested" in row.group(1)
