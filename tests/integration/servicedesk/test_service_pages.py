"""The desk's pages: a case logged from the account's page, listed on the desk, acknowledged, resolved,
its response letter queued and closed (its holds lifted); what a role may not do; a refused form."""

from __future__ import annotations

import re
from pathlib import Path

from desk_book import (
    accounts,
    app_for,
    cases,
    holds,
    staff_client,
    user,
)
from sqlalchemy import Engine


def test_a_case_is_worked_from_intake_to_closure(book: Engine, tmp_path: Path) -> None:
    app = app_for(book, tmp_path)
    client, csrf = staff_client(app, "customer_service1")
    account, _ = accounts(book)[0]
    collector = user(book, "collector1")
    form = {"csrf_token": csrf, "kind_category": "complaint:attitude_abuse", "channel": "call",
            "summary": "The collector shouted at me", "involved_user": str(collector.id)}  # fmt: skip
    opened = client.post(f"/cases/{account}/service-cases", data=form, follow_redirects=False)
    assert opened.status_code == 303
    found = re.search(r"/service-desk/cases/(\d+)", opened.headers["location"])
    assert found is not None
    case_id = int(found.group(1))
    page = client.get(f"/service-desk/cases/{case_id}")
    assert page.status_code == 200 and "The collector shouted at me" in page.text
    assert "collector one" in page.text and 'data-clock="on_time"' in page.text  # the person named
    desk = client.get("/service-desk")
    assert f'data-case="{case_id}"' in desk.text and 'id="count-due">1<' in desk.text
    resolution = {"outcome": "upheld", "remedies": ["apology", "staff_action"],
                  "text": "We apologise; the collector was retrained."}  # fmt: skip
    for step, data in (("acknowledge", {}), ("resolve", resolution), ("letter", {}), ("close", {})):
        answer = client.post(f"/service-desk/cases/{case_id}/{step}", data={"csrf_token": csrf} | data,
                             follow_redirects=False)  # fmt: skip
        assert answer.status_code == 303, (step, answer.text[:500])
    [case] = cases(book)
    assert (case["status"], case["outcome"], case["remedies"]) == ("closed", "upheld", "apology,staff_action")
    assert case["letter_message_id"] is not None and all(
        hold["lifted_at"] is not None for hold in holds(book)
    )
    closed = client.get(f"/service-desk/cases/{case_id}?done=closed")
    assert 'id="case-status">' in closed.text and 'id="letter-queued"' in closed.text
    again = client.post(f"/service-desk/cases/{case_id}/close", data={"csrf_token": csrf})
    assert again.status_code == 422 and 'id="case-error"' in again.text


def test_a_refused_intake_names_the_field_and_keeps_what_was_typed(book: Engine, tmp_path: Path) -> None:
    client, csrf = staff_client(app_for(book, tmp_path), "team_lead1")
    account, _ = accounts(book)[1]
    form = {"csrf_token": csrf, "kind_category": "dispute:amount", "channel": "email", "summary": "wrong",
            "amount": "12x"}  # fmt: skip
    refused = client.post(f"/cases/{account}/service-cases", data=form)
    assert refused.status_code == 422 and 'id="service-error"' in refused.text
    assert 'value="12x"' in refused.text and cases(book) == []


def test_the_desk_is_for_the_desk_and_a_case_for_its_scope(book: Engine, tmp_path: Path) -> None:
    app = app_for(book, tmp_path)
    collector, csrf = staff_client(app, "collector1")
    assert collector.get("/service-desk").status_code == 403
    account, _ = accounts(book)[2]  # not in the collector's current work
    form = {"csrf_token": csrf, "kind_category": "hardship:illness", "channel": "call", "summary": "ill"}
    assert collector.post(f"/cases/{account}/service-cases", data=form).status_code == 404
    visitor, _ = staff_client(app, "visitor1")
    assert visitor.get("/service-desk").status_code == 403
    assert cases(book) == []


def test_a_refused_step_names_the_field_by_its_label_and_keeps_the_ticks(
    book: Engine, tmp_path: Path
) -> None:
    client, csrf = staff_client(app_for(book, tmp_path), "customer_service1")
    account, _ = accounts(book)[3]
    form = {"csrf_token": csrf, "kind_category": "dispute:amount", "channel": "call", "summary": "wrong"}
    opened = client.post(f"/cases/{account}/service-cases", data=form, follow_redirects=False)
    case_path = opened.headers["location"].split("?")[0]
    decision = {"csrf_token": csrf, "form": "resolve", "outcome": "upheld", "remedies": ["refund", "apology"],
                "refund": "1e999", "text": "refund the fee"}  # fmt: skip
    refused = client.post(f"{case_path}/resolve", data=decision)
    assert refused.status_code == 422
    error = re.search(r'id="case-error">([^<]*)<', refused.text)
    assert error is not None and not error.group(1).startswith("refund") and "退款（元）" in error.group(1)
    assert 'value="refund" checked' in refused.text and 'value="apology" checked' in refused.text
    assert 'name="refund" inputmode="decimal" value="1e999" aria-invalid="true"' in refused.text
    empty = client.post(f"{case_path}/notes", data={"csrf_token": csrf, "form": "note", "text": " "})
    note_error = re.search(r'id="case-error">([^<]*)<', empty.text)
    assert note_error is not None and not note_error.group(1).startswith("text")
