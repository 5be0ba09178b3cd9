"""The service desk in Chromium, in Chinese and in English (found walking the demo, whose cases date
from 2005): a case far past its deadline says its working days with a thousands separator
("5,275 working days", not "5275")."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import AppUser, CardAccount, table_of
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.rules import Intake
from arrears.servicedesk.setup import DeskSetup

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
OPENED = datetime(2005, 10, 1, 2, 40, tzinfo=UTC)  # the demo's business date, 10:40 in Shanghai


def an_old_complaint(engine: Engine, cipher: FieldCipher) -> None:
    a, u = table_of(CardAccount), table_of(AppUser)
    with audit_transaction(engine) as connection:
        account = connection.execute(select(a.c.id).order_by(a.c.id).limit(1)).scalar_one()
        agent = connection.execute(select(u.c.id).where(u.c.username == "customer_service1")).scalar_one()
        intake = Intake("complaint", "frequency_hours", "call", "too many calls this week")
        open_case(connection, account_id=account, intake=intake, actor="customer_service1", user_id=agent,
                  setup=DeskSetup.of(Settings(), load_policy("cn")), cipher=cipher, now=OPENED)  # fmt: skip


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_working_days_past_the_deadline_have_thousands_separators(
    server: str, engine: Engine, cipher: FieldCipher, new_page: Callable[..., Page], locale: str
) -> None:
    an_old_complaint(engine, cipher)
    page = new_page(locale=locale)
    sign_in(page, server, "customer_service1")
    page.goto(f"{server}/lang/en?next=/service-desk" if locale == "en" else f"{server}/service-desk")
    clock = page.locator("[data-clock=breached]").first
    expect(clock).to_have_text(re.compile(r"\d,\d{3}"))
    expect(clock).not_to_have_text(re.compile(r"\d{4}"))
