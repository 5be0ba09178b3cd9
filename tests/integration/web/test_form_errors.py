"""A refused form on the case page: the error names the field, sits in the form that was sent, shows
times as people read them, and the form keeps what was typed."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from web_support import signed_in_as

from arrears.models import Callback, ContactEvent, Hold, RepaymentPlan, table_of
from arrears.web.pages import actions, workspace

NIGHT = datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # 00:30 in Shanghai: no SMS


def _case(web: TestClient) -> tuple[Any, str]:
    browser = signed_in_as(web, "collector1")
    browser.client.get("/lang/en")
    return browser, browser.post("/queue/next").headers["location"]


def _form(page: str, form_id: str) -> str:
    """The HTML of the form ``form_id``, unescaped."""
    start = page.index(f'id="{form_id}"')
    return html.unescape(page[start : page.index("</form>", start)])


def _rows(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(model))).scalar_one())


def test_a_refused_call_names_the_field_and_keeps_what_was_typed(web: TestClient, book: Engine) -> None:
    browser, case = _case(web)
    typed = {"outcome": "no_answer", "party": "debtor", "conversation": "on", "reason": "illness",
             "promise_amount": "300", "promise_date": "2030-01-02", "notes": "called twice <b>"}  # fmt: skip
    answer = browser.post(f"{case}/calls", typed, token_from=case)
    assert answer.status_code == 422
    form = _form(answer.text, "call-form")
    assert 'role="alert"' in form and "Spoke with the cardholder" in form.split('role="alert"')[1][:300]
    assert '<option value="no_answer" selected' in form and '<option value="illness" selected' in form
    assert re.search(r'name="conversation"[^>]* checked', form)
    assert 'value="300"' in form and 'value="2030-01-02"' in form and "called twice <b>" in form
    assert "<b>" not in answer.text.split('id="call-form"')[1].split("</form>")[0]  # escaped, not markup
    assert 'aria-invalid="true"' in form
    assert _rows(book, ContactEvent) == 0


def test_a_bad_promise_amount_is_named(web: TestClient, book: Engine) -> None:
    browser, case = _case(web)
    answer = browser.post(f"{case}/calls", {"outcome": "promise", "promise_amount": "12x",
                                            "promise_date": "2030-01-02"}, token_from=case)  # fmt: skip
    assert answer.status_code == 422
    form = _form(answer.text, "call-form")
    assert "Amount (yuan)" in form.split('role="alert"')[1][:300] and 'value="12x"' in form


def test_a_refused_plan_keeps_its_terms(web: TestClient, book: Engine) -> None:
    browser, case = _case(web)
    terms = {"kind": "instalment", "months": "7", "first_due_date": "", "waived_interest": "12.5"}
    answer = browser.post(f"{case}/plans", terms, token_from=case)
    assert answer.status_code == 422
    form = _form(answer.text, "plan-form")
    assert "First payment due" in form.split('role="alert"')[1][:300]
    assert 'value="7"' in form and 'value="12.5"' in form
    assert "<details open" in answer.text.split('id="plan-form"')[0][-400:]
    assert _rows(book, RepaymentPlan) == 0


def test_a_night_sms_refusal_sits_in_the_sms_form_in_local_time(
    web: TestClient, book: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, case = _case(web)
    monkeypatch.setattr(workspace, "now", lambda: NIGHT)
    monkeypatch.setattr(actions, "now", lambda: NIGHT)
    answer = browser.post(f"{case}/sms", {"template": "overdue"}, token_from=case)
    assert answer.status_code == 422
    form = _form(answer.text, "sms-form")
    assert 'role="alert"' in form and "2026-12-05 08:00 UTC+8" in form
    assert "T00:00" not in re.sub(r"<[^>]*>", " ", answer.text)  # no ISO time in what people read
    assert '<option value="overdue" selected' in form
    assert 'role="alert"' not in _form(answer.text, "call-form")  # not in the call card
    assert answer.text.count("the SMS is blocked") == 1  # nor in the dialling check above it


def test_a_refused_callback_keeps_its_time_and_note(web: TestClient, book: Engine) -> None:
    browser, case = _case(web)
    past = (datetime.now(ZoneInfo("Asia/Shanghai")) - timedelta(days=1)).strftime("%Y-%m-%dT10:30")
    answer = browser.post(f"{case}/callbacks", {"due_at": past, "note": "after payday"}, token_from=case)
    assert answer.status_code == 422
    form = _form(answer.text, "callback-form")
    assert 'role="alert"' in form and f'value="{past}"' in form and 'value="after payday"' in form
    assert _rows(book, Callback) == 0


def test_a_refused_hold_keeps_its_reason(web: TestClient, book: Engine) -> None:
    browser, case = _case(web)
    typed = {"kind": "hardship", "reason": "lost his job", "expires_at": "next week"}
    answer = browser.post(f"{case}/holds", typed, token_from=case)
    assert answer.status_code == 422
    form = _form(answer.text, "hold-form")
    assert 'role="alert"' in form and "Until" in form.split('role="alert"')[1][:300]
    assert 'value="lost his job"' in form and '<option value="hardship" selected' in form
    assert _rows(book, Hold) == 0


def test_a_promise_on_an_unanswered_call_names_the_outcome(web: TestClient, book: Engine) -> None:
    browser, case = _case(web)
    typed = {"outcome": "no_answer", "promise_amount": "300", "promise_date": "2030-01-02"}
    answer = browser.post(f"{case}/calls", typed, token_from=case)
    assert answer.status_code == 422
    alert = _form(answer.text, "call-form").split('role="alert"')[1][:300]
    assert "Outcome: a promise to pay needs an answered call" in alert
    assert _rows(book, ContactEvent) == 0
