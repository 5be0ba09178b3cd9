"""An agency user sees recalled accounts disappear, in Chromium, once in Chinese and once in English:
agency X (on the register) holds two accounts; its user sees both on /agency and opens one; a manager
places a complaint hold on it from its case page, and on reloading the agency user no longer sees it
and gets 404 on its case page; the manager then recalls the other one from the agency's page on the
register, and the agency user's list is empty. axe-core finds no serious or critical violation on the
register's pages and the agency user's list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.agencies import register
from arrears.agencies.register_rules import Contact, Entry
from arrears.audit.repository import audit_transaction
from arrears.models import AgencyPlacement, CardAccount, table_of
from web_book import RUN

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
SERIOUS = ("serious", "critical")
NOW = datetime(2026, 12, 1, 2, tzinfo=UTC)
X = Entry(code="X", name="华信催收服务有限公司", licence_no="沪催许 2005-017", whitelisted=True,
          contract_starts_on=date(2005, 1, 1), contract_ends_on=date(2006, 12, 31), terms_signed=True,
          last_inspection_on=date(2005, 3, 1), capacity=500, territories=("上海",),
          contacts=(Contact("王经理", "客户经理", "13812345678", "wang@huaxin.example"),))  # fmt: skip


def accessible(page: Page) -> None:
    found = Axe().run(page).response["violations"]
    bad = [f"{one['id']}: {[node['target'] for node in one['nodes']][:3]}" for one in found
           if one["impact"] in SERIOUS]  # fmt: skip
    assert not bad, (page.url, bad)


def seed(engine: Engine) -> dict[int, int]:
    """Agency X on the register holding accounts 4 and 5; their placement ids by account."""
    with audit_transaction(engine) as connection:
        register.create_agency(connection, X, actor="manager1", today=RUN, now=NOW)
    p = table_of(AgencyPlacement)
    rows = [{"account_id": one, "agency_code": "X", "placed_on": RUN, "ends_on": RUN + timedelta(days=90),
             "created_at": NOW} for one in (4, 5)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(p), rows)
        return {
            int(row.account_id): int(row.id) for row in connection.execute(select(p.c.account_id, p.c.id))
        }


def account_no(engine: Engine, account_id: int) -> str:
    a = table_of(CardAccount)
    with engine.connect() as connection:
        return str(connection.execute(select(a.c.account_no).where(a.c.id == account_id)).scalar_one())


def in_language(page: Page, lang: str) -> None:
    if lang == "en":
        page.get_by_role("link", name="English", exact=True).click()
        expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^en"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_agency_user_sees_recalled_accounts_disappear(
    server: str, new_page: Callable[..., Page], engine: Engine, lang: str
) -> None:
    placements = seed(engine)
    agency = new_page()
    sign_in(agency, server, "agency_user1")
    expect(agency).to_have_url(f"{server}/agency")
    in_language(agency, lang)
    expect(agency.locator("#placed a[href^='/cases/']")).to_have_count(2)
    accessible(agency)
    agency.locator("#placed a[href='/cases/4']").click()
    expect(agency).to_have_url(f"{server}/cases/4")
    expect(agency.locator("main")).to_contain_text(account_no(engine, 4))

    manager = new_page()
    sign_in(manager, server, "manager1")
    in_language(manager, lang)
    manager.goto(f"{server}/cases/4")
    manager.locator("details:has(#hold-form) > summary").click()
    manager.locator("#hold-form select[name=kind]").select_option("complaint")
    manager.locator("#hold-form input[name=reason]").fill(
        "持卡人投诉委外机构催收方式 complaint about the agency"
    )
    manager.locator("#hold-form button[type=submit]").click()
    expect(manager.locator("main")).to_contain_text("持卡人投诉委外机构催收方式")

    agency.goto(f"{server}/agency")
    expect(agency.locator("#placed a[href^='/cases/']")).to_have_count(1)
    expect(agency.locator("#placed a[href='/cases/4']")).to_have_count(0)
    gone = agency.goto(f"{server}/cases/4")
    assert gone is not None and gone.status == 404
    assert account_no(engine, 4) not in agency.locator("main").inner_text()

    manager.goto(f"{server}/agencies")
    expect(manager.locator("#agency-X")).to_contain_text("agency_user1")
    expect(manager.locator("#agency-X")).not_to_contain_text("13812345678")
    accessible(manager)
    manager.locator("#agency-X a[href='/agencies/X']").click()
    expect(manager.locator("#agency-placements")).to_contain_text(account_no(engine, 5))
    expect(manager.locator("#agency-contacts")).to_contain_text("138****5678")
    accessible(manager)
    manager.locator(f"#placement-{placements[5]} button[type=submit]").click()
    expect(manager.locator("p.notice[role=status]")).to_be_visible()
    expect(manager.locator("#recalls")).to_contain_text(account_no(engine, 5))
    expect(manager.locator("#recalls")).to_contain_text(account_no(engine, 4))
    expect(manager.locator("#placed-now")).to_have_text("0")
    accessible(manager)

    agency.goto(f"{server}/agency")
    expect(agency.locator("#placed a[href^='/cases/']")).to_have_count(0)
    gone = agency.goto(f"{server}/cases/5")
    assert gone is not None and gone.status == 404
