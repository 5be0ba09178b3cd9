"""The collector's agenda and the team lead's floor view in a real browser, in Chinese and in English:
the agenda shows a callback due and a promise broken yesterday and refreshes in place; the lead
reassigns a case on the floor and the collector finds it on their agenda; axe-core finds no serious
or critical violation on either page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.kit.clock import now
from arrears.models import Callback, CardAccount, table_of
from arrears.web.pages import agenda as agenda_page
from floor_day import seed_day, user

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default


def account_no(engine: Engine, account_id: int) -> str:
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return str(connection.execute(select(a.c.account_no).where(a.c.id == account_id)).scalar_one())


def serious(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
            if v["impact"] in ("serious", "critical")]  # fmt: skip


@pytest.mark.parametrize(("locale", "broken"), [("zh-CN", "已违约"), ("en", "broken")])
def test_the_agenda_shows_a_callback_due_and_a_promise_broken_yesterday(
    server: str,
    new_page: Callable[..., Page],
    engine: Engine,
    locale: str,
    broken: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(agenda_page, "REFRESH_SECONDS", 1)  # the page polls every second, not every minute
    seeded = seed_day(engine, now=now())
    accounts = seeded["accounts"]
    page = new_page(locale=locale)
    sign_in(page, server, "collector1")
    if locale == "en":
        page.goto(f"{server}/lang/en?next=/")

    due = page.locator("#callbacks-due tr.callback")
    expect(due.first).to_contain_text(account_no(engine, accounts[2]))
    broken_row = page.locator("#promises tr.broken-promise")
    expect(broken_row).to_have_count(1)
    expect(broken_row).to_contain_text(account_no(engine, accounts[4]))
    expect(broken_row).to_contain_text(broken)
    expect(page.locator("#my-day")).to_contain_text("¥12,345.00")
    assert serious(page) == []

    with engine.begin() as connection:  # a new callback comes due: the agenda shows it without a reload
        customer = connection.execute(
            select(table_of(CardAccount).c.customer_id).where(table_of(CardAccount).c.id == accounts[7])
        ).scalar_one()
        connection.execute(insert(table_of(Callback)).values(
            account_id=accounts[7], customer_id=customer, user_id=seeded["user"].id, status="open",
            due_at=now(), created_at=now(), note=None))  # fmt: skip
    expect(page.locator("#callbacks-due")).to_contain_text(account_no(engine, accounts[7]))
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1  # no reload


@pytest.mark.parametrize(("lead_locale", "done"), [("zh-CN", "已分配给"), ("en", "was given to")])
def test_the_lead_reassigns_a_case_on_the_floor_and_the_collector_sees_it(
    server: str, new_page: Callable[..., Page], engine: Engine, lead_locale: str, done: str
) -> None:
    collector = new_page()
    sign_in(collector, server, "collector1")
    collector.locator("#next-case button").click()
    expect(collector).to_have_url(re.compile(r"/cases/\d+$"))
    case = int(collector.url.rsplit("/", 1)[1])
    number = account_no(engine, case)

    lead = new_page(locale=lead_locale)
    sign_in(lead, server, "team_lead1")
    if lead_locale == "en":
        lead.goto(f"{server}/lang/en?next=/team")
    else:
        lead.goto(f"{server}/team")
    row = lead.locator("#on-the-floor tr", has_text=number)
    expect(row).to_have_count(1)
    assert serious(lead) == []
    row.locator("a.reassign").click()
    form = lead.locator("#reassign-form")
    expect(form.locator("input[name=account_no]")).to_have_value(number)
    form.locator("select[name=to]").select_option(str(user(engine, "collector2").id))
    form.locator("button[type=submit]").click()
    expect(lead.locator(".notice")).to_contain_text(done)
    expect(lead.locator("#on-the-floor tr", has_text=number)).to_contain_text("c2")

    other = new_page(locale="en")
    sign_in(other, server, "collector2")
    other.goto(f"{server}/lang/en?next=/")
    held = other.locator("#held a", has_text=number)
    expect(held).to_have_count(1)
    held.click()
    expect(other).to_have_url(re.compile(rf"/cases/{case}$"))
