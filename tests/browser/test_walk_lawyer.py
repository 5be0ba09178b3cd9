"""A law firm's lawyer works a legal case in Chromium, in Chinese and in English, on one book served for
the module: legal1 proceeds with two referred accounts on /legal, opens the first case from
/legal/cases and assigns it to the lawyer's firm (the second to another firm); the lawyer signs in,
lands on /legal/cases, sees only their firm's case, opens it and records the lawyer's letter, the
filing, the hearing (with its date) and the judgment (with the last day of performance) through the
form, and a court fee; the case shows the appeal window, the enforcement application's deadline and
the money. A step sent from a page left open while a colleague moved the case is refused with the
reason in the form and what was typed kept. axe-core finds no serious or critical violation on either
legal case page; another firm's case answers 404."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from serving import served
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.compliance.entry_points import add_years
from arrears.config import Settings
from arrears.db import make_engine
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, CollectionAction, Team, table_of
from arrears.users import passwords
from arrears.users.service import create_user
from arrears.web.app import create_app
from fixed_keys import TEST_KEY
from migrated import SQLITE
from web_book import FAST_HASHER, PASSWORD, RUN, build_book


@dataclass(frozen=True)
class Words:
    """What the pages say in one language."""

    locale: str
    proceed: str
    proceeded: str
    firm_saved: str
    step_recorded: str
    cost_recorded: str
    letter: str
    refused: str
    appeal: str
    enforcement: str
    court_fee: str


ZH = Words("zh-CN", "采取法律行动", "决定已记录：该账户进入法律程序。", "已保存律师事务所。",
           "已记录该步骤。", "已记录该费用。", "律师函", "不能进入「律师函」", "上诉期届满",
           "申请执行期限届满", "诉讼费")  # fmt: skip
EN = Words("en", "Proceed with legal action", "Decision recorded: the account proceeds to legal action.",
           "Law firm saved.", "Step recorded.", "Cost recorded.", "lawyer's letter",
           "cannot move to lawyer letter", "appeal window ends", "last day to apply for enforcement",
           "court fee")  # fmt: skip


@dataclass(frozen=True)
class Book:
    base: str
    engine: Engine


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    """One web book served for the whole module (each language works its own accounts and firms)."""
    folder = tmp_path_factory.mktemp("lawyer_book")
    SQLITE.copy_to(folder / "arrears.db", tmp_path_factory)
    engine = make_engine(f"sqlite:///{folder / 'arrears.db'}")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", FAST_HASHER)
        build_book(engine, folder, FieldCipher(TEST_KEY))
        settings = Settings(data_dir=folder, encryption_key=base64.b64encode(TEST_KEY).decode())
        with served(create_app(settings, engine=engine)) as base:
            yield Book(base, engine)
    engine.dispose()


def referred(engine: Engine, first: int) -> list[str]:
    """Legal reviews of the business date's run on two of the book's accounts; their numbers."""
    a = table_of(CardAccount)
    with engine.begin() as connection:
        chosen = connection.execute(
            select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id).offset(first).limit(2)
        ).all()
        at = datetime.combine(RUN, datetime.min.time(), UTC) + timedelta(hours=1)
        connection.execute(insert(table_of(CollectionAction)), [
            {"run_date": RUN, "account_id": account, "customer_id": customer, "channel": "legal_review",
             "segment": "m6", "arm": "champion", "treatment": "legal", "value_fen": 100_000,
             "scheduled_at": at, "status": "planned"} for account, customer, _ in chosen
        ])  # fmt: skip
    return [str(number) for _, _, number in chosen]


def law_firm(engine: Engine, code: str, name: str, lawyer: str) -> None:
    """A law firm's team with one lawyer in it, written in the database as an administrator would."""
    with engine.begin() as connection:
        connection.execute(insert(table_of(Team)).values(code=code, name=name, kind="law_firm"))
        create_user(connection, username=lawyer, display_name=lawyer, role="lawyer", password=PASSWORD,
                    now=now(), team_code=code)  # fmt: skip


def in_language(page: Page, base: str, words: Words, path: str) -> None:
    page.goto(f"{base}/lang/en?next={path}" if words.locale == "en" else f"{base}{path}")


