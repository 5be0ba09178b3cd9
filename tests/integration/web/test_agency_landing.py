"""The agency user's first screen: the accounts placed with their agency on the business date, linked to
their cases, with the count and the overdue sum, paged; a link to their day; nothing of other agencies."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from web_support import signed_in_as

from arrears.kit.clock import now
from arrears.models import AgencyPlacement, AppUser, CardAccount, table_of
from arrears.web.pages import agency as agency_page
from web_book import CASES, RUN


def place(engine: Engine, *rows: tuple[int, str, int, int]) -> None:
    """(account, agency, days placed before the run date, days it runs after)."""
    with engine.begin() as connection:
        connection.execute(insert(table_of(AgencyPlacement)), [
            {"account_id": account, "agency_code": agency, "placed_on": RUN - timedelta(days=before),
             "ends_on": RUN + timedelta(days=after), "created_at": now()}
            for account, agency, before, after in rows])  # fmt: skip


def test_an_agency_user_lands_on_the_accounts_placed_with_their_agency(web: TestClient, book: Engine) -> None:
    place(book, (2, "X", 10, 80), (3, "X", 85, 5), (4, "Y", 0, 90), (5, "X", 200, -1))
    agency = signed_in_as(web, "agency_user1")
    assert agency.client.get("/", follow_redirects=False).headers["location"] == "/agency"
    page = agency.client.get("/agency")
    assert page.status_code == 200
    linked = re.findall(r'<a href="/cases/(\d+)">', page.text)
    assert sorted(linked) == ["2", "3"]  # not agency Y's, not a placement that has ended
    assert (
        "委外的账户共 2 个" in page.text and 'href="/?home=1"' in page.text and 'href="/agency"' in page.text
    )
    assert "剩余 5 天" in page.text  # a placement about to end
    with book.connect() as connection:
        a = table_of(CardAccount)
        overdue = connection.execute(select(a.c.overdue_fen).where(a.c.id.in_((2, 3)))).scalars().all()
    assert f"¥{sum(overdue) / 100:,.2f}" in page.text  # thousands separators
    assert (
        agency.client.get("/cases/2").status_code == 200 and agency.client.get("/cases/4").status_code == 404
    )
    assert agency.client.get("/?home=1").status_code == 200
    assert "Placed accounts" in agency.client.get("/lang/en?next=/agency").text


def test_pages_of_placed_accounts(web: TestClient, book: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(agency_page, "PER_PAGE", 5)
    place(book, *((account, "X", 1, 30) for account in range(1, CASES + 1)))
    agency = signed_in_as(web, "agency_user1")
    first, last = agency.client.get("/agency"), agency.client.get("/agency?page=3")
    assert "第 1 页，共 3 页" in first.text and 'href="/agency?page=2"' in first.text
    assert len(re.findall(r'<a href="/cases/\d+">', last.text)) == CASES - 10
    for bad in ("0", "-1", "abc", str(2**63), "9" * 5000):
        assert agency.client.get(f"/agency?page={bad}").status_code == 422, bad


def test_a_user_whose_team_names_no_agency_is_told_why(web: TestClient, book: Engine) -> None:
    with book.begin() as connection:
        u = table_of(AppUser)
        connection.execute(update(u).where(u.c.username == "agency_user1").values(team_id=None))
    page = signed_in_as(web, "agency_user1").client.get("/agency")
    assert page.status_code == 200 and 'id="no-agency"' in page.text


def test_other_roles_may_not_open_it(web: TestClient, book: Engine) -> None:
    for role in ("collector1", "manager1", "admin1"):
        assert signed_in_as(web, role).client.get("/agency").status_code == 403
