"""``/`` takes each role to the page its day starts with; the agenda roles stay."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from web_support import signed_in_as

from arrears.web.landing import LANDING


def test_a_visitor_lands_on_todays_route(web: TestClient, book: Engine) -> None:
    answer = signed_in_as(web, "visitor1").client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/visits/today"


def test_every_landing_page_opens_for_its_role(web: TestClient, book: Engine) -> None:
    for role, path in LANDING.items():
        assert signed_in_as(web, f"{role}1").client.get(path).status_code == 200, (role, path)


def test_collectors_stay_on_their_agenda_and_anyone_may_open_it(web: TestClient, book: Engine) -> None:
    assert signed_in_as(web, "collector1").client.get("/", follow_redirects=False).status_code == 200
    for role in ("team_lead", "manager"):
        client = signed_in_as(web, f"{role}1").client
        assert client.get("/", follow_redirects=False).headers["location"] == LANDING[role]
        assert client.get("/?home=1", follow_redirects=False).status_code == 200, role
