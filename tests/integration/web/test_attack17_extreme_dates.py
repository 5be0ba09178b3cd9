"""Rows dated at the edges of what a date can hold never take a page down: a callback or a promise on
0001-01-01 or 9999-12-31 (written straight into the database) on the collector's agenda and the floor
view, and a business date at the start of the calendar (the only completed run dated 0001-01-01) on
every page that works on the business date."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, insert, select
from web_support import Browser

from arrears.kit.clock import now
from arrears.models import Callback, CardAccount, DailyRun, PromiseToPay, table_of
from floor_day import calls, user

EDGES = [datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 12, 31, 23, 59, tzinfo=UTC)]


def signed_in(web: TestClient, username: str) -> Browser:
    """A browser of its own whose server errors answer 500 (as a person would see them)."""
    browser = Browser(TestClient(web.app, raise_server_exceptions=False))
    assert browser.sign_in(username).status_code == 303
    return browser


def statuses(web: TestClient, pages: dict[str, list[str]]) -> dict[tuple[str, str], int]:
    found = {}
    for username, paths in pages.items():
        browser = signed_in(web, username)
        for path in paths:
            found[(username, path)] = browser.client.get(path).status_code
    return found


@pytest.mark.parametrize("edge", EDGES, ids=["0001-01-01", "9999-12-31"])
def test_callbacks_and_promises_at_the_calendars_edges_show_on_the_agenda_and_the_floor(
    web: TestClient, book: Engine, edge: datetime
) -> None:
    one, account = user(book, "collector1"), calls(book)[0]["account_id"]
    a = table_of(CardAccount)
    with book.begin() as connection:
        customer = connection.execute(select(a.c.customer_id).where(a.c.id == account)).scalar_one()
        connection.execute(insert(table_of(Callback)).values(
            account_id=account, customer_id=customer, user_id=one.id, status="open", due_at=edge,
            created_at=now(), note="edge"))  # fmt: skip
        connection.execute(insert(table_of(PromiseToPay)).values(
            account_id=account, amount_fen=100, taken_on=edge.date(), promised_date=edge.date(),
            status="open", created_at=now(), taken_by_id=one.id))  # fmt: skip

    found = statuses(web, {"collector1": ["/", "/?home=1", "/agenda"], "team_lead1": ["/team", "/team/board"],
                           "manager1": ["/team"]})  # fmt: skip

    assert found == dict.fromkeys(found, 200), found


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1, 1, 31)])
def test_a_business_date_at_the_start_of_the_calendar_takes_no_page_down(
    web: TestClient, book: Engine, day: date
) -> None:
    """``arrears run --date`` takes any date: a run dated 0001-01-01 (a typo) may be the only completed
    one, and the pages count back from the business date (30 days of payments, the day before)."""
    with book.begin() as connection:
        connection.execute(delete(table_of(DailyRun)))
        connection.execute(insert(table_of(DailyRun)).values(run_date=day, status="completed",
                                                             started_at=now()))  # fmt: skip

    found = statuses(web, {"collector1": ["/", "/?home=1", "/agenda"], "team_lead1": ["/team", "/team/board"],
                           "manager1": ["/team", "/dashboard", "/outbox"]})  # fmt: skip

    assert found == dict.fromkeys(found, 200), found
