"""A manager at the outbox page, in a real browser: the day's figures in Chinese and English, and a
failed message retried."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.kit.clock import now
from arrears.models import OutboxMessage, table_of
from outbox_page_seed import FAILURE, seed_outbox, todays_run_completed

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default


def test_a_manager_reads_the_outbox_in_both_languages_and_retries_a_failure(
    server: str, new_page: Callable[..., Page], engine: Engine
) -> None:
    seeded = seed_outbox(engine, now=now())
    todays_run_completed(engine, now=now())  # the outbox opens on the business date
    page = new_page()
    sign_in(page, server, "manager1")

    page.locator("header nav a[href='/outbox']").click()

    expect(page).to_have_url(re.compile(r"/outbox$"))
    expect(page.locator("html")).to_have_attribute("lang", re.compile("zh"))
    expect(page.locator("#channel-status")).to_contain_text("短信")
    expect(page.locator("#failures")).to_contain_text(FAILURE)
    expect(page.locator("#unknown-receipts")).to_have_text("1")
    expect(page.locator("#dispatchers")).to_contain_text("SMTP server unreachable")

    page.locator(f"#failures tr[data-message='{seeded.failed}'] button").click()

    expect(page.locator(".notice")).to_be_visible()
    expect(page.locator(f"#failures tr[data-message='{seeded.failed}']")).to_have_count(0)
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        status = connection.execute(select(m.c.status).where(m.c.id == seeded.failed)).scalar_one()
    assert status == "queued"

    page.get_by_role("link", name="English").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Outbox")
    expect(page.locator("#channel-status")).to_contain_text("delivered")
    expect(page.locator("#channel-status")).to_contain_text("Messages by channel and status")
    expect(page.locator(f"#failures tr[data-message='{seeded.failed}']")).to_have_count(0)
