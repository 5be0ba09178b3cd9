"""The agency register's pages: a manager puts an agency on the register and edits it (contact people's
phone and e-mail masked on screen, kept when left empty), refusals answered 422 in their form naming the
field with what was typed and nothing written, the register showing eligibility (or why not), capacity,
the accounts held and the agency's users; suspending recalls what the agency holds and a manager's
recall takes one account away: the agency's user no longer opens it. Administrators keep the register
without seeing accounts; other roles are kept out."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from web_support import Browser, signed_in_as

from arrears.kit.clock import now
from arrears.models import Agency, AgencyPlacement, AuditEvent, CardAccount, table_of
from web_book import RUN

NEW = {
    "code": "X", "name": "委外机构 X 华信", "licence_no": "LIC-X", "licence_valid_until": "2007-12-31",
    "contract_starts_on": "2005-01-01", "contract_ends_on": "2006-12-31", "last_inspection_on": "2005-03-01",
    "capacity": "300", "whitelisted": "1", "terms_signed": "1", "territories": "上海，江苏",
    "contact_name_0": "王经理", "contact_role_0": "客户经理", "contact_phone_0": "13812345678",
    "contact_email_0": "wang@huaxin.example",
}  # fmt: skip


def agencies(book: Engine) -> list[dict[str, object]]:
    a = table_of(Agency)
    with book.connect() as connection:
        return [dict(row) for row in connection.execute(select(a).order_by(a.c.code)).mappings()]


def place(book: Engine, accounts: list[int]) -> list[int]:
    p = table_of(AgencyPlacement)
    rows = [{"account_id": one, "agency_code": "X", "placed_on": RUN - timedelta(days=5),
             "ends_on": RUN + timedelta(days=85), "created_at": now()} for one in accounts]  # fmt: skip
    with book.begin() as connection:
        return [int(one) for one in connection.execute(insert(p).returning(p.c.id), rows).scalars()]


@pytest.fixture
def manager(web: TestClient) -> Browser:
    return signed_in_as(web, "manager1")


def test_a_manager_puts_an_agency_on_the_register_and_reads_it(manager: Browser, book: Engine) -> None:
    answer = manager.post("/agencies", NEW, token_from="/agencies")
    assert answer.status_code == 303 and answer.headers["location"] == "/agencies/X?done=created"

    (stored,) = agencies(book)
    assert (stored["capacity"], json.loads(str(stored["territories"])), stored["status"]) == (
        300,
        ["上海", "江苏"],
        "active",
    )
    detail = manager.client.get("/agencies/X").text
    assert "138****5678" in detail and "w***@huaxin.example" in detail
    assert "13812345678" not in detail and "wang@huaxin.example" not in detail
    assert "agency_user1" in detail and "委外机构 X 华信" in detail
    listed = manager.client.get("/agencies").text
    assert 'href="/agencies/X"' in listed and "agency_user1" in listed
    assert "13812345678" not in listed
    e = table_of(AuditEvent)
    with book.connect() as connection:
        (details,) = connection.execute(select(e.c.details).where(e.c.action == "agency.created")).scalars()
    assert "13812345678" not in details and json.loads(details)["contacts"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capacity": "-3"}, "capacity"),
        ({"contract_starts_on": "2007-01-01"}, "contract_ends_on"),
        ({"last_inspection_on": "2999-01-01"}, "last_inspection_on"),
        ({"code": "a b"}, "code"),
        ({"code": "batches"}, "code"),
        ({"contact_phone_0": "12", "contact_email_0": ""}, "contact"),
        ({"contract_ends_on": "0001-01-01"}, "contract_ends_on"),
    ],
)
def test_a_refused_entry_is_said_in_its_form_and_nothing_is_written(
    manager: Browser, book: Engine, change: dict[str, str], field: str
) -> None:
    answer = manager.post("/agencies", NEW | change, token_from="/agencies")

    assert answer.status_code == 422, answer.text[:300]
    assert 'id="new-error"' in answer.text and NEW["name"] in answer.text  # what was typed comes back
    assert agencies(book) == []


def test_a_refusal_names_the_field_by_its_label_in_both_languages(manager: Browser) -> None:
    zh = manager.post("/agencies", NEW | {"capacity": "9999999"}, token_from="/agencies").text
    assert "容量" in zh or "可同时持有" in zh
    manager.client.get("/lang/en?next=/agencies")
    en = manager.post("/agencies", NEW | {"capacity": "9999999"}, token_from="/agencies").text
    assert "Capacity (accounts at once): from 0 to 1,000,000 accounts" in en
    twice = manager.post("/agencies", NEW, token_from="/agencies")
    assert twice.status_code == 303
    again = manager.post("/agencies", NEW, token_from="/agencies")
    assert again.status_code == 422 and "Code: the register has agency X already" in again.text


def test_the_edit_form_keeps_masked_contacts_and_recalls_when_the_agency_lapses(
    manager: Browser, book: Engine, web: TestClient
) -> None:
    manager.post("/agencies", NEW, token_from="/agencies")
    placed = place(book, [1, 2])
    agency_user = signed_in_as(web, "agency_user1")
    assert agency_user.client.get("/cases/1").status_code == 200

    edited = NEW | {"capacity": "250", "contact_phone_0": "", "contact_email_0": "",
                    "contact_name_1": "李主管", "contact_email_1": "li@huaxin.example"}  # fmt: skip
    answer = manager.post("/agencies/X", edited, token_from="/agencies/X")
    assert answer.status_code == 303, answer.text[:300]
    (stored,) = agencies(book)
    contacts = json.loads(str(stored["contacts"]))
    assert [(one["name"], one["phone"], one["email"]) for one in contacts] == [
        ("王经理", "13812345678", "wang@huaxin.example"), ("李主管", None, "li@huaxin.example"),
    ]  # fmt: skip

    lapsed = edited | {"last_inspection_on": (RUN - timedelta(days=400)).isoformat()}
    assert manager.post("/agencies/X", lapsed, token_from="/agencies/X").status_code == 303
    page = manager.client.get("/agencies/X").text
    assert page.count('id="placement-') == 0 and "近 365 天内未接受检查" in page
    assert agency_user.client.get("/cases/1").status_code == 404
    p = table_of(AgencyPlacement)
    with book.connect() as connection:
        reasons = connection.execute(select(p.c.recall_reason).where(p.c.id.in_(placed))).scalars().all()
    assert set(reasons) == {"inspection_lapsed"}


def test_suspending_recalls_and_a_manager_recalls_one_account(
    manager: Browser, book: Engine, web: TestClient
) -> None:
    manager.post("/agencies", NEW, token_from="/agencies")
    first, _second = place(book, [1, 2])
    agency_user = signed_in_as(web, "agency_user1")

    recalled = manager.post(
        f"/agencies/X/placements/{first}/recall", {"note": "客户要求"}, token_from="/agencies/X"
    )
    assert recalled.status_code == 303
    assert agency_user.client.get("/cases/1").status_code == 404
    assert agency_user.client.get("/cases/2").status_code == 200
    assert "/cases/1" not in agency_user.client.get("/agency").text
    again = manager.post(f"/agencies/X/placements/{first}/recall", {}, token_from="/agencies/X")
    assert again.status_code == 409 and "该委外已收回" in again.text and 'id="recalled-error"' in again.text
    detail = manager.client.get("/agencies/X").text
    assert 'id="recalls"' in detail and "经理收回" in detail

    no_reason = manager.post("/agencies/X/suspend", {"reason": "  "}, token_from="/agencies/X")
    assert no_reason.status_code == 422 and 'id="suspended-error"' in no_reason.text
    suspended = manager.post("/agencies/X/suspend", {"reason": "检查发现问题"}, token_from="/agencies/X")
    assert suspended.status_code == 303
    assert agency_user.client.get("/cases/2").status_code == 404
    twice = manager.post("/agencies/X/suspend", {"reason": "again"}, token_from="/agencies/X")
    assert twice.status_code == 409
    assert manager.post("/agencies/X/reinstate", {}, token_from="/agencies/X").status_code == 303
    assert agency_user.client.get("/cases/2").status_code == 404  # recalled stays recalled
    assert manager.client.get("/agencies/NOPE").status_code == 404
    assert manager.client.get("/agencies/a%20b").status_code == 404


def test_an_administrator_keeps_the_register_without_the_accounts_and_others_are_kept_out(
    manager: Browser, book: Engine, web: TestClient
) -> None:
    manager.post("/agencies", NEW, token_from="/agencies")
    (placement,) = place(book, [1])
    a = table_of(CardAccount)
    with book.connect() as connection:
        account_no = connection.execute(select(a.c.account_no).where(a.c.id == 1)).scalar_one()
    admin = signed_in_as(web, "admin1")
    page = admin.client.get("/agencies/X")
    assert page.status_code == 200 and account_no not in page.text and 'id="placements"' not in page.text
    assert (
        admin.post(f"/agencies/X/placements/{placement}/recall", {}, token_from="/agencies/X").status_code
        == 403
    )
    for username in ("collector1", "agency_user1", "legal1", "compliance1"):
        other = signed_in_as(web, username)
        assert other.client.get("/agencies").status_code == 403, username
        assert other.client.get("/agencies/X").status_code == 403, username
