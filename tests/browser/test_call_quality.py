"""Call quality review in a real browser, in Chinese and in English: the team lead samples the day's
calls, scores one on the checklist, and the collector reads the review on their page; axe-core finds
no serious or critical violation on the review pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.contacts.calls import CallLog, log_call
from arrears.models import AppUser, CardAccount, table_of

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
AT = datetime(2005, 10, 1, 2, 0, tzinfo=UTC)  # the book's business date, 10:00 in Shanghai
MARKS = {
    "identification": "pass",
    "disclosure": "pass",
    "no_threats": "pass",
    "no_third_party_disclosure": "pass",
    "solution_offered": "fail",
    "agreement_confirmed": "na",
}


def serious(page: Page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
            if v["impact"] in ("serious", "critical")]  # fmt: skip


def a_call(engine: Engine) -> str:
    """collector1's call with its recording key, on the book's business date; the account number."""
    a, u = table_of(CardAccount), table_of(AppUser)
    with engine.begin() as connection:
        account_id, number = connection.execute(
            select(a.c.id, a.c.account_no).order_by(a.c.id).limit(1)
        ).one()
        user_id = connection.execute(select(u.c.id).where(u.c.username == "collector1")).scalar_one()
        call = CallLog(
            outcome="right_party", conversation=True, recording_ref="REC-0001", duration_seconds=300
        )
        log_call(connection, account_id=account_id, user_id=user_id, call=call, now=AT)
    return str(number)


LOCALES = [("zh-CN", "质检队列", "我的通话质检"), ("en", "review queue", "My call reviews")]


@pytest.mark.parametrize(("locale", "sampled", "mine"), LOCALES)
def test_a_lead_samples_and_scores_a_call_and_the_collector_sees_it(
    server: str, new_page: Callable[..., Page], engine: Engine, locale: str, sampled: str, mine: str
) -> None:
    number = a_call(engine)
    lead = new_page(locale=locale)
    sign_in(lead, server, "team_lead1")
    lead.goto(f"{server}/lang/en?next=/quality" if locale == "en" else f"{server}/quality")

    lead.locator("#sample-form input[name=random_count]").fill("1")
    lead.locator("#sample-form button").click()
    expect(lead.locator("#sampled")).to_contain_text(sampled)
    row = lead.locator("#review-queue tr[data-review]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(number)
    assert serious(lead) == []
    row.locator("a.score-link").click()
    expect(lead.locator("#review")).to_contain_text("REC-0001")
    for item, mark in MARKS.items():
        lead.locator(f"input[name={item}][value={mark}]").check()
    lead.locator("textarea[name=note]").fill("Polite; no plan was offered.")
    assert serious(lead) == []
    lead.locator("#score-form button").click()
    expect(lead.locator("#scored")).to_be_visible()
    expect(lead.locator("#reviewed tr[data-review]")).to_contain_text("80")

    collector = new_page(locale=locale)
    sign_in(collector, server, "collector1")
    if locale == "en":
        collector.goto(f"{server}/lang/en?next=/")
    expect(collector.locator("#my-quality")).to_contain_text("80")
    collector.locator("#my-quality a").click()
    expect(collector.locator("h1")).to_contain_text(mine)
    expect(collector.locator("#my-quality-score")).to_contain_text("80")
    expect(collector.locator(".my-review")).to_contain_text("Polite; no plan was offered.")
    assert serious(collector) == []
