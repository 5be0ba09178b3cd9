"""What a walk through the portal and the collector's case page found, in Chromium: the sign-in's
messages in the page's language, a word when the session has ended, the case timeline's payment
channels in Chinese."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from portal_book import Cardholder, last_code, seed_cardholder, served_portal, sign_in_cardholder
from signing_in import sign_in
from sqlalchemy import Engine, insert, update

from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import CollectionAction, Payment, PortalSession, table_of
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


def test_the_sign_in_speaks_chinese_when_a_detail_or_the_code_is_wrong_and_at_sign_out(
    portal: str, new_page: Callable[..., Page], engine: Engine, holder: Cardholder
) -> None:
    page = new_page(viewport=PHONE)
    page.goto(f"{portal}/my/login")
    page.locator("#account_digits").fill("12")  # too few digits: the browser's own check let through
    page.locator("#id_tail").fill(holder.national_id[-6:])
    page.locator("form[action='/my/login']").evaluate("form => { form.noValidate = true; }")
    page.locator("form[action='/my/login'] button[type=submit]").click()
    expect(page.locator("p.alert")).to_have_text("请输入卡号或账号的至少后4位，以及身份证号码的后6位。")

    page.locator("#account_digits").fill(holder.account_no[-4:])
    page.locator("#id_tail").fill(holder.national_id[-6:])
    page.locator("form[action='/my/login'] button[type=submit]").click()
    expect(page).to_have_url(f"{portal}/my/code")
    wrong = f"{(int(last_code(engine, holder.customer_id)) + 1) % 10**6:06d}"
    page.locator("#code").fill(wrong)
    page.locator("form[action='/my/code'] button[type=submit]").click()
    expect(page.locator("p.alert")).to_have_text("验证码不正确，还可尝试 4 次。")

    page.locator("#code").fill(last_code(engine, holder.customer_id))
    page.locator("form[action='/my/code'] button[type=submit]").click()
    expect(page).to_have_url(f"{portal}/my")
    page.get_by_role("button", name="退出").click()
    expect(page.locator("p.notice")).to_have_text("您已退出登录。")


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("zh-CN", "您已超过 15 分钟没有操作或登录时间已到上限，已自动退出。请重新登录。"),
        ("en", "You were signed out after 15 minutes without activity, or when the session reached its "
               "time limit. Please sign in again."),
    ],
    ids=["zh", "en"],
)  # fmt: skip
def test_a_session_that_ended_while_idle_says_so_on_the_sign_in_page(
    portal: str, new_page: Callable[..., Page], engine: Engine, holder: Cardholder, locale: str, said: str
) -> None:
    page = new_page(viewport=PHONE)
    if locale == "en":
        page.goto(f"{portal}/my/lang/en?next=/my/login")
    sign_in_cardholder(page, portal, engine, holder)
    page.goto(f"{portal}/my/account/{holder.account_no}/request/dispute")
    page.locator("#text").fill("……")  # a long form; the cardholder steps away
    s = table_of(PortalSession)
    with engine.begin() as connection:
        connection.execute(update(s).values(last_seen_at=clock.now() - timedelta(minutes=16)))
    page.locator("input[name=category]").first.check()
    page.locator("form[action$='/request/dispute'] button[type=submit]").click()

    expect(page).to_have_url(f"{portal}/my/login")
    expect(page.locator("p.notice")).to_have_text(said)
    page.reload()  # said once: the ended session's cookie is gone
    expect(page.locator("p.notice")).to_have_count(0)


def test_the_case_timeline_names_the_channel_of_a_bank_payment_in_chinese(
    portal: str, new_page: Callable[..., Page], engine: Engine, holder: Cardholder
) -> None:
    with engine.begin() as connection:
        connection.execute(insert(table_of(Payment)).values(
            payment_ref="EXTRACT-1", account_id=holder.account_id, paid_date=date(2026, 1, 20),
            amount_fen=33_00, channel="bank_transfer", source="extract",
        ))  # fmt: skip
        x = table_of(CollectionAction)  # collector1's claim, within its lease: the case opens
        connection.execute(update(x).values(lease_until=clock.now() + timedelta(hours=1)))
    staff = new_page()
    sign_in(staff, portal, "collector1")
    staff.goto(f"{portal}/cases/{holder.account_id}")
    row = staff.locator(".timeline tr", has_text="¥33.00")
    expect(row).to_contain_text("银行转账")
    expect(row).not_to_contain_text("bank_transfer")
