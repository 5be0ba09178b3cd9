"""Browser tests: the app served on a free local port, driven by Playwright in Debian's Chromium.

A failed test leaves a screenshot of its page in ``test-results/``. Without /usr/bin/chromium the
tests are skipped (`.ci/run` installs it, so CI always runs them).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright
from serving import served
from sqlalchemy import Engine

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.users import passwords
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER, build_book

CHROMIUM = Path("/usr/bin/chromium")
RESULTS = Path(__file__).parents[2] / "test-results"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def server(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The app on the test book, served by uvicorn in a thread; its base URL."""
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    build_book(engine, tmp_path, cipher)
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    with served(create_app(settings, engine=engine)) as base:
        yield base


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium: Browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """Opens pages, each in its own browser context (its own cookies: one person each); screenshots
    of every page opened are kept when the test fails."""
    contexts = []

    def opened(locale: str = "zh-CN", viewport: ViewportSize | None = None) -> Page:
        size = viewport or ViewportSize(width=1366, height=900)
        context = chromium.new_context(locale=locale, viewport=size)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield opened
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        for number, context in enumerate(contexts):
            for page in context.pages:
                page.screenshot(path=str(RESULTS / f"{request.node.name}-{number}.png"), full_page=True)
    for context in contexts:
        context.close()
