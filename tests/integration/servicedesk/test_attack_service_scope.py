"""Attacks on who may see and do what on the desk (SQLite and PostgreSQL): roles without ``service:work``
opening or working a case by guessing its id, a visitor signed out, a post without its CSRF token, a
customer-service user reading personal data in the cardholder's account, the notes or the decision (they
lack ``pii:reveal``: masked), and an auditor reading the audit trail and the holds for the texts (never
there)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from desk_book import accounts, app_for, cases, holds, rows, staff_client, user
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update

from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, CollectionAction, table_of
from web_book import personal_data

STEPS = ("acknowledge", "assign", "notes", "resolve", "letter", "close")


def log_case(client: TestClient, csrf: str, account: int, summary: str, **more: str) -> int:
    form = {
        "csrf_token": csrf,
        "kind_category": "complaint:attitude_abuse",
        "channel": "call",
        "summary": summary,
    } | more
    answer = client.post(f"/cases/{account}/service-cases", data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text[:500]
    found = re.search(r"/service-desk/cases/(\d+)", answer.headers["location"])
    assert found is not None
    return int(found.group(1))


@pytest.mark.parametrize("username", ["collector1", "visitor1", "agency_user1", "legal1", "admin1"])
def test_a_role_without_the_desk_sees_no_case_and_changes_none(
    book: Engine, tmp_path: Path, username: str
) -> None:
    app = app_for(book, tmp_path)
    desk, desk_csrf = staff_client(app, "customer_service1")
    account, _ = accounts(book)[0]
    case_id = log_case(desk, desk_csrf, account, "secret words of the cardholder")
    client, csrf = staff_client(app, username)
    assert client.get("/service-desk").status_code == 403
    for guess in (case_id, case_id + 1, 1):
        answer = client.get(f"/service-desk/cases/{guess}")
        assert answer.status_code in (403, 404) and "secret words" not in answer.text
    for step in STEPS:
        data = {"csrf_token": csrf, "outcome": "upheld", "text": "closed by an outsider", "assignee": "1"}
        answer = client.post(f"/service-desk/cases/{case_id}/{step}", data=data, follow_redirects=False)
        assert answer.status_code in (403, 404), (step, answer.status_code)
    [row] = cases(book)
    assert (row["status"], row["assigned_to_id"], row["outcome"]) == ("open", None, None)


def test_signed_out_visitors_and_posts_without_a_csrf_token_change_nothing(
    book: Engine, tmp_path: Path
) -> None:
    app = app_for(book, tmp_path)
    desk, csrf = staff_client(app, "customer_service1")
    account, _ = accounts(book)[1]
    case_id = log_case(desk, csrf, account, "the words of the cardholder")
    stranger = TestClient(app)
    for url in ("/service-desk", f"/service-desk/cases/{case_id}"):
        answer = stranger.get(url, follow_redirects=False)
        assert answer.status_code in (303, 401, 403) and "words of the cardholder" not in answer.text
    for step in STEPS:
        answer = stranger.post(
            f"/service-desk/cases/{case_id}/{step}", data={"outcome": "upheld"}, follow_redirects=False
        )
        assert answer.status_code in (303, 401, 403), step
        for token in ({}, {"csrf_token": "forged"}, {"csrf_token": ""}):
            forged = desk.post(
                f"/service-desk/cases/{case_id}/{step}",
                data=token | {"outcome": "upheld", "text": "forged", "assignee": "1"},
                follow_redirects=False,
            )
            assert forged.status_code == 403, (step, token, forged.status_code)
    form = {"kind_category": "hardship:illness", "channel": "call", "summary": "forged"}
    assert desk.post(f"/cases/{account}/service-cases", data=form, follow_redirects=False).status_code == 403
    [row] = cases(book)
    assert (row["status"], row["assigned_to_id"]) == ("open", None) and len(holds(book)) == 1


def test_a_collector_logs_a_case_on_their_work_but_cannot_open_it(book: Engine, tmp_path: Path) -> None:
    app = app_for(book, tmp_path)
    client, csrf = staff_client(app, "collector1")
    account, _ = accounts(book)[2]
    x = table_of(CollectionAction)
    with book.begin() as connection:
        connection.execute(
            update(x)
            .where(x.c.account_id == account)
            .values(
                status="claimed",
                claimed_by_id=user(book, "collector1").id,
                claimed_at=now(),
                lease_until=now() + timedelta(hours=1),
            )
        )
    form = {
        "csrf_token": csrf,
        "kind_category": "dispute:already_paid",
        "channel": "call",
        "summary": "paid last week",
    }
    answer = client.post(f"/cases/{account}/service-cases", data=form, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == f"/cases/{account}?done=service_case"
    [row] = cases(book)
    assert client.get(f"/service-desk/cases/{row['id']}").status_code == 403
    other, _ = accounts(book)[3]  # not in the collector's work
    assert client.post(f"/cases/{other}/service-cases", data=form).status_code == 404
    assert len(cases(book)) == 1


def test_personal_data_in_the_case_s_texts_is_masked_without_the_reveal_permission(
    book: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    app = app_for(book, tmp_path)
    account, _ = accounts(book)[4]
    name, national_id, phones = personal_data(book, cipher, account)
    secret = f"本人{name}，身份证{national_id}，电话{phones[0]}"
    desk, csrf = staff_client(app, "team_lead1")
    case_id = log_case(desk, csrf, account, f"summary: {secret}")
    for data in (
        {"text": f"note: {secret}", "kind": "note"},
        {"text": f"contact: {secret}", "kind": "contact"},
    ):
        assert (
            desk.post(
                f"/service-desk/cases/{case_id}/notes",
                data=data | {"csrf_token": csrf},
                follow_redirects=False,
            ).status_code
            == 303
        )
    decision = {
        "csrf_token": csrf,
        "outcome": "upheld",
        "remedies": ["apology"],
        "text": f"decision: {secret}",
    }
    assert (
        desk.post(f"/service-desk/cases/{case_id}/resolve", data=decision, follow_redirects=False).status_code
        == 303
    )
    for username, reveals in (
        ("customer_service1", False),
        ("compliance1", False),
        ("team_lead1", True),
        ("manager1", True),
    ):
        client, _ = staff_client(app, username)
        page = client.get(f"/service-desk/cases/{case_id}").text
        for value in (national_id, phones[0]):
            assert (value in page) is reveals, (username, value)
        for part in ("summary:", "note:", "contact:", "decision:"):
            assert part in page, (username, part)  # the texts are shown, masked or not
        desk_list = client.get("/service-desk").text
        assert national_id not in desk_list and phones[0] not in desk_list


def test_the_audit_trail_and_the_holds_never_carry_the_texts(
    book: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    app = app_for(book, tmp_path)
    account, _ = accounts(book)[5]
    _, national_id, phones = personal_data(book, cipher, account)
    marks = {"summary": "MARK-SUMMARY-7c1", "note": "MARK-NOTE-91a", "decision": "MARK-DECISION-3f0"}
    client, csrf = staff_client(app, "customer_service1")
    case_id = log_case(
        client,
        csrf,
        account,
        f"{marks['summary']} {national_id} {phones[0]}",
        involved_user=str(user(book, "collector1").id),
    )
    steps = [
        ("acknowledge", {}),
        ("notes", {"text": f"{marks['note']} {phones[0]}"}),
        ("assign", {"assignee": str(user(book, "compliance1").id)}),
        (
            "resolve",
            {
                "outcome": "partly_upheld",
                "remedies": ["refund", "apology"],
                "refund": "0.01",
                "text": f"{marks['decision']} {national_id}",
            },
        ),
        ("letter", {}),
        ("close", {}),
    ]
    for step, data in steps:
        answer = client.post(
            f"/service-desk/cases/{case_id}/{step}", data=data | {"csrf_token": csrf}, follow_redirects=False
        )
        assert answer.status_code == 303, (step, answer.text[:500])
    trail = rows(book, AuditEvent)
    actions = {row["action"] for row in trail}
    assert {
        "service_case.opened",
        "service_case.note",
        "service_case.resolved",
        "service_case.letter",
        "service_case.closed",
        "hold.placed",
        "hold.lifted",
    } <= actions
    everything = " ".join(str(row) for row in trail) + " ".join(str(row) for row in holds(book))
    for value in (*marks.values(), national_id, phones[0]):
        assert value not in everything, value
    [row] = cases(book)
    stored = b"".join(bytes(row[key]) for key in ("summary_enc", "resolution_enc"))
    assert marks["summary"].encode() not in stored and marks["decision"].encode() not in stored
