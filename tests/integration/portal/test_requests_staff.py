"""The staff's side of the portal requests: the section on the case page (the text masked for a role
without ``pii:reveal``), the list of open requests, take and close (audited), and the attachments'
download (permission-checked, audited, served as an attachment of its real type)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from requests_book import (  # noqa: F401  (fixtures)
    DESK,
    LIMIT,
    PDF,
    PNG,
    Holder,
    app_for,
    audit,
    book_fixture,
    fast_password_hashing_fixture,
    holders,
    portal_client,
    requests_rows,
    staff,
)
from sqlalchemy import Engine, select

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import Attachment, ContactPoint, ServiceCase, table_of
from arrears.portal.offers import request_plan
from arrears.portal.requests import create_request


def mobile_of(engine: Engine, cipher: FieldCipher, customer_id: int) -> str:
    p = table_of(ContactPoint)
    with engine.connect() as connection:
        found = connection.execute(
            select(p.c.value_enc).where(p.c.customer_id == customer_id, p.c.kind == "mobile")
        ).scalar_one()
    return cipher.decrypt(found)


def raise_one(engine: Engine, cipher: FieldCipher, holder: Holder, text: str) -> tuple[int, list[int]]:
    """A dispute with a PNG and a PDF; its id and its attachments' ids."""
    with audit_transaction(engine) as connection:
        created = create_request(connection, customer_id=holder.customer_id, account_id=holder.account_id,
                                 kind="dispute", category="charge", text=text, amount_fen=None,
                                 attachments=[PNG, PDF], cipher=cipher, upload_limit=LIMIT, desk=DESK,
                                 now=clock.now())  # fmt: skip
    f = table_of(Attachment)
    with engine.connect() as connection:
        files = connection.execute(select(f.c.id).where(f.c.request_id == created.id).order_by(f.c.id))
        return created.id, [int(one) for one in files.scalars()]