def no_serious_violation(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    bad = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
           if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert bad == [], bad


def assign(page: Page, base: str, words: Words, account_no: str, firm: str) -> str:
    """Opens the account's case from the list and assigns it to the firm; the case page's path."""
    in_language(page, base, words, "/legal/cases")
    page.locator("#open-cases").get_by_role("link", name=account_no, exact=True).click()
    expect(page).to_have_url(re.compile(r"/legal/cases/\d+$"))
    path = page.url.removeprefix(base)
    page.locator("#firm-form select[name=firm]").select_option(label=firm)
    page.locator("#firm-form button").click()
    expect(page.get_by_role("status")).to_have_text(words.firm_saved)
    return path


def record(page: Page, words: Words, stage: str, document: str = "", **dates: str) -> None:
    form = page.locator("#step-form")
    form.locator("select[name=to]").select_option(stage)
    if document:
        form.locator("input[name=document]").fill(document)
    for field, day in dates.items():
        form.locator(f"input[name={field}]").fill(day)
    form.get_by_role("button").click()
    expect(page.get_by_role("status")).to_have_text(words.step_recorded)


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_a_lawyer_moves_their_firms_case_to_judgment(
    book: Book, new_page: Callable[..., Page], words: Words
) -> None:
    base, lang = book.base, words.locale[:2]
    mine, theirs = referred(book.engine, 0 if lang == "zh" else 2)
    firm, other = f"{lang} 律所 A", f"{lang} 律所 B"
    law_firm(book.engine, f"firm-{lang}-a", firm, f"lawyer_{lang}")
    law_firm(book.engine, f"firm-{lang}-b", other, f"lawyer_{lang}_b")

    legal = new_page(locale=words.locale)
    sign_in(legal, base, "legal1")
    in_language(legal, base, words, "/legal")
    for number in (mine, theirs):
        legal.locator(f'section[data-account="{number}"]').get_by_role("button", name=words.proceed).click()
        expect(legal.get_by_role("status")).to_have_text(words.proceeded)
    case = assign(legal, base, words, mine, firm)
    other_case = assign(legal, base, words, theirs, other)

    lawyer = new_page(locale=words.locale)
    sign_in(lawyer, base, f"lawyer_{lang}")
    expect(lawyer).to_have_url(f"{base}/legal/cases")
    in_language(lawyer, base, words, "/legal/cases")
    listed = lawyer.locator("#open-cases")
    expect(listed).to_contain_text(mine)
    expect(listed).not_to_contain_text(theirs)
    expect(lawyer.locator("#assign-firm")).to_have_count(0)
    no_serious_violation(lawyer)
    listed.get_by_role("link", name=mine, exact=True).click()
    expect(lawyer).to_have_url(f"{base}{case}")
    today = date.fromisoformat(lawyer.locator("#step-form input[name=on]").get_attribute("max") or "")
    stale = lawyer.context.new_page()  # the same case left open in a second tab
    stale.goto(f"{base}{case}")

    record(lawyer, words, "lawyer_letter", "律师函〔2026〕第18号")
    expect(lawyer.locator("#case-steps")).to_contain_text(words.letter)
    form = stale.locator("#step-form")  # still offers the letter, which is behind the case now
    form.locator("select[name=to]").select_option("lawyer_letter")
    form.locator("input[name=document]").fill("律师函〔2026〕第19号")
    form.locator("textarea[name=note]").fill("寄往户籍地址")
    form.get_by_role("button").click()
    expect(stale.locator("#step-error")).to_contain_text(words.refused)
    expect(stale.locator("#step-form input[name=document]")).to_have_value("律师函〔2026〕第19号")
    expect(stale.locator("#step-form textarea[name=note]")).to_have_value("寄往户籍地址")
    stale.close()

    hearing_on, perform_by = today + timedelta(days=10), today + timedelta(days=30)
    record(lawyer, words, "filing", "(2026)沪0101民初18号")
    record(lawyer, words, "hearing", hearing_on=hearing_on.isoformat())
    record(lawyer, words, "judgment", "(2026)沪0101民初18号判决", perform_by=perform_by.isoformat())
    expect(lawyer.locator("#case-stage")).to_contain_text("判决" if lang == "zh" else "judgment")

    costs = lawyer.locator("#cost-form")
    costs.locator("select[name=kind]").select_option("court_fee")
    costs.locator("input[name=amount]").fill("1234.56")
    costs.get_by_role("button").click()
    expect(lawyer.get_by_role("status")).to_have_text(words.cost_recorded)

    deadlines = lawyer.locator("#case-deadlines")
    appeal = deadlines.locator("tr", has_text=words.appeal)
    expect(appeal).to_contain_text((today + timedelta(days=15)).isoformat())
    enforcement = deadlines.locator("tr", has_text=words.enforcement)
    expect(enforcement).to_contain_text(add_years(perform_by, 2).isoformat())
    money = lawyer.locator("#case-money")
    expect(money).to_contain_text(words.court_fee)
    expect(lawyer.locator("#cost-total")).to_have_text("¥1,234.56")
    expect(lawyer.locator("#case-costs")).to_contain_text("¥1,234.56")
    no_serious_violation(lawyer)

    refused = lawyer.goto(f"{base}{other_case}")
    assert refused is not None and refused.status == 404
    expect(lawyer.locator("main")).not_to_contain_text(theirs)
