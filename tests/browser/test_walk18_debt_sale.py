"""A debt sale in Chromium, from the pool to the cardholder, in Chinese and in English, on one book served
for the module (found walking the demo): legal and the manager find the debt sale in the header; a price
above the pool's balance is refused naming the balance in yuan (it said 257,909,200 分); the sale date
offered by the form is one the sale accepts (it offered the calendar's today, refused beyond the pool's
90 days when the business date is behind); a second manager approves, the buyer's file said in rows; the
cardholder of a sold account is told on /my whom to pay, without the bank's next due date or the minimum
to bring the account up to date, and the promise, callback and offers pages say the same (they answered
404 "No such account." in English on a Chinese page); every page axe-clean."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from portal_book import last_code
from serving import served
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.config import Settings
from arrears.db import make_engine
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, table_of
from arrears.users import passwords
from arrears.users.service import create_user
from arrears.web.app import create_app
from debt_sale_book import LOSS, build_sale_book
from fixed_keys import TEST_KEY
from migrated import SQLITE
from web_book import FAST_HASHER, PASSWORD, personal_data

SERIOUS = ("serious", "critical")
BUYER = "东方资产管理股份有限公司"
PAY_TO = "户名 东方资产 开户行 工商银行北京分行 账号 0200 0012 3456 789"


@dataclass(frozen=True)
class Holder:
    customer_id: int
    account_no: str
    national_id: str


@dataclass(frozen=True)
class Book:
    base: str
    engine: Engine
    holder: Holder  # the cardholder of the book's first loss account, sold by the test


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    folder = tmp_path_factory.mktemp("walk18_debt_sale")
    SQLITE.copy_to(folder / "arrears.db", tmp_path_factory)
    engine = make_engine(f"sqlite:///{folder / 'arrears.db'}")
    cipher = FieldCipher(TEST_KEY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "_HASHER", FAST_HASHER)
        sold = build_sale_book(engine, folder, cipher).loss[0]
        a = table_of(CardAccount)
        with engine.begin() as connection:
            create_user(connection, username="manager2", display_name="manager two", role="manager",
                        password=PASSWORD, now=now())  # fmt: skip
            customer, number = connection.execute(
                select(a.c.customer_id, a.c.account_no).where(a.c.id == sold)
            ).one()
        holder = Holder(int(customer), str(number), personal_data(engine, cipher, sold)[1])
        settings = Settings(data_dir=folder, encryption_key=base64.b64encode(TEST_KEY).decode())
        with served(create_app(settings, engine=engine)) as base:
            yield Book(base, engine, holder)
    engine.dispose()


def accessible(page: Page) -> None:
    found = Axe().run(page).response["violations"]
    bad = [f"{one['id']}: {[node['target'] for node in one['nodes']][:3]}" for one in found
           if one["impact"] in SERIOUS]  # fmt: skip
    assert not bad, (page.url, bad)


def terms(page: Page, price: str) -> None:
    form = page.locator("#sale-form")
    form.locator("input[name=buyer_name]").fill(BUYER)
    form.locator("input[name=buyer_licence]").fill("911100007109254543")
    form.locator("input[name=buyer_contact]").fill("400-610-0000，北京市东城区朝阳门北大街9号")
    form.locator("input[name=buyer_pay_to]").fill(PAY_TO)
    form.locator("input[name=price]").fill(price)
    form.locator("input[name=buyer_collects_itself]").check()


def sign_in_to_my(page: Page, base: str, engine: Engine, holder: Holder, english: bool) -> None:
    page.goto(f"{base}/my/lang/en?next=/my/login" if english else f"{base}/my/login")
    page.locator("#account_digits").fill(holder.account_no[-4:])
    page.locator("#id_tail").fill(holder.national_id[-6:])
    page.locator("form[action='/my/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{base}/my/code")
    page.locator("#code").fill(last_code(engine, holder.customer_id))
    page.locator("form[action='/my/code'] button[type=submit]").click()
    expect(page).to_have_url(f"{base}/my")


def test_a_pool_sold_and_its_cardholder_told_whom_to_pay(book: Book, new_page: Callable[..., Page]) -> None:
    base = book.base
    manager = new_page()
    sign_in(manager, base, "manager1")
    manager.locator("header.top nav a[href='/debt-sale']").click()
    manager.locator("#pool-form input[name=name]").fill("损失类 2005-10")
    manager.locator("#pool-form button[type=submit]").click()
    expect(manager).to_have_url(re.compile(r"/debt-sale/pools/\d+$"))
    expect(manager.locator("#pool-accounts tr")).to_have_count(LOSS + 1)
    accessible(manager)
    pool = manager.url.removeprefix(base)
    balance = manager.locator("#pool-balance").inner_text()  # ¥116,000.00: to the fen, with separators
    assert re.fullmatch(r"¥\d{1,3}(,\d{3})*\.\d{2}", balance), balance

    legal = new_page(locale="en")
    sign_in(legal, base, "legal1")
    legal.goto(f"{base}/lang/en?next=/legal")
    legal.locator("header.top nav a[href='/debt-sale']").click()
    legal.locator(f"#pools a[href='{pool}']").click()
    terms(legal, "99999999")
    legal.locator("#sale-form button[type=submit]").click()
    refusal = legal.locator("#sale-error")
    expect(refusal).to_contain_text(
        f"Price (yuan): the price must be above 0 and at most the pool's balance ({balance})"
    )
    expect(refusal).not_to_contain_text("fen")
    expect(legal.locator("#sale-form input[name=buyer_name]")).to_have_value(BUYER)

    terms(manager, "99999999")
    manager.locator("#sale-form button[type=submit]").click()
    expect(manager.locator("#sale-error")).to_contain_text(
        f"价格（元）：价格须大于 0 且不超过资产包余额（{balance}）"
    )
    expect(manager.locator("#sale-error")).not_to_contain_text("分）")
    terms(manager, "3000.00")  # the sale date left as the form offers it
    manager.locator("#sale-form button[type=submit]").click()
    expect(manager).to_have_url(re.compile(r"/debt-sale/sales/\d+$"))
    expect(manager.locator("#sale-price")).to_have_text("¥3,000.00")
    accessible(manager)
    sale = manager.url.removeprefix(base)

    second = new_page(locale="en")
    sign_in(second, base, "manager2")
    second.goto(f"{base}/lang/en?next={sale}")
    second.locator("#decision-form input[value=approve]").check()
    second.locator("#decision-form button[type=submit]").click()
    expect(second.locator("p.notice[role=status]")).to_contain_text("Sale approved")
    expect(second.locator("#sale-accounts")).to_contain_text(book.holder.account_no)
    expect(second.locator("#sale-decision")).to_contain_text(f" · {LOSS} rows · SHA-256")  # not a bare 8
    accessible(second)
    manager.reload()
    expect(manager.locator("#sale-decision")).to_contain_text(f" · {LOSS} 行 · SHA-256")

    for english in (False, True):
        holder = new_page(locale="en" if english else "zh-CN")
        sign_in_to_my(holder, base, book.engine, book.holder, english)
        said = "please pay them, not us" if english else "请向其还款，不再向我行还款"
        card = holder.locator("section.card", has_text=book.holder.account_no[-4:])
        expect(card).to_contain_text(said)
        expect(card).to_contain_text(PAY_TO)
        for bank_only in (
            "Next due date",
            "下一还款日",
            "Minimum to bring the account up to date",
            "恢复正常的最低还款额",
        ):
            expect(card).not_to_contain_text(bank_only)
        accessible(holder)
        account = f"{base}/my/account/{book.holder.account_no}"
        holder.goto(account)
        expect(holder.locator("main")).to_contain_text(said)
        expect(holder.locator("main")).not_to_contain_text("Next due date" if english else "下一还款日")
        for path in ("pay", "promise", "callback", "offers"):
            answer = holder.goto(f"{account}/{path}")
            assert answer is not None and answer.status == 409, (path, answer and answer.status)
            expect(holder.locator("main")).to_contain_text(said)
            expect(holder.locator("main")).not_to_contain_text("No such account")
