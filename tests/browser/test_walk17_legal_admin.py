"""Legal's and the administrator's refusals in Chromium, in Chinese and in English (found walking the
demo): returning an account without a reason, and creating a user with a sign-in name that is not
valid, say the field by its label ("原因", "用户名"), not by its code ("reason：", "username："), and
keep what was typed."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.models import CardAccount, CollectionAction, table_of
from web_book import RUN

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
WORDS = {"zh-CN": ("原因", "用户名", "外访员"), "en": ("Reason", "Username", "field visitor")}


def a_referral(engine: Engine) -> str:
    """A legal review of the business date's run on the book's first account; its number."""
    a = table_of(CardAccount)
    with engine.begin() as connection:
        account, customer, number = connection.execute(
            select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id).limit(1)
        ).one()
        at = datetime.combine(RUN, datetime.min.time(), UTC) + timedelta(hours=1)
        connection.execute(insert(table_of(CollectionAction)).values(
            run_date=RUN, account_id=account, customer_id=customer, channel="legal_review", segment="m6",
            arm="champion", treatment="legal", value_fen=100_000, scheduled_at=at, status="planned",
        ))  # fmt: skip
    return str(number)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_refusals_name_the_field_by_its_label(
    server: str, engine: Engine, new_page: Callable[..., Page], locale: str
) -> None:
    reason, username, visitor = WORDS[locale]
    number = a_referral(engine)
    legal = new_page(locale=locale)
    sign_in(legal, server, "legal1")
    legal.goto(f"{server}/lang/en?next=/legal" if locale == "en" else f"{server}/legal")
    referral = legal.locator(f'section[data-account="{number}"]')
    referral.locator("button[value=return]").click()  # no reason
    error = legal.locator("#legal-error")
    expect(error).to_contain_text(reason)
    expect(error).not_to_have_text(re.compile(r"^\s*reason[:：]"))

    admin = new_page(locale=locale)
    sign_in(admin, server, "admin1")
    admin.goto(f"{server}/lang/en?next=/admin/users" if locale == "en" else f"{server}/admin/users")
    form = admin.locator("#new-user")
    form.locator("input[name=username]").fill("Bad Name!")
    form.locator("input[name=display_name]").fill("Zhang San")
    form.locator("select[name=role]").select_option("visitor")
    form.locator("button").click()
    alert = admin.locator("main .error[role=alert]")
    expect(alert).to_contain_text(username)
    expect(alert).not_to_have_text(re.compile(r"^\s*username[:：]"))
    form = admin.locator("#new-user")
    expect(form.locator("input[name=display_name]")).to_have_value("Zhang San")
    expect(form.locator("select[name=role] option:checked")).to_have_text(visitor)
