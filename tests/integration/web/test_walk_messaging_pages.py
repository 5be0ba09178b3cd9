"""What a walk through the messaging pages found: the outbox's reasons in Chinese, a queued message that
can be cancelled, the dispatchers' counts named as they count, no case links for a role that cannot
open a case, a day without messages pointing to the latest, a sent message once on the case timeline,
and an SMS in the cardholder's language whatever the page's."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select, update
from web_support import Browser, signed_in_as

from arrears.kit.clock import now
from arrears.models import CardAccount, ContactEvent, OutboxMessage, table_of
from outbox_page_seed import FAILURE, seed_outbox


def _set(engine: Engine, message_id: int, **values: object) -> None:
    with engine.begin() as connection:
        m = table_of(OutboxMessage)
        connection.execute(update(m).where(m.c.id == message_id).values(**values))


def _outbox() -> str:
    """The outbox on the day the messages were seeded (today; the book's business date is its run's)."""
    return f"/outbox?day={now().astimezone(ZoneInfo('Asia/Shanghai')).date().isoformat()}"


def _english(browser: Browser) -> Browser:
    browser.client.get("/lang/en")
    return browser


def test_the_outbox_says_why_in_chinese(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    _set(book, seeded.expired, last_error="deadline passed before it could be sent")
    _set(book, seeded.failed, last_error="gave up after 5 tries: HTTP 503")
    manager = signed_in_as(web, "manager1")

    chinese = manager.client.get(_outbox()).text

    assert "发送截止时间已过，未能发出" in chinese and "尝试 5 次后放弃：HTTP 503" in chinese
    assert "deadline passed" not in chinese and "gave up" not in chinese
    english = _english(manager).client.get(_outbox()).text
    assert "deadline passed before it could be sent" in english and "gave up after 5 tries" in english


def test_a_retried_message_is_listed_and_can_be_cancelled(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    manager = signed_in_as(web, "manager1")
    assert manager.post(f"/outbox/{seeded.failed}/retry", {}, token_from="/outbox").status_code == 303

    page = manager.client.get(_outbox()).text

    queued = page.split('id="queued"', 1)[1].split("</section>", 1)[0]
    assert f'action="/outbox/{seeded.failed}/cancel"' in queued
    assert FAILURE not in queued  # the reason it failed before is not why it waits now (its steps keep it)
    answer = manager.post(f"/outbox/{seeded.failed}/cancel", {}, token_from="/outbox")
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=cancelled")


def test_the_waiting_figures_add_up(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())  # one retry waiting (tried twice, due in five minutes)
    _set(book, seeded.failed, status="queued", attempts=0, finished_at=None, next_attempt_at=now())
    manager = _english(signed_in_as(web, "manager1"))

    page = manager.client.get(_outbox()).text

    assert 'id="queued-total">2<' in page and 'id="queued-due">1<' in page and 'id="queued-later">1<' in page
    assert 'id="queued-retries">1<' in page


def test_the_dispatchers_failures_include_the_expired(web: TestClient, book: Engine) -> None:
    seed_outbox(book, now=now())
    page = _english(signed_in_as(web, "manager1")).client.get(_outbox()).text

    dispatchers = page.split('id="dispatchers"', 1)[1]
    assert "Failed or expired" in dispatchers


def test_a_role_that_opens_no_case_sees_account_numbers_without_links(web: TestClient, book: Engine) -> None:
    seed_outbox(book, now=now())

    admin = signed_in_as(web, "admin1").client.get(_outbox()).text
    manager = signed_in_as(web, "manager1").client.get(_outbox()).text

    assert 'href="/cases/' not in admin and 'href="/cases/' in manager


def test_a_day_without_messages_points_to_the_latest_day(web: TestClient, book: Engine) -> None:
    seed_outbox(book, now=now())
    today = now().astimezone(ZoneInfo("Asia/Shanghai")).date()

    page = signed_in_as(web, "manager1").client.get("/outbox?day=2001-01-01").text

    assert f'href="/outbox?day={today.isoformat()}"' in page
    empty = signed_in_as(web, "manager1").client.get(f"/outbox?day={today.isoformat()}").text
    assert 'id="latest-day"' not in empty


def test_the_outbox_tables_scroll_inside_their_cards(web: TestClient, book: Engine) -> None:
    seed_outbox(book, now=now())
    page = signed_in_as(web, "manager1").client.get(_outbox()).text

    assert page.count("<table") == page.count('<div class="table-wrap"><table')


def test_a_sent_message_shows_once_on_the_case_timeline(web: TestClient, book: Engine) -> None:
    seeded = seed_outbox(book, now=now())
    _set(book, seeded.delivered, body="WALK-TEXT-ONE")
    a = table_of(CardAccount)
    with book.begin() as connection:
        customer = connection.execute(select(a.c.customer_id).where(a.c.id == seeded.account_id)).scalar_one()
        common = {"account_id": seeded.account_id, "customer_id": customer, "channel": "sms",
                  "party": "debtor", "connected": False, "conversation": False, "outcome": "sent",
                  "template": "overdue"}  # fmt: skip
        connection.execute(insert(table_of(ContactEvent)), [
            common | {"at": now() - timedelta(seconds=4), "notes": "WALK-TEXT-ONE"},  # the dispatcher's
            common | {"at": now() - timedelta(days=3), "notes": "WALK-TEXT-OLD"},  # sent before the outbox
        ])  # fmt: skip

    page = signed_in_as(web, "manager1").client.get(f"/cases/{seeded.account_id}").text

    assert page.count("WALK-TEXT-ONE") == 1 and "WALK-TEXT-OLD" in page
    item = page.split(f'data-message="{seeded.delivered}"', 1)[0].rsplit("<tr>", 1)[1]
    assert "WALK-TEXT-ONE" in item  # the text is the message's own


def _claimed(web: TestClient) -> tuple[Browser, str]:
    browser = signed_in_as(web, "collector1")
    return browser, browser.post("/queue/next").headers["location"]


def test_an_sms_goes_in_the_cardholders_language_whatever_the_pages(web: TestClient, book: Engine) -> None:
    browser, case = _claimed(web)
    _english(browser)

    page = browser.client.get(case).text
    chosen = re.search(r'<select name="locale"[^>]*>(.*?)</select>', page, re.S)
    assert chosen is not None and re.search(r'value="zh"[^>]* selected', chosen.group(1))
    preview = browser.post(f"{case}/sms/preview", {"template": "reminder", "locale": "zh"}, token_from=case)
    assert "您好" in preview.text and "Dear" not in preview.text
    english = browser.post(f"{case}/sms/preview", {"template": "reminder", "locale": "en"}, token_from=case)
    assert "Dear" in english.text
    answer = browser.post(f"{case}/sms", {"template": "reminder"}, token_from=case)  # no choice sent
    with book.connect() as connection:
        locales = connection.execute(select(table_of(OutboxMessage).c.locale)).scalars().all()
    assert locales == (["zh"] if answer.status_code == 303 else [])


def test_a_description_with_a_percent_sign_shows_as_typed(web: TestClient, book: Engine) -> None:
    manager = signed_in_as(web, "manager1")
    form = {"new": "1", "name": "walk_percent", "channel": "sms", "kind": "collection",
            "description": "50% off %(x)s <b>", "body_zh": "{name}您好",
            "body_en": "Dear {name}"}  # fmt: skip
    assert manager.post("/templates", form, token_from="/templates/new").status_code == 303

    library = manager.client.get("/templates")
    one = manager.client.get("/templates/walk_percent")

    assert library.status_code == one.status_code == 200
    assert "50% off %(x)s &lt;b&gt;" in library.text and "50% off %(x)s &lt;b&gt;" in one.text
