"""The case page's contact actions through the pages: the check before dialling, SMS, callbacks,
requests and holds."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import Browser, signed_in_as

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.models import Callback, CaseRequest, ContactEvent, Hold, OutboxMessage, table_of


def claimed(web: TestClient, username: str = "collector1") -> tuple[Browser, str]:
    browser = signed_in_as(web, username)
    return browser, browser.post("/queue/next").headers["location"]


def test_the_case_page_shows_the_dialling_check(web: TestClient, book: Engine) -> None:
    browser, case = claimed(web)
    page = browser.client.get(case).text
    assert 'id="call-check"' in page
    fragment = browser.client.get(f"{case}/call-check", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and 'id="call-check"' in fragment.text


def test_an_sms_is_previewed_masked_and_sent_or_refused(web: TestClient, book: Engine) -> None:
    browser, case = claimed(web)
    preview = browser.post(f"{case}/sms/preview", {"template": "reminder"}, token_from=case)
    assert preview.status_code == 200 and "blockquote" in preview.text
    answer = browser.post(f"{case}/sms", {"template": "reminder"}, token_from=case)
    with book.connect() as connection:
        queued = connection.execute(select(table_of(OutboxMessage).c.status)).scalars().all()
        logged = connection.execute(select(table_of(ContactEvent).c.channel)).scalars().all()
    assert logged == []  # the dispatcher logs the contact when it sends
    if answer.status_code == 303:  # inside the SMS hours
        assert queued == ["queued"] and answer.headers["location"].endswith("?done=sms")
        assert 'id="sms-queued"' in browser.client.get(answer.headers["location"]).text
    else:  # outside them: refused with the rulebook's reason, nothing recorded
        assert answer.status_code == 422 and 'role="alert"' in answer.text and queued == []


def test_a_double_click_queues_one_sms(web: TestClient, book: Engine) -> None:
    browser, case = claimed(web)
    form = {"template": "reminder", "request_key": "form-key-0001"}
    answers = [browser.post(f"{case}/sms", form, token_from=case).status_code for _ in range(2)]
    with book.connect() as connection:
        queued = connection.execute(select(table_of(OutboxMessage).c.status)).scalars().all()
    assert answers in ([303, 303], [422, 422]) and len(queued) == (1 if answers[0] == 303 else 0)


def test_a_callback_a_request_and_a_hold(web: TestClient, book: Engine) -> None:
    browser, case = claimed(web)
    account_id = int(case.rsplit("/", 1)[1])
    tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).replace(hour=10, minute=0)
    due = {"due_at": tomorrow.strftime("%Y-%m-%dT%H:%M"), "note": "payday"}
    answer = browser.post(f"{case}/callbacks", due, token_from=case)
    assert answer.status_code == 303, answer.text[:300]
    assert "payday" in browser.client.get("/").text  # on the start page
    assert (
        browser.post(
            f"{case}/requests/visit", {"reason": "no answer for a week"}, token_from=case
        ).status_code
        == 303
    )
    again = browser.post(f"{case}/requests/visit", {"reason": "again"}, token_from=case)
    assert again.status_code == 422  # one open visit request per account
    hold = browser.post(f"{case}/holds", {"kind": "dispute", "reason": "disputes a charge"}, token_from=case)
    assert hold.status_code == 303
    with book.connect() as connection:
        hold_id = connection.execute(select(table_of(Hold).c.id)).scalar_one()
        assert connection.execute(select(table_of(Callback))).first() is not None
        assert connection.execute(select(table_of(CaseRequest).c.kind)).scalars().all() == ["visit"]
    shown = browser.client.get(case).text
    assert "decision blocked" in shown  # the hold stops the call
    assert f"/holds/{hold_id}/lift" not in shown  # a collector lifts no hold: not offered
    assert 'value="dispute"' in shown and 'value="bankruptcy"' not in shown  # the kinds it may place
    lift = {"account_id": str(account_id), "reason": "resolved"}
    refused = browser.post(f"/holds/{hold_id}/lift", lift, token_from=case)
    assert refused.status_code == 422 and 'role="alert"' in refused.text
    service = signed_in_as(web, "customer_service1")
    assert f"/holds/{hold_id}/lift" in service.client.get(case).text
    lifted = service.post(f"/holds/{hold_id}/lift", lift, token_from=case)
    assert lifted.status_code == 303
    with book.connect() as connection:
        entries = AuditLog(connection).entries()
    assert [entry.action for entry in entries] == ["hold.placed", "hold.lifted"] and verify(entries) == []
