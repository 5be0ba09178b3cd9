"""A collector takes the next case, whose promise to pay was broken yesterday, and reads the broken
promise's talk track beside the call form, its four sections filled with the account's facts, in
Chinese and in English; switching the situation swaps the script in place; axe-core finds nothing
serious in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.kit.clock import now
from arrears.models import CardAccount, PromiseToPay, table_of

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
WORDS = {  # what the script says, per language
    "zh-CN": {"title": "承诺", "listen": "倾听并了解原因", "broken": "2005年9月30日 还款 1,234.00 元",
              "hardship": "困难帮扶", "hardship_text": "我们了解到您最近遇到了一些困难"},
    "en": {"title": "Broken promise", "listen": "Listen and find the reason",
           "broken": "You promised to pay 1,234.00 yuan by 2005-09-30", "hardship": "Hardship",
           "hardship_text": "We understand you are going through a difficult time"},
}  # fmt: skip


def every_promise_broken_yesterday(engine: Engine) -> None:
    """Each account of the book had a promise of 1,234.00 yuan due on 2005-09-30 (the business date is
    2005-10-01), broken."""
    with engine.begin() as connection:
        accounts = connection.execute(select(table_of(CardAccount).c.id)).scalars().all()
        connection.execute(insert(table_of(PromiseToPay)), [
            {"account_id": account, "amount_fen": 123_400, "taken_on": date(2005, 9, 20),
             "promised_date": date(2005, 9, 30), "status": "broken", "created_at": now()}
            for account in accounts])  # fmt: skip


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_broken_promise_script_beside_the_call_form(
    server: str, new_page: Callable[..., Page], engine: Engine, language: str
) -> None:
    every_promise_broken_yesterday(engine)
    words, page = WORDS[language], new_page(locale=language)
    sign_in(page, server, "collector1")
    if language == "en":
        page.goto(f"{server}/lang/en?next=/")
    page.keyboard.press("n")  # the next case
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    case_url = page.url

    talk = page.locator("#talk-track")
    expect(talk.locator("[data-situation]")).to_have_attribute("data-situation", "broken_promise")
    expect(talk.locator("h2")).to_contain_text(words["title"])
    expect(talk.locator("li[data-section]")).to_have_count(4)
    expect(talk.locator("li[data-section=listen]")).to_contain_text(words["listen"])
    expect(talk.locator("li[data-section=listen]")).to_contain_text(words["broken"])
    assert "{" not in talk.inner_text()
    form_box, talk_box = page.locator("form[action$='/calls']").bounding_box(), talk.bounding_box()
    assert form_box and talk_box and abs(form_box["x"] - talk_box["x"]) < 40  # the call form's column
    violations = Axe().run(page, context={"include": [["#talk-track"]]}).response["violations"]
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []

    talk.locator("a[href='?talk=hardship#talk-track']").click()  # swapped in place (htmx)
    expect(page.locator("#talk-track [data-situation]")).to_have_attribute("data-situation", "hardship")
    expect(page.locator("#talk-track h2")).to_contain_text(words["hardship"])
    expect(page.locator("#talk-track li[data-section=listen]")).to_contain_text(words["hardship_text"])
    assert page.url == case_url  # no reload
