"""A page refusing a query or form field says, in the reader's language, what the field takes."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from web_support import signed_in_as


def test_a_date_out_of_range_says_which_dates_are_taken(web: TestClient) -> None:
    manager = signed_in_as(web, "manager1")
    for day in ("0001-01-02", "9999-12-31", "2005-13-01"):
        page = manager.client.get(f"/dashboard?as_of={day}")
        assert page.status_code == 422 and "as_of" in page.text, day
        assert "1900-01-01" in page.text and "2999-12-31" in page.text, day
    manager.client.get("/lang/en")
    page = manager.client.get("/dashboard?as_of=0001-01-02")
    assert page.status_code == 422 and "a date from 1900-01-01 to 2999-12-31" in page.text


def test_a_promise_on_an_unanswered_call_is_refused_without_the_outcome_code(web: TestClient) -> None:
    collector = signed_in_as(web, "collector1")
    case = collector.post("/queue/next").headers["location"]
    point = re.search(
        r'name="contact_point_id"[^>]*>\s*<option value="(\d+)"', collector.client.get(case).text
    )
    assert point is not None
    for outcome, conversation in (("no_answer", {}), ("busy", {"conversation": "on"})):
        fields = {"contact_point_id": point.group(1), "party": "debtor", "outcome": outcome, **conversation}
        promise = {"promise_amount": "300", "promise_date": date.today().isoformat()}
        page = collector.post(f"{case}/calls", {**fields, **promise}, token_from=case)
        error = re.search(r'id="call-error">([^<]*)<', page.text)
        assert page.status_code == 422 and error is not None
        assert "未接通" in error.group(1) and outcome not in error.group(1), error.group(1)
