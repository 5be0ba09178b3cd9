"""A field visitor's header on a 360 x 640 phone, in English and in Chinese (found walking the demo): the
language switch and "Sign out" each stay on one line (they were broken into a column, "中/文",
"Sign/out"), and the page does not scroll sideways."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, ViewportSize
from signing_in import sign_in

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
PHONE = ViewportSize(width=360, height=640)


def lines_of(page: Page, selector: str) -> float:
    """How many lines of text the element takes (its height over its line height)."""
    return float(page.locator(selector).evaluate(
        "e => e.getBoundingClientRect().height / parseFloat(getComputedStyle(e).lineHeight || 20)"
    ))  # fmt: skip


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_the_visitors_header_on_a_phone(server: str, new_page: Callable[..., Page], locale: str) -> None:
    page = new_page(locale=locale, viewport=PHONE)
    sign_in(page, server, "visitor1")
    page.goto(f"{server}/lang/en?next=/visits/today" if locale == "en" else f"{server}/visits/today")
    switch = "header.top .who > a[href^='/lang/']"
    assert lines_of(page, switch) < 1.5, page.locator(switch).inner_text()
    assert lines_of(page, "header.top .who button.link") < 1.5
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
