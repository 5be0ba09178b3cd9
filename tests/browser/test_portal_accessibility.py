"""Accessibility of every /my page and the gateway's checkout at 360x640 in zh-CN: axe-core reports no
serious or critical violation, no control is smaller than a thumb (44px) and nothing is wider than the
screen. With ``ARREARS_WALK_SCREENSHOTS=<dir>`` set, each page is also saved there (full page), in zh-CN
and in English, for a person to look at."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize
from portal_book import Cardholder, seed_cardholder, served_portal, walk
from sqlalchemy import Engine

from arrears.kit.crypto import FieldCipher
from arrears.users import passwords
from web_book import FAST_HASHER

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
PHONE = ViewportSize(width=360, height=640)
SHOTS = os.environ.get("ARREARS_WALK_SCREENSHOTS")
# controls a thumb taps, shown and lower than 44px: buttons, fields, lists, summaries, the labels of radio
# buttons and checkboxes (the box itself is small, its row is the target), links standing alone
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, .button, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), select, textarea,'
    + ' summary, .option label, .choice label, .back a, .link-row a, .my-nav a, .my-tools a, ul.links a')]
  .filter(e => e.offsetParent !== null && e.getBoundingClientRect().height < 44)
  .map(e => e.outerHTML.slice(0, 80))"""


@pytest.fixture
def portal(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Cardholder]]:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    holder = seed_cardholder(engine, tmp_path, cipher)
    with served_portal(engine, tmp_path) as base:
        yield base, holder


def test_no_serious_or_critical_violation_on_any_portal_page(
    portal: tuple[str, Cardholder], new_page: Callable[..., Page], engine: Engine
) -> None:
    server, holder = portal
    page, axe = new_page(viewport=PHONE), Axe()
    found: dict[str, list[str]] = {}
    visited: list[str] = []

    def seen(name: str) -> None:
        visited.append(name)
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / f"zh-{name}.png"), full_page=True)
        violations = axe.run(page).response["violations"]
        bad = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
               if v["impact"] in ("serious", "critical")]  # fmt: skip
        bad += [f"smaller than 44px: {target}" for target in page.evaluate(SMALL_TARGETS)]
        if page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]:
            bad.append("wider than the screen")
        if bad:
            found[name] = bad

    walk(page, server, engine, holder, seen)

    assert len(visited) == 17
    assert found == {}


@pytest.mark.skipif(not SHOTS, reason="a walk for a person to look at: set ARREARS_WALK_SCREENSHOTS")
def test_walk_in_english(
    portal: tuple[str, Cardholder], new_page: Callable[..., Page], engine: Engine
) -> None:
    server, holder = portal
    page = new_page(locale="en", viewport=PHONE)
    page.context.add_cookies([{"name": "arrears_lang", "value": "en", "url": server}])
    shots = Path(str(SHOTS))

    def seen(name: str) -> None:
        page.screenshot(path=str(shots / f"en-{name}.png"), full_page=True)

    walk(page, server, engine, holder, seen)
