"""Times on the pages: stored instants are UTC, every page shows them in the cardholder's or the
user's zone (Asia/Shanghai here, UTC+8), labelled; a local time typed in a form is read in that zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from web_support import signed_in_as

from arrears.models import Callback, CardAccount, ContactEvent, Hold, PlanApproval, table_of
from arrears.web.pages import actions, workspace

SHANGHAI = ZoneInfo("Asia/Shanghai")
CALLED = datetime(2026, 12, 4, 19, 9, tzinfo=UTC)  # 03:09 on 12-05 in Shanghai
NIGHT = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 00:30 on 12-05 in Shanghai: no call, no SMS


def visible(html: str) -> str:
    """The page's text as a person sees it (no tags, so no machine-readable ``datetime`` attribute)."""
    return re.sub(r"<[^>]*>", " ", html)


def _claimed(web: TestClient, username: str = "collector1") -> tuple[object, str, int]:
    browser = signed_in_as(web, username)
    case = browser.post("/queue/next").headers["location"]
    return browser, case, int(case.rsplit("/", 1)[1])


def test_a_callback_typed_as_cardholder_local_time_is_stored_in_utc_and_listed_local(
    web: TestClient, book: Engine
) -> None:
    browser, case, _ = _claimed(web)
    day = (datetime.now(SHANGHAI) + timedelta(days=2)).date()
    answer = browser.post(f"{case}/callbacks", {"due_at": f"{day}T10:30"}, token_from=case)  # type: ignore[attr-defined]
    assert answer.status_code == 303, answer.text[:300]
    with book.connect() as connection:
        stored = connection.execute(select(table_of(Callback).c.due_at)).scalar_one()
    assert stored == datetime(day.year, day.month, day.day, 2, 30, tzinfo=UTC)
    home = visible(browser.client.get("/").text)  # type: ignore[attr-defined]
    assert f"{day} 10:30" in home and "02:30" not in home
    assert "UTC+8" in home


def test_the_case_page_dates_a_call_and_a_hold_in_local_time(web: TestClient, book: Engine) -> None:
    browser, case, account_id = _claimed(web)
    e, h = table_of(ContactEvent), table_of(Hold)
    with book.begin() as connection:
        a = table_of(CardAccount)
        customer_id = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar_one()
        connection.execute(insert(e).values(account_id=account_id, customer_id=customer_id, at=CALLED,
                                            channel="call", party="debtor", connected=False,
                                            conversation=False, outcome="no_answer"))  # fmt: skip
        connection.execute(insert(h).values(account_id=account_id, customer_id=customer_id, kind="dispute",
                                            reason="disputes a charge", placed_at=CALLED))  # fmt: skip
    page = visible(browser.client.get(case).text)  # type: ignore[attr-defined]
    assert "2026-12-05 03:09" in page and "2026-12-04" not in page
    assert "UTC+8" in page


def test_approvals_show_when_a_plan_was_proposed_in_local_time(web: TestClient, book: Engine) -> None:
    browser, case, _ = _claimed(web)
    first_due = (date.today() + timedelta(days=20)).isoformat()
    beyond = {"kind": "instalment", "months": "18", "first_due_date": first_due}
    assert browser.post(f"{case}/plans", beyond, token_from=case).status_code == 303  # type: ignore[attr-defined]
    proposed = datetime(2026, 12, 4, 19, 12, tzinfo=UTC)
    with book.begin() as connection:
        connection.execute(update(table_of(PlanApproval)).values(requested_at=proposed))
    page = visible(signed_in_as(web, "team_lead1").client.get("/approvals").text)
    assert "2026-12-05 03:12" in page and "19:12" not in page and "UTC+8" in page


def test_the_dialling_check_and_a_refused_sms_say_the_next_time_in_local_time(
    web: TestClient, book: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, case, _ = _claimed(web)
    monkeypatch.setattr(workspace, "now", lambda: NIGHT)
    monkeypatch.setattr(actions, "now", lambda: NIGHT)
    page = browser.client.get(case).text  # type: ignore[attr-defined]
    assert "decision blocked" in page
    page = visible(page)
    assert "2026-12-05 08:00" in page and "UTC+8" in page and "+00:00" not in page
    refused = browser.post(f"{case}/sms", {"template": "reminder"}, token_from=case)  # type: ignore[attr-defined]
    assert refused.status_code == 422
    shown = visible(refused.text)
    assert "2026-12-05 08:00 UTC+8" in shown and "T00:00" not in shown
