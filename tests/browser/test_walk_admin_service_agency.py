"""The first screens of admin, customer service and agency users, in Chromium, once in Chinese and once
in English: the admin lands on the users, creates a customer service agent (the one-time password shown
once), a field team and its lead, and deactivates a collector; the new agent signs in with the one-time
password, lands on the inbound call view, finds a caller by account number, verifies them and logs the
call; an agency user lands on the accounts placed with their agency, opens one and goes back through
the header. axe-core finds no serious or critical violation on the pages the walk passes."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import AgencyPlacement, AppUser, CardAccount, ContactEvent, Customer, Team, table_of
from web_book import RUN, personal_data

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
SERIOUS = ("serious", "critical")


@dataclass(frozen=True)
class Words:
    lang: str
    create_user: str
    user_created: str
    create_team: str
    team_created: str
    make_lead: str
    lead_set: str
    deactivate: str
    deactivated: str
    find: str
    check_identity: str
    verified: str
    log_call: str
    logged: str
    placed: str


ZH = Words(
    "zh",
    "创建用户",
    "用户已创建",
    "创建团队",
    "团队已创建。",
    "设为组长",
    "组长已设置",
    "停用",
    "用户已停用",
    "查找",
    "核实身份",
    "已核实：是持卡人本人",
    "记录来电",
    "通话已记录。",
    "委外账户",
)
EN = Words(
    "en",
    "Create the user",
    "User created",
    "Create the team",
    "Team created.",
    "Make lead",
    "Team lead set",
    "Deactivate",
    "User deactivated",
    "Find",
    "Check identity",
    "Verified: this is the cardholder",
    "Log the call",
    "Call logged.",
    "Placed accounts",
)


def switch_to_english(page: Page) -> None:
    page.get_by_role("link", name="English", exact=True).click()
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^en"))


def accessible(page: Page) -> None:
    found = Axe().run(page).response["violations"]
    bad = [
        f"{one['id']}: {[node['target'] for node in one['nodes']][:3]}"
        for one in found
        if one["impact"] in SERIOUS
    ]
    assert not bad, (page.url, bad)


def caller(engine: Engine, cipher: FieldCipher) -> dict[str, Any]:
    name, national_id, _phones = personal_data(engine, cipher, 1)
    a, c = table_of(CardAccount), table_of(Customer)
    with engine.connect() as connection:
        row = connection.execute(
            select(a.c.account_no, c.c.birth_date).join(c, c.c.id == a.c.customer_id).where(a.c.id == 1)
        ).one()
    return {"name": name, "id_tail": national_id[-6:], "account_no": row.account_no, "born": row.birth_date}


def administer(page: Page, server: str, words: Words) -> str:
    """The admin's part; the new agent's one-time password."""
    sign_in(page, server, "admin1")
    expect(page).to_have_url(f"{server}/admin/users")
    if words.lang == "en":
        switch_to_english(page)
    accessible(page)
    form = page.locator("#new-user")
    form.locator("input[name=username]").fill("service2")
    form.locator("input[name=display_name]").fill("客服二号")
    form.locator("select[name=role]").select_option("customer_service")
    form.get_by_role("button", name=words.create_user, exact=True).click()
    expect(page.locator("#one-time-password h2")).to_have_text(words.user_created)
    password = page.locator("#one-time-password code.secret").inner_text()
    accessible(page)
    page.goto(f"{server}/admin/users?q=service2")  # shown once: the user's page shows it no more
    page.get_by_role("link", name="service2", exact=True).click()
    expect(page.locator("main h1")).to_contain_text("客服二号")
    expect(page.locator("#one-time-password")).to_have_count(0)

    page.goto(f"{server}/admin/teams")
    team = page.locator("#new-team")
    team.locator("input[name=code]").fill("field-2")
    team.locator("input[name=name]").fill("外访二组 Field team 2")
    team.locator("select[name=kind]").select_option("field")
    team.get_by_role("button", name=words.create_team, exact=True).click()
    expect(page.locator("p.notice[role=status]")).to_have_text(words.team_created)
    row = page.locator("#team-field-2")
    visitor = row.locator("option", has_text="visitor1").get_attribute("value")
    row.locator("select[name=user]").select_option(visitor)
    row.get_by_role("button", name=words.make_lead, exact=True).click()
    expect(page.locator("p.notice[role=status]")).to_contain_text(words.lead_set)
    expect(page.locator("#team-field-2")).to_contain_text("visitor one")
    accessible(page)

    page.goto(f"{server}/admin/users?role=collector")
    page.get_by_role("link", name="collector2", exact=True).click()
    page.get_by_role("button", name=words.deactivate, exact=True).click()
    expect(page.locator("p.notice[role=status]")).to_contain_text(words.deactivated)
    page.goto(f"{server}/admin/agencies")
    expect(page.locator("main")).to_contain_text("agency_user1")
    accessible(page)
    return password


def take_a_call(page: Page, server: str, password: str, holder: dict[str, Any], words: Words) -> None:
    page.goto(f"{server}/login")
    page.locator("input[name=username]").fill("service2")
    page.locator("input[name=password]").fill(password)
    page.locator("form[action='/login'] button").click()
    expect(page).to_have_url(f"{server}/account/password")  # a password the admin set: their own first
    expect(page.locator("#password-set-by-admin")).to_be_visible()
    accessible(page)
    mine = "service two's own passphrase"
    form = page.locator("form[action='/account/password']")
    form.locator("input[name=current]").fill(password)
    form.locator("input[name=new]").fill(mine)
    form.locator("input[name=confirm]").fill(mine)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/service/inbound"))
    if words.lang == "en":
        switch_to_english(page)
    page.locator("#find-caller input[name=q]").fill(holder["account_no"].lower())
    page.get_by_role("button", name=words.find, exact=True).click()
    page.locator("#matches a[href='/service/inbound/1']").click()
    expect(page).to_have_url(f"{server}/service/inbound/1")
    assert holder["name"] not in page.locator("main").inner_text()  # masked
    accessible(page)
    identity = page.locator("#identity")
    identity.locator("input[name=name]").fill(holder["name"])
    identity.locator("input[name=id_tail]").fill(holder["id_tail"])
    if holder["born"] is not None:
        identity.locator("input[name=birth_date]").fill(holder["born"].isoformat())
    page.get_by_role("button", name=words.check_identity, exact=True).click()
    expect(page.locator("#verified")).to_contain_text(words.verified)
    expect(page.locator("#log input[name=party][value=debtor]")).to_be_checked()
    page.locator("#log select[name=outcome]").select_option("right_party")
    page.locator("#log select[name=reason]").select_option("illness")
    page.get_by_role("button", name=words.log_call, exact=True).click()
    expect(page.locator("p.notice[role=status]")).to_have_text(words.logged)
    accessible(page)


def work_as_agency(page: Page, server: str, engine: Engine, words: Words) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(AgencyPlacement)),
            [
                {
                    "account_id": account,
                    "agency_code": "X",
                    "placed_on": RUN,
                    "ends_on": RUN + timedelta(days=90),
                    "created_at": now(),
                }
                for account in (4, 5)
            ],
        )
    sign_in(page, server, "agency_user1")
    expect(page).to_have_url(f"{server}/agency")
    if words.lang == "en":
        switch_to_english(page)
    expect(page.locator("#placed a[href^='/cases/']")).to_have_count(2)
    accessible(page)
    page.locator("#placed a[href='/cases/5']").click()
    expect(page).to_have_url(f"{server}/cases/5")
    page.locator("header nav").get_by_role("link", name=words.placed, exact=True).click()
    expect(page).to_have_url(f"{server}/agency")


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_admin_customer_service_and_agency_first_screens(
    server: str, new_page: Callable[..., Page], engine: Engine, cipher: FieldCipher, words: Words
) -> None:
    password = administer(new_page(), server, words)
    u, t = table_of(AppUser), table_of(Team)
    with engine.connect() as connection:
        lead = connection.execute(
            select(u.c.role, t.c.code).join(t, t.c.id == u.c.team_id).where(u.c.username == "visitor1")
        ).one()
        active = connection.execute(select(u.c.is_active).where(u.c.username == "collector2")).scalar_one()
    assert tuple(lead) == ("team_lead", "field-2") and active is False

    take_a_call(new_page(), server, password, caller(engine, cipher), words)
    e = table_of(ContactEvent)
    with engine.connect() as connection:
        (event,) = connection.execute(select(e.c.channel, e.c.party, e.c.reason)).all()
    assert tuple(event) == ("inbound_call", "debtor", "illness")

    work_as_agency(new_page(), server, engine, words)
