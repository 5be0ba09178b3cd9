"""A team lead's day in Chromium, in Chinese and in English (found walking the demo): the header's links
sit in one or two rows at 1366 px instead of a narrow column beside the business date; the talk
tracks' descriptions on the templates page are in the page's language; a review scored with an item
left unmarked names the item by its words, not by its code (``no_threats``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.contacts.calls import CallLog, log_call
from arrears.models import AppUser, CardAccount, table_of

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
AT = datetime(2005, 10, 1, 2, 0, tzinfo=UTC)  # the book's business date, 10:00 in Shanghai
WORDS = {  # the refusal's talk track described, the unmarked item named, in each language
    "zh-CN": ("拒绝还款", "Refusal: the cardholder refused to pay", "无威胁或辱骂"),
    "en": ("Refusal: the cardholder refused to pay", "拒绝还款", "No threats or abuse"),
}


def a_call(engine: Engine) -> None:
    """collector1's call on the book's business date, with its recording's key and length."""
    a, u = table_of(CardAccount), table_of(AppUser)
    with engine.begin() as connection:
        account_id = connection.execute(select(a.c.id).order_by(a.c.id).limit(1)).scalar_one()
        user_id = connection.execute(select(u.c.id).where(u.c.username == "collector1")).scalar_one()
        call = CallLog(outcome="right_party", conversation=True, recording_ref="REC-17", duration_seconds=300)
        log_call(connection, account_id=account_id, user_id=user_id, call=call, now=AT)


def rows_of(page: Page, selector: str) -> int:
    """How many rows the elements of ``selector`` are laid out in (their distinct tops)."""
    tops = page.locator(selector).evaluate_all("els => els.map(e => e.getBoundingClientRect().top)")
    return len({round(top) // 8 for top in tops})


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_a_leads_header_templates_and_review_refusal(
    server: str, new_page: Callable[..., Page], engine: Engine, locale: str
) -> None:
    said, not_said, item = WORDS[locale]
    a_call(engine)
    lead = new_page(locale=locale)
    sign_in(lead, server, "team_lead1")
    lead.goto(f"{server}/lang/en?next=/templates" if locale == "en" else f"{server}/templates")

    assert lead.locator("header.top nav a").count() >= 8
    assert rows_of(lead, "header.top nav > a") <= 2  # not a narrow column of five rows

    row = lead.locator("tr", has=lead.locator("a[href='/templates/talk_refusal']"))
    expect(row).to_contain_text(said)
    expect(row).not_to_contain_text(not_said)
    lead.goto(f"{server}/templates/talk_refusal")
    expect(lead.locator("main")).to_contain_text(said)

    lead.goto(f"{server}/quality")
    lead.locator("#sample-form button").click()
    lead.locator("#review-queue a[href^='/quality/reviews/'], a[href^='/quality/reviews/']").first.click()
    form = lead.locator("#score-form")
    form.locator("input[name=identification][value=pass]").check()
    form.locator("input[name=disclosure][value=pass]").check()
    form.locator("button[type=submit]").click()  # no_threats and the rest left unmarked
    error = lead.locator("#review-error")
    expect(error).to_contain_text(item)
    expect(error).not_to_contain_text("no_threats")
    expect(lead.locator("#score-form input[name=identification][value=pass]")).to_be_checked()
