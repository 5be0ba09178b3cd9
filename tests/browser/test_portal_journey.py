"""The cardholder's journey on a phone (360x640) in Chromium: sign in with the SMS code, see the debt,
accept a plan offer, pay through the simulated gateway, see the receipt; the collector who has the case
open sees the payment and the withdrawal. And the portal's English switch."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from portal_book import Cardholder, seed_cardholder, served_portal, sign_in_cardholder
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.models import CollectionAction, Payment, table_of
from arrears.users import passwords
from web_book import FAST_HASHER

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
PHONE = ViewportSize(width=360, height=640)


@pytest.fixture
def holder(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, monkeypatch: pytest.MonkeyPatch
) -> Cardholder:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    return seed_cardholder(engine, tmp_path, cipher)


@pytest.fixture
def portal(engine: Engine, tmp_path: Path, holder: Cardholder) -> Iterator[str]:
    with served_portal(engine, tmp_path) as base:
        yield base


def fits(page: Page) -> None:
    """Nothing wider than the phone's screen."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.url


def test_sign_in_accept_an_offer_pay_and_the_collector_sees_it(
    portal: str, new_page: Callable[..., Page], engine: Engine, holder: Cardholder
) -> None:
    page = new_page(viewport=PHONE)
    sign_in_cardholder(page, portal, engine, holder)
    card = page.locator("section.card").first
    expect(card).to_contain_text("5678")
    expect(card.locator(".figure")).to_have_text("¥1,200.00")
    fits(page)

    card.get_by_role("link", name="还款方案").click()
    page.locator("form[action$='/offers/preview'] button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("方案预览")
    fits(page)
    page.get_by_role("button", name="接受该方案").click()
    expect(page.locator("h1")).to_have_text("您的还款计划已生效")

    page.goto(f"{portal}/my/account/{holder.account_no}/pay")
    page.locator("#choice-overdue").check()
    page.locator("form.stack button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/pay/simulated/"))
    expect(page.locator(".gw-amount")).to_have_text("¥1,200.00")
    fits(page)
    page.locator("button[value=pay]").click()

    expect(page).to_have_url(re.compile(r"/my/pay/[^/]+/done"))
    expect(page.locator("h1")).to_have_text("还款成功")
    expect(page.locator("#receipt-title + .figure")).to_have_text("¥1,200.00")
    fits(page)
    pay, x = table_of(Payment), table_of(CollectionAction)
    with engine.connect() as connection:
        assert connection.execute(
            select(pay.c.amount_fen).where(pay.c.account_id == holder.account_id)
        ).scalars().all() == [120_000]
        assert connection.execute(
            select(x.c.status).where(x.c.account_id == holder.account_id)
        ).scalar_one() == ("withdrawn")

    staff = new_page()
    sign_in(staff, portal, "collector1")
    staff.goto(f"{portal}/cases/{holder.account_id}")
    expect(staff.locator("#payment-withdrawn")).to_be_visible()
    expect(staff.locator("#payment-withdrawn")).to_contain_text("¥1,200.00")
    expect(staff.locator("#payments table")).to_contain_text("1,200.00")


def test_the_portal_switches_to_english_and_back(
    portal: str, new_page: Callable[..., Page], engine: Engine, holder: Cardholder
) -> None:
    page = new_page(viewport=PHONE)
    sign_in_cardholder(page, portal, engine, holder)
    expect(page.locator("h1")).to_have_text("我的欠款")
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{portal}/my")
    expect(page.locator("h1")).to_have_text("What I owe")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.goto(f"{portal}/my/account/{holder.account_no}")
    expect(page.get_by_role("heading", name="Last payments")).to_be_visible()
    fits(page)
    page.get_by_role("link", name="中文").click()
    expect(page).to_have_url(f"{portal}/my/account/{holder.account_no}")
    expect(page.get_by_role("heading", name="最近还款")).to_be_visible()

    page.goto(f"{portal}/my/account/{holder.account_no}/pay")  # the gateway's checkout switches too
    page.locator("#choice-overdue").check()
    page.locator("form.stack button[type=submit]").click()
    expect(page.locator("button[value=pay]")).to_have_text("确认支付 ¥1,200.00")
    checkout = page.url
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(checkout)
    expect(page.locator("button[value=pay]")).to_have_text("Pay ¥1,200.00")
