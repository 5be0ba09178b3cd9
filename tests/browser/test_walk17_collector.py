"""A collector's agenda after the demo's morning, in Chromium, in Chinese and in English (found walking
the demo): the morning's calls that ended with a callback agreed leave the callback on the agenda
(they left none: the agenda's callbacks were empty on the demo), and the callback opens its case."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, func, select

from arrears.compliance import load_policy
from arrears.contacts.call_rules import CallLimits
from arrears.models import AppUser, Callback, ContactEvent, table_of
from arrears.users.demo_morning import morning
from arrears.users.service import StaffUser
from web_book import RUN

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default


def staff(engine: Engine, username: str) -> StaffUser:
    u = table_of(AppUser)
    with engine.connect() as connection:
        row = connection.execute(select(u).where(u.c.username == username)).one()
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_mornings_callbacks_wait_on_the_agenda(
    server: str, engine: Engine, new_page: Callable[..., Page], locale: str
) -> None:
    collectors = [staff(engine, "collector1"), staff(engine, "collector2")]
    with engine.begin() as connection:
        done = morning(connection, day=RUN, collectors=collectors, visitor=None, policy=load_policy("cn"),
                       limits=CallLimits(), max_held=50, seed=2)  # fmt: skip
    agreed = done.outcomes.get("callback", 0)
    assert agreed > 0, done.outcomes
    c, e = table_of(Callback), table_of(ContactEvent)
    with engine.connect() as connection:
        holders = connection.execute(select(e.c.user_id).where(e.c.outcome == "callback")).scalars().all()
        assert connection.execute(select(func.count()).select_from(c)).scalar_one() == agreed
    holder = next(one for one in collectors if one.id in holders)

    page = new_page(locale=locale)
    sign_in(page, server, holder.username)
    if locale == "en":
        page.goto(f"{server}/lang/en?next=/")
    due = page.locator("#callbacks-due tr.callback")
    expect(due.first).to_be_visible()
    due.first.locator("a").first.click()
    expect(page).to_have_url(re.compile(r"/cases/\d+"))
