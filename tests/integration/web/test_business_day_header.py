"""Every staff page works on the business date (the latest completed run's) and says when today's run
has not completed; pages that offer a date default to it."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from web_support import signed_in_as

from arrears.models import DailyRun, table_of

RUN = "2005-10-01"  # the web book's completed run


def test_the_header_names_the_business_date_and_warns_that_todays_run_has_not_completed(
    web: TestClient, book: Engine
) -> None:
    page = signed_in_as(web, "manager1").client.get("/").text
    header = re.search(r'<p class="business-day behind" id="business-day">.*?</p>', page, re.S)
    assert header is not None
    assert f'<time datetime="{RUN}">{RUN}</time>' in header.group(0)
    assert "的日批尚未完成" in header.group(0)


def test_the_dashboard_and_the_visit_plan_default_to_the_business_date(web: TestClient, book: Engine) -> None:
    lead = signed_in_as(web, "manager1").client
    assert f'value="{RUN}"' in lead.get("/dashboard").text
    assert f'value="{RUN}"' in lead.get("/visits/plan").text


def test_before_any_completed_run_the_pages_say_so_in_english(web: TestClient, book: Engine) -> None:
    with book.begin() as connection:
        connection.execute(update(table_of(DailyRun)).values(status="running"))
    client = signed_in_as(web, "manager1").client
    client.get("/lang/en")
    assert "no daily run has completed yet" in client.get("/").text


def test_the_sign_in_page_has_no_business_date(web: TestClient, book: Engine) -> None:
    assert 'id="business-day"' not in web.get("/login").text
