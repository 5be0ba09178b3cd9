"""An agency user's and a lawyer's day on a 360 px phone in Chromium, in Chinese and in English, on one book
served for the module (found walking the demo, where the legal case page scrolled sideways by 17 to 44 px
on a phone): the agency user sees the accounts placed with their agency, opens one, and after a manager
recalls it from the register the account is gone from the list and its page answers 404; legal proceeds
with a referral and gives the case to a law firm, whose lawyer moves it through filing, hearing and
judgment, the deadlines shown with their dates (the hearing, the appeal window, the last day to apply for
enforcement); each page fits the phone and is axe-clean (no serious or critical violation)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, ViewportSize, expect
from serving import served
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.agencies import register
from arrears.agencies.register_rules import Contact, Entry
from arrears.audit.repository import audit_transaction
from arrears.compliance.entry_points import add_years
from arrears.config import Settings
from arrears.db import make_engine
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import AgencyPlacement, CardAccount, CollectionAction, Team, table_of
from arrears.users import passwords
from arrears.users.service import create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from migrated import SQLITE
from web_book import FAST_HASHER, PASSWORD, RUN, build_book

SERIOUS = ("serious", "critical")
PHONE = ViewportSize(width=360, height=640)
SEEDED = datetime(2005, 10, 1, 2, tzinfo=UTC)


@dataclass(frozen=True)
class Words:
    locale: str
    agency: str  # the agency whose user walks in this language
    agency_user: str
    accounts: tuple[int, int]  # the book's accounts (by rank) placed with it
    referred: int  # the book's account (by rank) legal refers in this language
    proceed: str
    proceeded: str
    firm_saved: str
    step_recorded: str
    hearing: str
    appeal: str
    enforcement: str


ZH = Words("zh-CN", "X", "agency_user1", (3, 4), 8, "采取法律行动", "决定已记录：该账户进入法律程序。",
           "已保存律师事务所。", "已记录该步骤。", "开庭", "上诉期届满", "申请执行期限届满")  # fmt: skip
EN = Words("en", "Y", "agency_user_en", (5, 6), 9, "Proceed with legal action",
           "Decision recorded: the account proceeds to legal action.", "Law firm saved.", "Step recorded.",
           "hearing", "appeal window ends", "last day to apply for enforcement")  # fmt: skip


@dataclass(frozen=True)
class Book:
    base: str
    engine: Engine
    numbers: list[str]  # the book's account numbers by rank
    ids: list[int]


def seed(engine: Engine) -> tuple[list[int], list[str]]:
    """Agencies X (agency_user1's team agency-x) and Y (a team agency-y with agency_user_en) on the register,
    each holding two accounts; the law firm firm-18 with lawyer_18; legal reviews of two accounts in the
    business date's run."""
    a = table_of(CardAccount)
    with engine.connect() as connection:
        rows = connection.execute(select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id)).all()
    ids, numbers = [int(row.id) for row in rows], [str(row.account_no) for row in rows]
    with audit_transaction(engine) as connection:
        for code in ("X", "Y"):
            entry = Entry(code=code, name=f"委外机构 {code}", licence_no=f"粤催许 2005-{code}",
                          whitelisted=True, contract_starts_on=date(2005, 1, 1),
                          contract_ends_on=date(2006, 12, 31), terms_signed=True,
                          last_inspection_on=date(2005, 6, 1), capacity=100, territories=(),
                          contacts=(Contact("王经理", "客户经理", "13812345678"),))  # fmt: skip
            register.create_agency(connection, entry, actor="manager1", today=RUN, now=SEEDED)
    placements = [{"account_id": ids[rank], "agency_code": words.agency, "placed_on": RUN,
                   "ends_on": RUN + timedelta(days=90), "created_at": SEEDED}
                  for words in (ZH, EN) for rank in words.accounts]  # fmt: skip
    at = datetime.combine(RUN, datetime.min.time(), UTC) + timedelta(hours=1)
    referrals = [{"run_date": RUN, "account_id": ids[words.referred], "channel": "legal_review",
                  "customer_id": rows[words.referred].customer_id, "segment": "m6", "arm": "champion",
                  "treatment": "legal", "value_fen": 100_000, "scheduled_at": at, "status": "planned"}
                 for words in (ZH, EN)]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table_of(AgencyPlacement)), placements)
        connection.execute(insert(table_of(CollectionAction)), referrals)
        connection.execute(insert(table_of(Team)), [
            {"code": "agency-y", "name": "agency-y", "kind": "agency", "agency_code": "Y"},
            {"code": "firm-18", "name": "金诚律师事务所", "kind": "law_firm", "agency_code": None},
        ])  # fmt: skip
        create_user(connection, username="agency_user_en", display_name="agency user en", role="agency_user",
                    password=PASSWORD, now=now(), team_code="agency-y")  # fmt: skip
        create_user(connection, username="lawyer_18", display_name="lawyer 18", role="lawyer",
                    password=PASSWORD, now=now(), team_code="firm-18")  # fmt: skip
    return ids, numbers


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    folder = tmp_path_factory.mktemp("walk18_agency_legal")
    SQLITE.copy_to(folder / "arrears.db", tmp_path_factory)
    engine = make_engine(f"sqlite:///{folder / 'arrears.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", FAST_HASHER)
        build_book(engine, folder, FieldCipher(TEST_KEY))
        ids, numbers = seed(engine)
        settings = Settings(data_dir=folder, encryption_key=base64.b64encode(TEST_KEY).decode())
        with served(create_app(settings, engine=engine)) as base:
            yield Book(base, engine, numbers, ids)
    engine.dispose()


