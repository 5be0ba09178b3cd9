"""A manager writes a new SMS version (the segment count follows the typing) and a compliance officer
approves it, in Chinese and in English, in a real browser."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine

from arrears.messaging.templates import MessageFacts, fill

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
SHORT = "{name}您好，尾号{account_tail}逾期{overdue_yuan}元，请致电{hotline}。"


def test_a_manager_writes_a_version_and_compliance_approves_it(
    server: str, new_page: Callable[..., Page], engine: Engine
) -> None:
    manager = new_page()
    sign_in(manager, server, "manager1")
    expect(manager.locator("html")).to_have_attribute("lang", "zh-CN")
    manager.locator("header nav a[href='/templates']").click()
    manager.locator("tr[data-template=overdue] a[href='/templates/overdue']").click()
    manager.locator("a[href='/templates/overdue/edit']").click()
    length = manager.locator("#sms-length-zh")
    expect(length).to_have_attribute("data-segments", "2")  # the shipped text: 90 characters
    body = manager.locator("textarea[name=body_zh]")
    body.fill(SHORT)
    expect(length).to_have_attribute("data-segments", "1")
    expect(length).to_have_attribute("data-characters", "39")
    body.press("End")
    body.press_sequentially("如已还款请忽略本短信。" * 3, delay=5)
    expect(length).to_have_attribute("data-segments", "2")
    body.fill(SHORT)
    expect(length).to_have_attribute("data-segments", "1")
    expect(manager.locator("#template-length .template-preview[data-locale=zh] blockquote")).to_have_text(
        "张*您好，尾号0001逾期1,234.50元，请致电400-000-0000。"
    )
    manager.locator("#template-form > button").click()
    expect(manager).to_have_url(re.compile(r"/templates/overdue/versions/2\?done=saved$"))
    expect(manager.locator("#decision")).to_have_count(0)  # a manager may not approve

    compliance = new_page(locale="en")
    sign_in(compliance, server, "compliance1")
    compliance.goto(f"{server}/lang/en?next=/templates")
    expect(compliance.locator("html")).to_have_attribute("lang", "en")
    compliance.locator("tr[data-template=overdue] a.pill").click()
    expect(compliance).to_have_url(re.compile(r"/templates/overdue/versions/2$"))
    expect(compliance.locator("#decision")).to_contain_text("Approve")
    compliance.locator("#decision button", has_text="Approve").click()
    expect(compliance).to_have_url(re.compile(r"/templates/overdue\?done=approved$"))
    expect(compliance.locator("h2").first).to_contain_text("Version in use: v2")
    expect(compliance.locator(".template-history tr[aria-current=true]")).to_contain_text("compliance1")

    manager.goto(f"{server}/templates")
    expect(manager.locator("tr[data-template=overdue] td").nth(2)).to_have_text("v2")
    with engine.begin() as connection:
        facts = MessageFacts(name="张*", account_tail="0001", overdue_fen=100)
        assert fill(connection, name="overdue", channel="sms", facts=facts, locale="zh").version == 2
