"""Compliance's audit trail in Chromium, in Chinese and in English (found walking the demo): a complaint's
category is said in words ("联系过于频繁或在夜间联系"), not as the code's words ("frequency hours"); the
service desk's steps, recorded as ``user:<id>``, show the agent's username, and a search by that
username finds them; a service case is named by its number (KF-000001), not its id."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import AppUser, CardAccount, table_of
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.rules import Intake
from arrears.servicedesk.setup import DeskSetup
from arrears.servicedesk.work import acknowledge
from arrears.users.service import StaffUser

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
WORDS = {"zh-CN": ("联系过于频繁或在夜间联系", "客服案件已确认受理"),
         "en": ("Too many contacts or at night", "service case acknowledged")}  # fmt: skip


def a_complaint(engine: Engine, cipher: FieldCipher) -> None:
    """customer_service1 opens a complaint about calls at night and acknowledges it, as the service desk's
    pages do (the steps recorded as ``user:<id>``)."""
    a, u = table_of(CardAccount), table_of(AppUser)
    with audit_transaction(engine) as connection:
        account = connection.execute(select(a.c.id).order_by(a.c.id).limit(1)).scalar_one()
        row = connection.execute(select(u).where(u.c.username == "customer_service1")).one()
        agent = StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)
        intake = Intake("complaint", "frequency_hours", "call", "too many calls this week")
        case = open_case(connection, account_id=account, intake=intake, actor=f"user:{agent.id}",
                         user_id=agent.id, setup=DeskSetup.of(Settings(), load_policy("cn")), cipher=cipher,
                         now=now())  # fmt: skip
        acknowledge(connection, case_id=case.id, by=agent, now=now())


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_trail_says_categories_and_agents_in_words(
    server: str, engine: Engine, cipher: FieldCipher, new_page: Callable[..., Page], locale: str
) -> None:
    category, acknowledged = WORDS[locale]
    a_complaint(engine, cipher)
    page = new_page(locale=locale)
    sign_in(page, server, "compliance1")
    page.goto(f"{server}/lang/en?next=/compliance" if locale == "en" else f"{server}/compliance")
    entries = page.locator("#trail-entries")
    expect(entries).to_contain_text(category)
    expect(entries).not_to_contain_text("frequency hours")
    expect(entries).not_to_contain_text("user:")
    expect(entries.locator("tr", has_text=acknowledged)).to_contain_text("customer_service1")
    expect(entries.locator("tr", has_text=acknowledged)).to_contain_text("KF-000001")  # the case's number

    page.locator("#trail input[name=actor]").fill("customer_service1")
    page.locator("#trail button[type=submit]").click()
    expect(page.locator("#trail-entries tr", has_text=acknowledged)).to_have_count(1)
