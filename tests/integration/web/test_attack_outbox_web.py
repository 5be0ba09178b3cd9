"""The outbox page's retry and cancel from a hostile or careless world: every status, every role, no
CSRF token or another session's, ids that cannot exist, a day out of range, and a double submit."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from web_support import signed_in_as

from arrears.kit.clock import now
from arrears.models import AuditEvent, OutboxMessage, table_of
from arrears.models.app_user import ROLES
from arrears.users.permissions import allowed
from outbox_page_seed import seed_outbox

STATUSES = ("queued", "sending", "sent", "delivered", "failed", "expired", "cancelled")


def status_of(engine: Engine, message_id: int) -> str:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        return str(connection.execute(select(m.c.status).where(m.c.id == message_id)).scalar_one())


def set_status(engine: Engine, message_id: int, status: str) -> None:
    m = table_of(OutboxMessage)
    with engine.begin() as connection:
        connection.execute(update(m).where(m.c.id == message_id).values(status=status))


def audits(engine: Engine) -> int:
    a = table_of(AuditEvent)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(a.c.action.like("outbox.%"))).scalar_one())


@pytest.mark.parametrize("status", STATUSES)
def test_retry_and_cancel_act_only_on_the_statuses_they_name(
    web: TestClient, book: Engine, status: str
) -> None:
    seeded = seed_outbox(book, now=now())
    set_status(book, seeded.failed, status)
    manager = signed_in_as(web, "manager1")

    retried = manager.post(f"/outbox/{seeded.failed}/retry", token_from="/outbox")
    after_retry = status_of(book, seeded.failed)
    set_status(book, seeded.failed, status)
    cancelled = manager.post(f"/outbox/{seeded.failed}/cancel", token_from="/outbox")

    assert (retried.status_code, after_retry) == (
        (303, "queued") if status in ("failed", "expired") else (422, status)
    )
    assert (cancelled.status_code, status_of(book, seeded.failed)) == (
        (303, "cancelled") if status == "queued" else (422, status)
    )
    assert "Traceback" not in retried.text + cancelled.text


@pytest.mark.parametrize("role", sorted(ROLES))
def test_only_a_role_that_manages_the_outbox_may_act(web: TestClient, book: Engine, role: str) -> None:
    seeded = seed_outbox(book, now=now())
    user = signed_in_as(web, f"{role}1")

    answer = user.post(f"/outbox/{seeded.failed}/retry", token_from="/")

    expected = 303 if allowed(role, "outbox:manage") else 403
    assert answer.status_code == expected
    assert status_of(book, seeded.failed) == ("queued" if expected == 303 else "failed")


def test_no_csrf_token_or_another_sessions_changes_nothing(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    manager, other = signed_in_as(web, "manager1"), signed_in_as(web, "manager1")

    bare = manager.client.post(f"/outbox/{seeded.failed}/retry", data={}, follow_redirects=False)
    foreign = manager.client.post(
        f"/outbox/{seeded.failed}/retry", data={"csrf_token": other.csrf("/outbox")}, follow_redirects=False
    )
    empty = manager.client.post(
        f"/outbox/{seeded.retrying}/cancel", data={"csrf_token": ""}, follow_redirects=False
    )

    assert [bare.status_code, foreign.status_code, empty.status_code] == [403, 403, 403]
    assert status_of(book, seeded.failed) == "failed" and status_of(book, seeded.retrying) == "queued"
    assert audits(book) == 0


@pytest.mark.parametrize(
    "message_id", ["0", "-1", "9223372036854775808", "2147483648", "1e3", "01", "１", "1%00", "99999"]
)
def test_an_id_that_cannot_exist_answers_404(web: TestClient, book: Engine, message_id: str) -> None:
    seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")

    for action in ("retry", "cancel"):
        answer = manager.post(f"/outbox/{message_id}/{action}", token_from="/outbox")
        assert answer.status_code == 404 and "Traceback" not in answer.text
    assert audits(book) == 0


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "2026-02-30", "x" * 10_000, "2026-01-01\x00"])
def test_a_day_out_of_range_is_refused_before_acting(web: TestClient, book: Engine, day: str) -> None:
    seeded = seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")

    answer = manager.post(f"/outbox/{seeded.failed}/retry", {"day": day}, token_from="/outbox")
    page = manager.client.get("/outbox", params={"day": day})

    assert answer.status_code == 422 and page.status_code == 422
    assert status_of(book, seeded.failed) == "failed" and audits(book) == 0


def test_a_double_submit_acts_once(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")
    token = manager.csrf("/outbox")

    first = manager.client.post(f"/outbox/{seeded.failed}/retry", data={"csrf_token": token},
                                follow_redirects=False)  # fmt: skip
    second = manager.client.post(f"/outbox/{seeded.failed}/retry", data={"csrf_token": token},
                                 follow_redirects=False)  # fmt: skip

    assert (first.status_code, second.status_code) == (303, 422)
    assert audits(book) == 1


def test_a_providers_reason_with_markup_is_shown_as_text(web: TestClient, book: Engine) -> None:
    """A failure's reason comes from an SMTP server, an SMSC or a platform: never trusted as HTML."""
    seeded = seed_outbox(book, now=now())
    m = table_of(OutboxMessage)
    with book.begin() as connection:
        connection.execute(
            update(m)
            .where(m.c.id == seeded.failed)
            .values(last_error='<script>alert("x")</script><img src=x>')
        )

    today = now().astimezone(ZoneInfo("Asia/Shanghai")).date()  # the messages' day, not the book's run
    page = signed_in_as(web, "manager1").client.get("/outbox", params={"day": today.isoformat()})

    assert page.status_code == 200
    assert "<script>alert" not in page.text and "<img src=x>" not in page.text
    assert "&lt;script&gt;alert" in page.text
