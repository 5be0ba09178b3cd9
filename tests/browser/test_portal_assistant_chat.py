"""The assistant's chat page in Chromium at 360x640: with htmx the answer comes without leaving the page,
without JavaScript through the form's redirect; a visitor's account question gets no figure; a signed-in
cardholder gets their own and passes a complaint to the desk; axe-core reports no serious or critical
violation and no control is smaller than a thumb."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, ViewportSize, expect
from portal_book import Cardholder, seed_cardholder, served_portal, sign_in_cardholder
from sqlalchemy import Engine, select

from arrears.assistant import model
from arrears.kit.crypto import FieldCipher
from arrears.models import ServiceCase, table_of
from arrears.users import passwords
from web_book import FAST_HASHER

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
PHONE = ViewportSize(width=360, height=640)
OWE = "我现在一共欠多少钱？"
SMALL_TARGETS = """() => [...document.querySelectorAll('button, .button, select, textarea, .my-nav a')]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
  .map(e => e.outerHTML.slice(0, 80))"""


@pytest.fixture
def portal(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Cardholder]]:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    model.shipped()  # trained before the clock of the page's waits starts (the server shares the process)
    holder = seed_cardholder(engine, tmp_path, cipher)
    with served_portal(engine, tmp_path) as base:
        yield base, holder


def problems(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    found = [f"{v['id']} ({v['impact']})" for v in violations if v["impact"] in ("serious", "critical")]
    found += [f"smaller than 44px: {target}" for target in page.evaluate(SMALL_TARGETS)]
    if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
        found.append("wider than the screen")
    return found


def ask(page: Page, text: str) -> None:
    page.locator("#question").fill(text)
    page.locator("form[action='/my/assistant'] button[type=submit]").click()


def test_a_visitor_asks_with_htmx_and_gets_no_figure(
    portal: tuple[str, Cardholder], new_page: Callable[..., Page]
) -> None:
    server, _ = portal
    page = new_page(viewport=PHONE)
    page.goto(f"{server}/my/assistant")
    assert problems(page) == []
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url))

    ask(page, OWE)

    answer = page.locator("#turn-1 .card")
    expect(answer).to_contain_text("请登录持卡人服务页面 /my")
    assert navigations == []  # swapped in by htmx: the page was not loaded again
    assert "¥" not in page.locator("#chat").inner_text()
    expect(page.locator("#question")).to_have_value("")
    assert problems(page) == []


def test_the_page_works_without_javascript(portal: tuple[str, Cardholder], chromium: Browser) -> None:
    server, _ = portal
    context = chromium.new_context(java_script_enabled=False, viewport=PHONE, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(f"{server}/my/assistant")

        ask(page, OWE)

        expect(page).to_have_url(f"{server}/my/assistant#turn-1")
        expect(page.locator("#turn-1 .card")).to_contain_text("来源：")
    finally:
        context.close()


def test_a_cardholder_sees_their_figure_and_passes_a_complaint_to_the_desk(
    portal: tuple[str, Cardholder], new_page: Callable[..., Page], engine: Engine
) -> None:
    server, holder = portal
    page = new_page(viewport=PHONE)
    sign_in_cardholder(page, server, engine, holder)
    page.locator(".my-nav a[href='/my/assistant']").click()

    ask(page, OWE)
    expect(page.locator("#turn-1 .card")).to_contain_text("¥1,200.00")
    ask(page, "催收员打电话骂我，还说要通知我单位，我要投诉他")
    expect(page.locator("#handover")).to_be_visible()
    assert problems(page) == []
    page.locator("#category").select_option("attitude_abuse")
    page.locator("#handover button[type=submit]").click()

    expect(page.locator("#handed")).to_contain_text("KF-")
    with engine.connect() as connection:
        found = connection.execute(
            select(table_of(ServiceCase).c.channel, table_of(ServiceCase).c.kind)
        ).all()
    assert [tuple(row) for row in found] == [("assistant", "complaint")]
    assert problems(page) == []
