"""The outbox page: managers and compliance see a day's messages, failures, retries, what came back and
the dispatchers; only managers retry or cancel (audited); collectors have no outbox."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from web_support import signed_in_as

from arrears.audit.repository import AuditLog
from arrears.kit.clock import now
from arrears.models import OutboxEvent, OutboxMessage, table_of
from outbox_page_seed import FAILURE, seed_outbox


def status_of(engine: Engine, message_id: int) -> str:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        return str(connection.execute(select(m.c.status).where(m.c.id == message_id)).scalar_one())


def test_the_outbox_shows_the_day_and_the_dispatchers(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")
    manager.client.get("/lang/en")
    today = now().astimezone(ZoneInfo("Asia/Shanghai")).date()  # the messages' day, not the book's run

    page = manager.client.get("/outbox", params={"day": today.isoformat()})

    assert page.status_code == 200 and 'href="/outbox"' in page.text
    text = page.text
    assert FAILURE in text and "CN-HOURS" in text and "connection timed out" in text
    assert 'id="unknown-receipts">1<' in text
    assert "1 / 2" in text and "SMTP server unreachable" in text and "1,234" in text  # one of two alive
    assert (
        f'action="/outbox/{seeded.failed}/retry"' in text
        and f'action="/outbox/{seeded.expired}/retry"' in text
    )
    assert f'action="/outbox/{seeded.retrying}/cancel"' in text
    assert f'action="/outbox/{seeded.delivered}/' not in text  # a delivered message has nothing to do


def test_another_day_is_empty(web: TestClient, book: Engine) -> None:
    seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")

    page = manager.client.get("/outbox?day=2001-01-01")

    assert page.status_code == 200 and FAILURE not in page.text and 'id="unknown-receipts">0<' in page.text
    assert manager.client.get("/outbox?day=2001-02-30").status_code == 422


def test_the_page_speaks_chinese_by_default(web: TestClient, book: Engine) -> None:
    seed_outbox(book, now=now())
    page = signed_in_as(web, "manager1").client.get("/outbox")

    assert 'lang="zh-CN"' in page.text or 'lang="zh' in page.text
    assert "渠道" in page.text and "短信" in page.text and "日期" in page.text


def test_a_manager_retries_a_failed_message_audited(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")

    answer = manager.post(f"/outbox/{seeded.failed}/retry", {"day": ""}, token_from="/outbox")

    assert answer.status_code == 303 and "done=retried" in answer.headers["location"]
    assert status_of(book, seeded.failed) == "queued"
    e = table_of(OutboxEvent)
    with book.connect() as connection:
        steps = connection.execute(
            select(e.c.status, e.c.detail).where(e.c.message_id == seeded.failed).order_by(e.c.id)
        ).all()
        last = AuditLog(connection).last()
    assert steps[-1] == ("queued", "manager1")
    assert last is not None and (last.actor, last.action, last.subject_id) == (
        "manager1", "outbox.retried", str(seeded.failed),
    )  # fmt: skip
    again = manager.post(f"/outbox/{seeded.failed}/retry", token_from="/outbox")
    assert (
        again.status_code == 422 and "只能重试发送失败或已过期的消息" in again.text and "排队中" in again.text
    )


def test_a_manager_cancels_a_queued_message_not_a_delivered_one(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")
    manager.client.get("/lang/en")

    assert manager.post(f"/outbox/{seeded.retrying}/cancel", token_from="/outbox").status_code == 303
    refused = manager.post(f"/outbox/{seeded.delivered}/cancel", token_from="/outbox")

    assert (
        status_of(book, seeded.retrying) == "cancelled" and status_of(book, seeded.delivered) == "delivered"
    )
    assert refused.status_code == 422 and "only a queued message can be cancelled" in refused.text
    assert manager.post("/outbox/999999/cancel", token_from="/outbox").status_code == 404


def test_compliance_reads_without_acting_and_collectors_have_no_outbox(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    compliance = signed_in_as(web, "compliance1")
    page = compliance.client.get("/outbox")
    assert page.status_code == 200 and "/retry" not in page.text
    assert compliance.post(f"/outbox/{seeded.failed}/retry", token_from="/outbox").status_code == 403
    assert status_of(book, seeded.failed) == "failed"

    collector = signed_in_as(web, "collector1")
    assert collector.client.get("/outbox").status_code == 403
    assert 'href="/outbox"' not in collector.client.get("/").text
