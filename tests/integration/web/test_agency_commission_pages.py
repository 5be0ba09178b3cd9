"""The agency commission pages: a manager makes September's statements from /agencies/commissions, opens
one, marks it reviewed; another manager approves it (the reviewer is offered no approval and refused
when posting it); the CSV and PDF download after their SHA-256 is checked (audited), a changed file
answers 409; a bad month 422 naming it; the league table; other roles kept out; English on request."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from web_support import signed_in_as

from arrears.models import AuditEvent, CardAccount, CommissionStatement, Payment, table_of
from arrears.users.service import create_user
from commission_book import NOW, agency, pay, place, schedule, snapshot
from web_book import PASSWORD

SEPTEMBER = date(2005, 9, 1)


@pytest.fixture
def seeded(book: Engine) -> list[int]:
    """Agency A1 holding two of the book's accounts through September 2005, with payments on them."""
    a, p = table_of(CardAccount), table_of(Payment)
    with book.begin() as connection:
        one, two = connection.execute(select(a.c.id).order_by(a.c.id).limit(2)).scalars().all()
        connection.execute(delete(p).where(p.c.account_id.in_([one, two])))
        agency(connection, "A1", "甲催收公司")
        for account in (one, two):
            snapshot(connection, account, date(2005, 8, 1), dpd=45, overdue_fen=500_000)
            place(connection, account, "A1", date(2005, 8, 2), date(2005, 10, 30))
        pay(connection, one, date(2005, 9, 5), 100_005, "W-1")
        pay(connection, two, date(2005, 9, 20), 20_000, "W-2")
        create_user(
            connection, username="manager2", display_name="赵二", role="manager", password=PASSWORD, now=NOW
        )
    schedule(book, "A1", date(2005, 1, 1), "M1-M3:*:1000")
    return [one, two]


def statement_id(book: Engine) -> int:
    s = table_of(CommissionStatement)
    with book.connect() as connection:
        return int(connection.execute(select(s.c.id)).scalar_one())


def test_made_reviewed_approved_and_downloaded(
    web: TestClient, book: Engine, seeded: list[int], tmp_path: Path
) -> None:
    manager = signed_in_as(web, "manager1")
    assert manager.client.get("/agencies/commissions").status_code == 200
    made = manager.post(
        "/agencies/commissions", {"month": "2005-09", "agency": ""}, token_from="/agencies/commissions"
    )
    assert (
        made.status_code == 303
        and made.headers["location"] == "/agencies/commissions?month=2005-09&done=made"
    )
    listing = manager.client.get("/agencies/commissions?month=2005-09")
    assert "甲催收公司" in listing.text and "¥120.01" in listing.text  # 10,000.5 -> 10,001 fen, + 2,000
    number = statement_id(book)
    page = f"/agencies/commissions/{number}"
    shown = manager.client.get(page)
    assert "¥1,200.05" in shown.text and "Mark reviewed" not in shown.text  # zh-CN by default
    assert manager.post(f"{page}/review", token_from=page).status_code == 303
    after = manager.client.get(page).text
    assert f'action="{page}/approve"' not in after  # the reviewer is offered no approval
    refused = manager.post(f"{page}/approve", token_from=page)
    assert refused.status_code == 422 and 'role="alert"' in refused.text

    other = signed_in_as(web, "manager2")
    assert other.post(f"{page}/approve", token_from=page).status_code == 303
    with book.connect() as connection:
        assert connection.execute(select(table_of(CommissionStatement).c.status)).scalar_one() == "approved"

    pdf = other.client.get(f"{page}/statement.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    lines = list(
        csv.DictReader(io.StringIO(other.client.get(f"{page}/statement.csv").content.decode("utf-8-sig")))
    )
    assert [row["payment_ref"] for row in lines] == ["W-1", "W-2"] and lines[0]["account"].startswith("****")
    e = table_of(AuditEvent)
    with book.connect() as connection:
        actions = list(
            connection.execute(select(e.c.action).where(e.c.action.like("commission.%"))).scalars()
        )
    assert actions.count("commission.downloaded") == 2 and "commission.approved" in actions


def test_a_changed_file_is_refused(web: TestClient, book: Engine, seeded: list[int], tmp_path: Path) -> None:
    manager = signed_in_as(web, "manager1")
    manager.post("/agencies/commissions", {"month": "2005-09"}, token_from="/agencies/commissions")
    number = statement_id(book)
    s = table_of(CommissionStatement)
    with book.connect() as connection:
        relative = connection.execute(select(s.c.csv_path)).scalar_one()
    (tmp_path / relative).write_text("changed", "utf-8")

    answer = manager.client.get(f"/agencies/commissions/{number}/statement.csv")

    assert answer.status_code == 409 and 'role="alert"' in answer.text
    assert (
        manager.post(
            f"/agencies/commissions/{number}/review", token_from=f"/agencies/commissions/{number}"
        ).status_code
        == 409
    )


def test_bad_input_and_other_roles(web: TestClient, book: Engine, seeded: list[int]) -> None:
    manager = signed_in_as(web, "manager1")
    bad = manager.post("/agencies/commissions", {"month": "2005-13"}, token_from="/agencies/commissions")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    unknown = manager.post(
        "/agencies/commissions", {"month": "2005-09", "agency": "NOPE"}, token_from="/agencies/commissions"
    )
    assert unknown.status_code == 422 and "NOPE" in unknown.text
    assert manager.client.get("/agencies/commissions?month=nope").status_code == 422
    assert manager.client.get("/agencies/commissions/999999").status_code == 404
    assert manager.client.get("/agencies/commissions/999999/statement.pdf").status_code == 404
    for role in ("collector1", "agency_user1", "compliance1", "legal1"):
        other = signed_in_as(web, role)
        assert other.client.get("/agencies/commissions").status_code == 403
    assert signed_in_as(web, "collector1").client.get("/agencies/league").status_code == 403


def test_the_league_table_page(web: TestClient, book: Engine, seeded: list[int]) -> None:
    lead = signed_in_as(web, "team_lead1")
    page = lead.client.get("/agencies/league?month=2005-09")
    assert page.status_code == 200 and "甲催收公司" in page.text and "¥1,200.05" in page.text
    assert "12.0%" in page.text  # 120,005 over 1,000,000 at placement
    assert "Recovery rate" not in page.text  # zh-CN by default
    lead.client.get("/lang/en")
    assert "Recovery rate" in lead.client.get("/agencies/league?month=2005-09").text
    bad = lead.client.get("/agencies/league?month=2005-9")
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