def opened(page: Page, base: str, words: Words, path: str) -> None:
    page.goto(f"{base}/lang/en?next={path}" if words.locale == "en" else f"{base}{path}")


def fits_and_accessible(page: Page) -> None:
    wide = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert wide[0] <= wide[1], (page.url, wide)
    found = Axe().run(page).response["violations"]
    bad = [f"{one['id']}: {[node['target'] for node in one['nodes']][:3]}" for one in found
           if one["impact"] in SERIOUS]  # fmt: skip
    assert not bad, (page.url, bad)


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_an_agency_user_on_a_phone_sees_a_recalled_account_leave(
    book: Book, new_page: Callable[..., Page], words: Words
) -> None:
    base = book.base
    kept, recalled = (book.ids[rank] for rank in words.accounts)
    agency = new_page(locale=words.locale, viewport=PHONE)
    sign_in(agency, base, words.agency_user)
    opened(agency, base, words, "/agency")
    expect(agency.locator("#placed a[href^='/cases/']")).to_have_count(2)
    fits_and_accessible(agency)
    agency.locator(f"#placed a[href='/cases/{recalled}']").click()
    expect(agency.locator("main")).to_contain_text(book.numbers[words.accounts[1]])
    fits_and_accessible(agency)

    manager = new_page(locale=words.locale)
    sign_in(manager, base, "manager1")
    opened(manager, base, words, f"/agencies/{words.agency}")
    row = manager.locator("#placements tr", has_text=book.numbers[words.accounts[1]])
    row.locator("input[name=note]").fill("经理收回 recalled by the manager")
    row.locator("button[type=submit]").click()
    expect(manager.locator("#recalls")).to_contain_text(book.numbers[words.accounts[1]])

    agency.goto(f"{base}/agency")
    expect(agency.locator("#placed a[href^='/cases/']")).to_have_count(1)
    expect(agency.locator(f"#placed a[href='/cases/{kept}']")).to_have_count(1)
    gone = agency.goto(f"{base}/cases/{recalled}")
    assert gone is not None and gone.status == 404
    fits_and_accessible(agency)


def record(page: Page, words: Words, stage: str, document: str = "", **dates: str) -> None:
    form = page.locator("#step-form")
    form.locator("select[name=to]").select_option(stage)
    if document:
        form.locator("input[name=document]").fill(document)
    for field, day in dates.items():
        form.locator(f"input[name={field}]").fill(day)
    form.get_by_role("button").click()
    expect(page.get_by_role("status")).to_have_text(words.step_recorded)
    fits_and_accessible(page)


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_a_lawyer_on_a_phone_moves_a_case_to_judgment(
    book: Book, new_page: Callable[..., Page], words: Words
) -> None:
    base, number = book.base, book.numbers[words.referred]
    legal = new_page(locale=words.locale)
    sign_in(legal, base, "legal1")
    opened(legal, base, words, "/legal")
    legal.locator(f'section[data-account="{number}"]').get_by_role("button", name=words.proceed).click()
    expect(legal.get_by_role("status")).to_have_text(words.proceeded)
    opened(legal, base, words, "/legal/cases")
    legal.locator("#open-cases").get_by_role("link", name=number, exact=True).click()
    expect(legal).to_have_url(re.compile(r"/legal/cases/\d+$"))
    case = legal.url.removeprefix(base)
    legal.locator("#firm-form select[name=firm]").select_option(label="金诚律师事务所")
    legal.locator("#firm-form button").click()
    expect(legal.get_by_role("status")).to_have_text(words.firm_saved)

    lawyer = new_page(locale=words.locale, viewport=PHONE)
    sign_in(lawyer, base, "lawyer_18")
    opened(lawyer, base, words, "/legal/cases")
    fits_and_accessible(lawyer)
    lawyer.locator("#open-cases").get_by_role("link", name=number, exact=True).click()
    expect(lawyer).to_have_url(f"{base}{case}")
    fits_and_accessible(lawyer)
    today = date.fromisoformat(lawyer.locator("#step-form input[name=on]").get_attribute("max") or "")
    hearing_on, perform_by = today + timedelta(days=10), today + timedelta(days=30)
    record(lawyer, words, "filing", f"(2005)粤2071民初18{words.referred}号")
    record(lawyer, words, "hearing", hearing_on=hearing_on.isoformat())
    deadlines = lawyer.locator("#case-deadlines")
    expect(deadlines.locator("tr", has_text=words.hearing)).to_contain_text(hearing_on.isoformat())
    record(
        lawyer,
        words,
        "judgment",
        f"(2005)粤2071民初18{words.referred}号判决",
        perform_by=perform_by.isoformat(),
    )
    expect(deadlines.locator("tr", has_text=words.appeal)).to_contain_text(
        (today + timedelta(days=15)).isoformat()
    )
    expect(deadlines.locator("tr", has_text=words.enforcement)).to_contain_text(
        add_years(perform_by, 2).isoformat()
    )
    opened(lawyer, base, words, "/legal/cases")
    expect(lawyer.locator("#open-cases tr", has_text=number)).to_contain_text(words.appeal)
    fits_and_accessible(lawyer)
