"""A field visitor on a phone works a visit: check-in with the phone's position, the protocol (kept as
typed when refused), the outcome and a confirmed check-out; the full address of today's stop with a map
link; a visit closed without a protocol says why; in a phone-sized Chromium."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from serving import served
from sqlalchemy import Engine, select
from test_workspace import sign_in

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import FollowUpTask, PromiseToPay, VisitStop, table_of
from arrears.users import passwords
from arrears.web.app import create_app
from arrears.web.pages import visits
from fixed_keys import TEST_KEY
from web_book import FAST_HASHER

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)

PHONE = ViewportSize(width=390, height=844)
ZONE_NOW = datetime.now(ZoneInfo("Asia/Shanghai")).replace(hour=10, minute=0, second=0, microsecond=0)
BOOK_DIR = Path(__file__).parents[1] / "integration" / "visits"


@pytest.fixture
def visit_server(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, dict[str, list[int]]]]:
    """The app on the fieldwork book (routes of today), the clock at 10:00 local; base URL and stops."""
    monkeypatch.syspath_prepend(str(BOOK_DIR))
    from fieldwork_book import build_fieldwork_book

    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    monkeypatch.setattr(visits, "now", lambda: ZONE_NOW)
    stops = build_fieldwork_book(engine, tmp_path, cipher, ZONE_NOW.date())
    settings = Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode())
    with served(create_app(settings, engine=engine)) as base:
        yield base, stops


def test_a_visitor_checks_in_records_the_visit_and_checks_out(
    visit_server: tuple[str, dict[str, list[int]]], new_page: Callable[..., Page], engine: Engine
) -> None:
    server, stops = visit_server
    page = new_page(viewport=PHONE)
    page.context.grant_permissions(["geolocation"], origin=server)
    page.context.set_geolocation({"latitude": 22.5225, "longitude": 113.3802})  # about 60 m away
    sign_in(page, server, "visitor1")
    page.goto(f"{server}/visits/today")
    expect(page.locator("svg.visit-map circle")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]  # no sideways scrolling
    page.locator(".visit-stop-link").first.click()
    expect(page).to_have_url(f"{server}/visits/stops/{stops['a'][0]}")
    page.locator("#check-in-form button").click()
    expect(page.locator("#check-in-result")).to_be_visible()
    expect(page.locator("#check-in-result .pill.bad")).to_have_count(0)

    form = page.locator("#protocol-form")
    for name in ("staff_id_shown", "recording_on", "identity_confirmed", "situation_heard"):
        form.locator(f"input[name={name}]").check()
    form.locator("select[name=reason]").select_option("income_loss")
    form.locator("select[name=solution_offered]").select_option("promise")
    form.locator("select[name=agreement]").select_option("reached")
    form.locator("textarea[name=notes]").fill("second floor, blue door")
    form.locator("button").click()  # one staff member ticked: the rulebook refuses
    expect(page.locator(".error[role=alert]")).to_be_visible()
    form = page.locator("#protocol-form")  # what was typed is still there
    for name in ("staff_id_shown", "recording_on", "identity_confirmed", "situation_heard"):
        expect(form.locator(f"input[name={name}]")).to_be_checked()
    expect(form.locator("select[name=solution_offered]")).to_have_value("promise")
    expect(form.locator("select[name=agreement]")).to_have_value("reached")
    expect(form.locator("textarea[name=notes]")).to_have_value("second floor, blue door")
    form.locator("input[name=partner_present]").check()
    form.locator("button").click()
    expect(page.locator(".notice")).to_be_visible()

    promised = (ZONE_NOW.date() + timedelta(days=7)).isoformat()
    outcome = page.locator("#outcome-form")
    outcome.locator("select[name=kind]").select_option("promise")
    outcome.locator("input[name=amount]").fill("500")
    outcome.locator("input[name=promised_date]").fill(promised)
    outcome.locator("button").click()
    expect(page.locator("#stop-outcome")).to_be_visible()
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#check-out-form button").click()  # dismissed: still open
    expect(page.locator("#check-out-form")).to_have_count(1)
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.locator("#check-out-form button").click()
    expect(page.locator("#check-out-form")).to_have_count(0)
    assert len(asked) == 2

    with engine.connect() as connection:
        stop = connection.execute(
            select(table_of(VisitStop)).where(table_of(VisitStop).c.id == stops["a"][0])
        ).one()
        promise = connection.execute(select(table_of(PromiseToPay))).one()
        task = connection.execute(select(table_of(FollowUpTask))).one()
    assert stop.status == "done" and stop.check_in_far is False and 40 < stop.check_in_distance_m < 80
    assert stop.check_in_lat == pytest.approx(22.5225)
    assert (
        promise.amount_fen == 50_000
        and task.kind == "promise_check"
        and task.due_date.isoformat() == promised
    )


def test_a_visitor_sees_todays_address_and_closes_a_visit_nobody_answered(
    visit_server: tuple[str, dict[str, list[int]]], new_page: Callable[..., Page], engine: Engine
) -> None:
    server, stops = visit_server
    page = new_page(viewport=PHONE)
    sign_in(page, server, "visitor2")
    page.goto(f"{server}/visits/stops/{stops['a'][1]}")
    masked = page.locator("#stop-address").inner_text()
    page.locator("#stop-address button").click()  # htmx: the address in place, with a map link
    expect(page.locator("#stop-address [data-pii=address]")).to_be_visible()
    assert "****" in masked and "****" not in page.locator("#stop-address [data-pii=address]").inner_text()
    assert page.locator("#stop-address a").get_attribute("href").startswith("geo:")  # type: ignore[union-attr]

    page.locator("#check-in-form button").click()
    expect(page.locator("#check-in-result")).to_be_visible()
    page.on("dialog", lambda dialog: dialog.accept())
    page.locator("#check-out-form button").click()  # no reason chosen: the browser asks for one
    expect(page.locator("#check-out-form")).to_have_count(1)
    page.locator("#check-out-form select[name=outcome]").select_option("no_contact")
    page.locator("#check-out-form button").click()
    expect(page.locator("#stop-outcome")).to_be_visible()
    with engine.connect() as connection:
        stop = connection.execute(
            select(table_of(VisitStop)).where(table_of(VisitStop).c.id == stops["a"][1])
        ).one()
    assert stop.status == "done" and stop.outcome == "no_contact"
