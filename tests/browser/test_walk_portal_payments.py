"""What a walk through the portal and the collector's case page found, in Chromium: the sign-in's
messages in the page's language."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize, expect
from portal_book import Cardholder, last_code, seed_cardholder, served_portal
from sqlalchemy import Engine

from arrears.kit.crypto import FieldCipher
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
