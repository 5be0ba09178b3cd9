"""The case timeline shows each message with its channel, template, provider id and status steps, and
the replies that came back, masked; the API's case file carries the same items."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import signed_in_as

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.messaging.inbound import apply_inbound
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.transport import Reply
from arrears.models import ContactPoint, Customer, table_of
from outbox_page_seed import Seeded, seed_outbox
from web_book import PASSWORD


def _reply(book: Engine, cipher: FieldCipher, seeded: Seeded) -> str:
    """A reply from the account's cardholder naming themself; their name in clear."""
    p, c = table_of(ContactPoint), table_of(Customer)
    with book.connect() as connection:
        row = connection.execute(
            select(p.c.value_enc, c.c.name).join(c, c.c.id == p.c.customer_id)
            .where(p.c.kind == "mobile").order_by(p.c.id).limit(1)
        ).one()  # fmt: skip
    mobile = cipher.decrypt(row.value_enc)
    reply = Reply(
        transport="smpp", channel="sms", sender=f"+86{mobile}", text=f"我是{row.name}，下周还款", at=now()
    )
    with audit_transaction(book) as connection:
        apply_inbound(
            connection, [reply], now=now(), cipher=cipher, rules=rules_of(keywords="TD", invalid_after=3)
        )
    return str(row.name)


def test_the_case_page_shows_messages_with_their_steps_and_masked_replies(
    web: TestClient, book: Engine, cipher: FieldCipher
) -> None:
    seeded = seed_outbox(book, now=now())
    name = _reply(book, cipher, seeded)
    manager = signed_in_as(web, "manager1")

    page = manager.client.get(f"/cases/{seeded.account_id}").text

    steps = page.split(f'data-message="{seeded.delivered}"', 1)[1].split("</ol>", 1)[0]
    assert steps.count("<li>") == 3 and "P-100" in steps and "<time" in steps
    assert "已送达" in steps or "delivered" in steps
    assert "P-101" in page and f'data-message="{seeded.failed}"' in page
    assert "下周还款" in page and name not in page
    assert '<span class="pill bad" title="' in page  # the contact point made invalid says so


def _bearer(client: TestClient, username: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def test_the_api_case_file_has_the_messages_and_replies(
    web: TestClient, book: Engine, cipher: FieldCipher
) -> None:
    seeded = seed_outbox(book, now=now())
    name = _reply(book, cipher, seeded)

    found = web.get(f"/api/v1/accounts/{seeded.account_id}", headers=_bearer(web, "manager1")).json()

    items: list[dict[str, Any]] = found["timeline"]
    messages = {item["message"]["id"]: item for item in items if "message" in item}
    delivered = messages[seeded.delivered]
    assert (delivered["kind"], delivered["status"], delivered["detail"]) == (
        "sms message",
        "delivered",
        "overdue",
    )
    assert [step["status"] for step in delivered["message"]["history"]] == ["queued", "sent", "delivered"]
    assert delivered["message"]["provider_id"] == "P-100"
    [reply] = [item for item in items if item["kind"] == "sms reply"]
    assert reply["status"] == "task" and "下周还款" in reply["note"] and name not in reply["note"]


def test_a_returned_letter_step_is_marked_as_a_failure(web: TestClient, book: Engine) -> None:
    from arrears.models import OutboxEvent

    seeded = seed_outbox(book, now=now())
    with book.begin() as connection:
        connection.execute(
            table_of(OutboxEvent).insert(),
            {"message_id": seeded.delivered, "at": now(), "status": "returned", "detail": "not known there"},
        )

    page = signed_in_as(web, "manager1").client.get(f"/cases/{seeded.account_id}").text

    steps = page.split(f'data-message="{seeded.delivered}"', 1)[1].split("</ol>", 1)[0]
    assert '<span class="pill bad">' + ("退回" if "退回" in steps else "returned") in steps
