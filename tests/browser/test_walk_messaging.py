"""The outbox page on a phone, in a real browser: nothing wider than the screen (each table scrolls in
its card, the menu wraps), and a retried message can still be cancelled from the page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from signing_in import sign_in
from sqlalchemy import Engine

from arrears.kit.clock import now
from outbox_page_seed import seed_outbox, todays_run_completed

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
PHONE = ViewportSize(width=390, height=844)


def test_the_outbox_fits_a_phone_and_a_retried_message_can_be_cancelled(
    server: str, new_page: Callable[..., Page], engine: Engine
) -> None:
    seeded = seed_outbox(engine, now=now())
    todays_run_completed(engine, now=now())  # the outbox opens on the business date
    page = new_page(viewport=PHONE)
    sign_in(page, server, "manager1")

    page.goto(f"{server}/outbox")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for link in page.locator("header nav a").all():  # the menu wraps, its words are not cut letter by letter
        assert link.bounding_box()["height"] < 40  # type: ignore[index]
    page.locator(f"#expired tr[data-message='{seeded.expired}'] button").click()
    expect(page).to_have_url(re.compile(r"done=retried"))
    cancel = page.locator(f"#queued tr[data-message='{seeded.expired}'] button")
    cancel.scroll_into_view_if_needed()
    expect(cancel).to_be_visible()
    cancel.click()
    expect(page).to_have_url(re.compile(r"done=cancelled"))
    expect(page.locator(f"#queued tr[data-message='{seeded.expired}']")).to_have_count(0)
