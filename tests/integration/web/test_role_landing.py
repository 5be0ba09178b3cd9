"""``/`` takes each role to the page its day starts with; the agenda roles stay."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert
from web_support import signed_in_as

from arrears.kit.clock import now
from arrears.models import Team, table_of
from arrears.users.service import create_user
from arrears.web.landing import FIELD_LEAD, LANDING
from web_book import PASSWORD


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


def test_the_lead_of_a_field_team_lands_on_the_visit_plan(web: TestClient, book: Engine) -> None:
    with book.begin() as connection:
        connection.execute(insert(table_of(Team)).values(code="field-x", name="field-x", kind="field"))
        create_user(connection, username="fieldlead", display_name="field lead", role="team_lead",
                    password=PASSWORD, now=now(), team_code="field-x")  # fmt: skip
    answer = signed_in_as(web, "fieldlead").client.get("/", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == FIELD_LEAD