def test_the_case_page_shows_the_request_masked_without_the_reveal_permission(
    book: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = holders(book)[0]
    mobile = mobile_of(book, cipher, holder.customer_id)
    request_id, files = raise_one(book, cipher, holder, f"call me on {mobile}, the charge is not mine")
    app = app_for(book, tmp_path)
    service, _ = staff(app, "customer_service1")  # no pii:reveal
    page = service.get(f"/cases/{holder.account_id}")
    assert page.status_code == 200 and 'id="portal-requests"' in page.text
    assert "the charge is not mine" in page.text and mobile not in page.text
    assert f"/portal-requests/{request_id}/attachments/{files[0]}" in page.text
    lead, _ = staff(app, "team_lead1")  # pii:reveal: as written
    assert mobile in lead.get(f"/cases/{holder.account_id}").text
    manager, _ = staff(app, "manager1")
    assert "the charge is not mine" in manager.get(f"/cases/{holder.account_id}").text


def test_attachments_download_with_the_permission_only_and_are_audited(
    book: Engine, tmp_path: Path, cipher: FieldCipher
) -> None:
    holder = holders(book)[0]
    request_id, files = raise_one(book, cipher, holder, "not mine")
    app = app_for(book, tmp_path)
    service, _ = staff(app, "customer_service1")
    answer = service.get(f"/portal-requests/{request_id}/attachments/{files[1]}")
    assert answer.status_code == 200 and answer.content == PDF
    assert answer.headers["content-type"] == "application/pdf"
    assert (
        answer.headers["content-disposition"] == f'attachment; filename="request-{request_id}-{files[1]}.pdf"'
    )
    assert answer.headers["x-content-type-options"] == "nosniff"
    [entry] = audit(book, "portal.attachment_downloaded")
    assert entry["subject_id"] == str(files[1]) and entry["actor"].startswith("user:")
    assert json.loads(entry["details"])["request_id"] == request_id and "not mine" not in entry["details"]
    for role in ("collector1", "compliance1", "legal1", "visitor1", "admin1", "agency_user1"):
        client, _ = staff(app, role)
        assert client.get(f"/portal-requests/{request_id}/attachments/{files[0]}").status_code == 403, role
    assert service.get(f"/portal-requests/{request_id}/attachments/{files[0] + 100}").status_code == 404
    assert service.get(f"/portal-requests/{request_id + 100}/attachments/{files[0]}").status_code == 404
    assert len(audit(book, "portal.attachment_downloaded")) == 1


def test_a_portal_session_opens_no_staff_page(book: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = holders(book)[0]
    request_id, files = raise_one(book, cipher, holder, "not mine")
    client, _ = portal_client(app_for(book, tmp_path), book, holder.customer_id)
    answer = client.get(f"/portal-requests/{request_id}/attachments/{files[0]}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")


def plan_request(engine: Engine, cipher: FieldCipher, holder: Holder, text: str) -> int:
    """A plan beyond the offers (no service case: taken and closed on the list)."""
    with audit_transaction(engine) as connection:
        return request_plan(connection, account_id=holder.account_id, customer_id=holder.customer_id,
                            text=text, cipher=cipher, policy=load_policy("cn"), zone="Asia/Shanghai",
                            now=clock.now()).request_id  # fmt: skip


def test_the_list_take_and_close_are_audited(book: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    first, second = holders(book)
    one = plan_request(book, cipher, first, "first words")
    two = plan_request(book, cipher, second, "second words")
    app = app_for(book, tmp_path)
    service, csrf = staff(app, "customer_service1")
    listed = service.get("/portal-requests")
    assert listed.status_code == 200 and "first words" in listed.text and "second words" in listed.text
    taken = service.post(f"/portal-requests/{one}/take", data={"csrf_token": csrf}, follow_redirects=False)
    assert taken.status_code == 303 and taken.headers["location"] == "/portal-requests?done=taken"
    closed = service.post(f"/portal-requests/{one}/close", data={"csrf_token": csrf, "back": "case"},
                          follow_redirects=False)  # fmt: skip
    assert closed.headers["location"] == f"/cases/{first.account_id}?done=request_closed"
    again = service.post(f"/portal-requests/{one}/take", data={"csrf_token": csrf}, follow_redirects=False)
    assert again.status_code == 303  # closed already: nothing changes, nothing audited
    assert [row["status"] for row in requests_rows(book)] == ["closed", "open"]
    assert [entry["subject_id"] for entry in audit(book, "portal.request_taken")] == [str(one)]
    assert [entry["subject_id"] for entry in audit(book, "portal.request_closed")] == [str(one)]
    assert "first words" not in service.get("/portal-requests").text
    assert service.post(f"/portal-requests/{two}/close", data={}, follow_redirects=False).status_code == 403
    collector, collector_csrf = staff(app, "collector1")
    refused = collector.post(f"/portal-requests/{two}/close", data={"csrf_token": collector_csrf})
    assert refused.status_code == 403 and collector.get("/portal-requests").status_code == 403
    assert [row["status"] for row in requests_rows(book)] == ["closed", "open"]


def test_a_dispute_is_worked_as_its_service_case(book: Engine, tmp_path: Path, cipher: FieldCipher) -> None:
    holder = holders(book)[0]
    request_id, _ = raise_one(book, cipher, holder, "disputed words")
    with book.connect() as connection:
        [case_id] = connection.execute(select(table_of(ServiceCase).c.id)).scalars().all()
    service, csrf = staff(app_for(book, tmp_path), "customer_service1")
    listed = service.get("/portal-requests").text
    assert (
        f'href="/service-desk/cases/{case_id}"' in listed
        and f"/portal-requests/{request_id}/take" not in listed
    )
    service.post(f"/portal-requests/{request_id}/close", data={"csrf_token": csrf}, follow_redirects=False)
    assert [row["status"] for row in requests_rows(book)] == ["open"]  # the case closes it
    assert audit(book, "portal.request_closed") == []


@pytest.mark.parametrize("role", ["team_lead1", "manager1"])
def test_leads_and_managers_see_the_list(
    book: Engine, tmp_path: Path, cipher: FieldCipher, role: Any
) -> None:
    raise_one(book, cipher, holders(book)[0], "words")
    client, _ = staff(app_for(book, tmp_path), role)
    assert client.get("/portal-requests").status_code == 200
