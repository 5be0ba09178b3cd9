"""A manager's agencies in Chromium, in Chinese and in English, on one book served for the module (found
walking the demo): the header leads to the register, the commissions and the debt sale; the register leads
to the placement batches; a batch's page names what each agency took as accounts placed (not 设置时间,
the time a hold was set); its hand-over file downloads; a new agency is refused with the field named,
then registered, edited, suspended and reinstated; a month's commission statement is made, reviewed by
the manager (复核人, not a call's quality reviewer 质检人) and approved by a second manager; the league
table shows the month; every page axe-clean (no serious or critical violation), and the pages fit a
360 px phone without scrolling sideways; the administrator goes from the agencies' users to the
agency's register entry."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, expect
from serving import served
from signing_in import sign_in
from sqlalchemy import Engine, delete, select

from arrears.agencies import register
from arrears.agencies.placement import place as place_batch
from arrears.agencies.register_rules import Contact, Entry
from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.db import make_engine
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import AppUser, CardAccount, Payment, table_of
from arrears.users import passwords
from arrears.users.service import create_user
from arrears.web.app import create_app
from commission_book import pay, place, schedule, snapshot
from fixed_keys import TEST_KEY
from migrated import SQLITE
from placement_book import hand_over
from web_book import FAST_HASHER, PASSWORD, RUN, build_book

SERIOUS = ("serious", "critical")
PHONE = ViewportSize(width=360, height=640)
SEPTEMBER = date(2005, 9, 1)
SEEDED = datetime(2005, 9, 1, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Words:
    locale: str
    agency: str  # the register's agency whose September statement this language makes
    placed: str  # the batch page's column of the accounts an agency took
    reviewer: str
    not_reviewer: str
    capacity_refused: str
    created: str
    suspended: str
    active: str
    approved: str
    promise_rate: str


ZH = Words("zh-CN", "X", "已委外户数", "复核人", "质检人", "容量", "该机构已登记。", "已暂停", "生效中",
           "已批准", "承诺履约率")  # fmt: skip
EN = Words("en", "Y", "Accounts placed", "Reviewer", "Reviewed by", "Capacity",
           "The agency is on the register.", "suspended", "active", "approved",
           "Promise kept rate")  # fmt: skip


def entry(code: str, name: str) -> Entry:
    return Entry(code=code, name=name, licence_no=f"粤催许 2005-{code}", whitelisted=True,
                 contract_starts_on=date(2005, 1, 1), contract_ends_on=date(2006, 12, 31), terms_signed=True,
                 last_inspection_on=date(2005, 6, 1), capacity=200, territories=(),
                 contacts=(Contact("王经理", "客户经理", "13812345678"),))  # fmt: skip


def seed(engine: Engine, folder: Path) -> int:
    """Agencies X (agency_user1's) and Y on the register, each holding two accounts through September with
    a schedule of 12% and a payment of 1,234.56 yuan and one of 100.01 yuan in the month; the run's
    hand-overs of four other accounts placed by a batch; a second manager. The batch's id."""
    a = table_of(CardAccount)
    with engine.connect() as connection:
        ids = [int(one) for one in connection.execute(select(a.c.id).order_by(a.c.id)).scalars()]
    with audit_transaction(engine) as connection:
        register.create_agency(
            connection, entry("X", "华信催收服务有限公司"), actor="manager1", today=RUN, now=SEEDED
        )
        register.create_agency(
            connection, entry("Y", "恒安信息服务有限公司"), actor="manager1", today=RUN, now=SEEDED
        )
    for code in ("X", "Y"):
        schedule(engine, code, date(2005, 1, 1), "M1+:*:12%")
    with engine.begin() as connection:
        paid = table_of(Payment)
        connection.execute(
            delete(paid).where(paid.c.account_id.in_(ids[6:10]), paid.c.paid_date >= SEPTEMBER)
        )
        for number, (account, code) in enumerate(zip(ids[6:10], ("X", "X", "Y", "Y"), strict=True)):
            snapshot(connection, account, SEPTEMBER, dpd=100, overdue_fen=500_000)
            place(connection, account, code, SEPTEMBER, SEPTEMBER + timedelta(days=89))
            pay(
                connection,
                account,
                date(2005, 9, 10),
                123_456 if number % 2 == 0 else 10_001,
                f"SEP-{number}",
            )
        create_user(connection, username="manager2", display_name="manager two", role="manager",
                    password=PASSWORD, now=now())  # fmt: skip
    hand_over(engine, ids[:4])
    u = table_of(AppUser)
    with audit_transaction(engine) as connection:
        manager = connection.execute(select(u.c.id).where(u.c.username == "manager1")).scalar_one()
        batch = place_batch(connection, run_date=RUN, placed_on=RUN, days=90, actor="manager1",
                            actor_id=manager, now=SEEDED, data_dir=folder)  # fmt: skip
    return batch.batch_id


@dataclass(frozen=True)
class Book:
    base: str
    engine: Engine
    batch_id: int


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    folder = tmp_path_factory.mktemp("walk18_manager")
    SQLITE.copy_to(folder / "arrears.db", tmp_path_factory)
    engine = make_engine(f"sqlite:///{folder / 'arrears.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", FAST_HASHER)
        build_book(engine, folder, FieldCipher(TEST_KEY))
        batch_id = seed(engine, folder)
        settings = Settings(data_dir=folder, encryption_key=base64.b64encode(TEST_KEY).decode())
        with served(create_app(settings, engine=engine)) as base:
            yield Book(base, engine, batch_id)
    engine.dispose()


def accessible(page: Page) -> None:
    found = Axe().run(page).response["violations"]
    bad = [f"{one['id']}: {[node['target'] for node in one['nodes']][:3]}" for one in found
           if one["impact"] in SERIOUS]  # fmt: skip
    assert not bad, (page.url, bad)


def opened(page: Page, base: str, words: Words, path: str) -> None:
    page.goto(f"{base}/lang/en?next={path}" if words.locale == "en" else f"{base}{path}")


def fits(page: Page) -> None:
    """Nothing wider than the window: the page does not scroll sideways (tables scroll in their box)."""
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], (page.url, wide)


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_a_managers_agencies_from_the_register_to_the_league_table(
    book: Book, new_page: Callable[..., Page], words: Words
) -> None:
    base, lang = book.base, words.locale[:2]
    manager = new_page(locale=words.locale)
    sign_in(manager, base, "manager1")
    opened(manager, base, words, "/dashboard")
    nav = manager.locator("header.top nav")
    for path in ("/agencies", "/agencies/commissions", "/agencies/league", "/debt-sale"):
        expect(nav.locator(f"a[href='{path}']")).to_have_count(1)

    nav.locator("a[href='/agencies']").click()
    expect(manager.locator("#agency-X")).to_be_visible()
    accessible(manager)
    manager.locator("main a[href='/agencies/batches']").click()
    expect(manager.locator("#placement-batches")).to_be_visible()
    accessible(manager)
    manager.locator(f"#placement-batches a[href='/agencies/batches/{book.batch_id}']").click()
    takers = manager.locator("#batch-agencies")
    expect(takers.locator("th")).to_contain_text([words.placed])
    expect(takers).not_to_contain_text("设置时间")
    for code in ("X", "Y"):  # new agencies: no recovery rate of theirs (they are credited one to share by)
        expect(takers.locator("tr", has_text=f"{code} · ")).not_to_contain_text("100.0%")
    accessible(manager)
    with manager.expect_download() as download:
        manager.locator("#batch-files a").first.click()
    handed = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert handed.startswith("placement_ref,account_ref,name_masked"), handed[:80]

    opened(manager, base, words, "/agencies")
    form = manager.locator("#new-agency")
    code = f"N{lang.upper()}"
    form.locator("input[name=code]").fill(code)
    form.locator("input[name=name]").fill(f"新机构 {lang}")
    form.locator("input[name=licence_no]").fill(f"LIC-{code}")
    form.locator("input[name=contract_starts_on]").fill("2005-01-01")
    form.locator("input[name=contract_ends_on]").fill("2006-12-31")
    form.locator("input[name=last_inspection_on]").fill("2005-09-01")
    form.locator("input[name=whitelisted]").check()
    form.locator("input[name=terms_signed]").check()
    form.locator("input[name=contact_name_0]").fill("李主管")
    form.locator("input[name=contact_phone_0]").fill("13900001111")
    capacity = form.locator("input[name=capacity]")
    capacity.evaluate("field => { field.type = 'text'; }")  # what a browser without the number field sends
    capacity.fill("many")
    form.locator("button[type=submit]").click()
    expect(manager.locator("#new-error")).to_contain_text(words.capacity_refused)
    expect(manager.locator("#new-error")).not_to_contain_text("capacity:")
    expect(manager.locator("#new-agency input[name=name]")).to_have_value(f"新机构 {lang}")
    manager.locator("#new-agency input[name=capacity]").fill("40")
    manager.locator("#new-agency button[type=submit]").click()
    expect(manager).to_have_url(re.compile(rf"/agencies/{code}\?"))
    expect(manager.locator("p.notice[role=status]")).to_have_text(words.created)
    expect(manager.locator("#agency-contacts")).to_contain_text("139****1111")
    manager.locator("#agency-form textarea[name=territories]").fill("石岐区, 东区")
    manager.locator("#agency-form button[type=submit]").click()
    expect(manager.locator("#agency-facts")).to_contain_text("石岐区, 东区")
    manager.locator("#suspend-form textarea[name=reason]").fill("检查不合格 failed the inspection")
    manager.locator("#suspend-form button[type=submit]").click()
    expect(manager.locator("#agency-status")).to_have_text(words.suspended)
    manager.locator("#reinstate-form button[type=submit]").click()
    expect(manager.locator("#agency-status")).to_have_text(words.active)
    accessible(manager)

    nav.locator("a[href='/agencies/commissions']").click()
    make = manager.locator("#commission-make")
    make.locator("input[name=month]").fill("2005-09")
    make.locator("input[name=agency]").fill(words.agency)
    make.locator("button[type=submit]").click()
    expect(manager.locator("p.notice[role=status]")).to_be_visible()
    row = manager.locator("#commission-statements tr", has_text=f"{words.agency} · ")
    expect(row).to_contain_text("¥1,334.57")  # 1,234.56 + 100.01 collected
    expect(row).to_contain_text("¥160.15")  # 148.15 + 12.00 at 12%, each rounded to the fen
    accessible(manager)
    row.locator("a[href^='/agencies/commissions/']").first.click()
    totals = manager.locator("#commission-totals")
    expect(totals).to_contain_text(words.reviewer)
    expect(totals).not_to_contain_text(words.not_reviewer)
    manager.locator("#commission-decision button[type=submit]").click()
    expect(manager.locator("#commission-decision button")).to_have_count(0)  # another person approves
    accessible(manager)
    statement = manager.url.split("?")[0]

    second = new_page(locale=words.locale)
    sign_in(second, base, "manager2")
    opened(second, base, words, statement.removeprefix(base))
    second.locator("#commission-decision button[type=submit]").click()
    expect(second.locator("h1 .pill")).to_have_text(words.approved)
    expect(second.locator("#commission-totals")).to_contain_text("manager two")

    opened(manager, base, words, "/agencies/league?month=2005-09")
    league = manager.locator("#league-table")
    expect(manager.locator("main p.muted")).to_contain_text(words.promise_rate)  # the column's own name
    expect(league.locator("th")).to_contain_text([words.promise_rate])
    expect(league.locator("tr", has_text=f"{words.agency} · ")).to_contain_text("¥1,334.57")
    accessible(manager)


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_the_managers_agency_pages_fit_a_phone(
    book: Book, new_page: Callable[..., Page], words: Words
) -> None:
    manager = new_page(locale=words.locale, viewport=PHONE)
    sign_in(manager, book.base, "manager1")
    batch = f"/agencies/batches/{book.batch_id}"
    pages = ("/dashboard", "/agencies", "/agencies/X", "/agencies/batches", batch, "/agencies/commissions",
             "/agencies/league")  # fmt: skip
    for path in pages:
        opened(manager, book.base, words, path)
        fits(manager)
        accessible(manager)


def test_the_admin_goes_from_an_agencys_users_to_its_register_entry(
    book: Book, new_page: Callable[..., Page]
) -> None:
    admin = new_page()
    sign_in(admin, book.base, "admin1")
    admin.goto(f"{book.base}/admin/agencies")
    expect(admin.locator("main a[href^='/agencies/']")).to_have_count(1)  # X only: no team names Y
    admin.locator("main a[href='/agencies/X']").click()
    expect(admin.locator("#agency-users")).to_contain_text("agency_user1")
    accessible(admin)
