"""Legal's and compliance's day in Chromium, on the web book: legal1 lands on the legal queue, sees a
referral of the daily run and a collector's request with their evidence, is told a return needs a
reason, returns one account with it and proceeds with the other; the case page's timeline shows the
decision; compliance1 lands on the audit trail, sees the chain intact, finds the decisions by account
number and by action, and the holds in force by kind. Once in Chinese, once in English (the language
switch); axe-core finds no serious or critical violation on either page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, insert, select

from arrears.compliance import load_policy
from arrears.contacts.case_requests import request_case
from arrears.models import AppUser, CardAccount, CollectionAction, table_of
from web_book import RUN

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
RETURN_REASON = "已与持卡人达成还款计划，先观察两期"


@dataclass(frozen=True)
class Words:
    """What the pages say in one language."""

    lang: str
    waiting: str
    referred: str
    requested: str
    return_: str
    proceed: str
    needs_reason: str
    returned: str
    proceeded: str
    decided: str
    intact: str
    search: str
    returned_action: str
    dispute: str


ZH = Words("zh", "等待中：2 个账户", "由 2005-10-01 日终批处理转交", "由 collector one 申请", "退回催收",
           "采取法律行动", "退回催收必须写明理由", "决定已记录：该账户退回催收。",
           "决定已记录：该账户进入法律程序。", "法务审查已决定", "完好：已核验", "搜索",
           "法务审查：退回催收", "异议")  # fmt: skip
EN = Words("en", "Waiting: 2 accounts", "Referred by the daily run of 2005-10-01",
           "Requested by collector one", "Return to collection", "Proceed with legal action",
           "a returned account needs the reason",
           "Decision recorded: the account is returned to collection.",
           "Decision recorded: the account proceeds to legal action.", "legal review decided", "Intact:",
           "Search", "legal review: returned to collection", "dispute")  # fmt: skip


def seed(engine: Engine) -> tuple[str, tuple[int, str]]:
    """A referral of the business date on the first account, a collector's request on the second;
    the second's number, and the first's id and number."""
    a, u = table_of(CardAccount), table_of(AppUser)
    with engine.begin() as connection:
        (first, first_customer, first_no), (second, _, second_no) = connection.execute(
            select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id).limit(2)
        ).all()
        at = datetime.combine(RUN, datetime.min.time(), UTC) + timedelta(hours=1)
        connection.execute(insert(table_of(CollectionAction)).values(
            run_date=RUN, account_id=first, customer_id=first_customer, channel="legal_review", segment="m6",
            arm="champion", treatment="legal", value_fen=100_000, scheduled_at=at, status="planned",
        ))  # fmt: skip
        collector = connection.execute(select(u.c.id).where(u.c.username == "collector1")).scalar_one()
        request_case(connection, account_id=second, kind="legal_review", reason="三次承诺均未兑现",
                     user_id=collector, policy=load_policy("cn"), now=datetime.now(UTC))  # fmt: skip
    return second_no, (first, first_no)


def no_serious_violation(page: Page) -> None:
    violations = Axe().run(page).response["violations"]
    bad = [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in violations
           if v["impact"] in ("serious", "critical")]  # fmt: skip
    assert bad == [], bad


@pytest.mark.parametrize("words", [ZH, EN], ids=["zh", "en"])
def test_legal_decides_and_compliance_finds_it_in_the_trail(
    server: str, engine: Engine, new_page: Callable[..., Page], words: Words
) -> None:
    returned_no, (proceeded_id, proceeded_no) = seed(engine)

    legal = new_page()
    sign_in(legal, server, "legal1")
    if words.lang == "en":
        legal.get_by_role("link", name="English").click()
    expect(legal).to_have_url(f"{server}/legal")
    expect(legal.locator("#legal-counts")).to_contain_text(words.waiting)
    referral = legal.locator(f'section[data-account="{proceeded_no}"]')
    request = legal.locator(f'section[data-account="{returned_no}"]')
    expect(referral).to_contain_text(words.referred)
    expect(request).to_contain_text(words.requested)
    no_serious_violation(legal)

    request.get_by_role("button", name=words.return_).click()  # no reason yet
    expect(legal.locator("#legal-error")).to_contain_text(words.needs_reason)
    request = legal.locator(f'section[data-account="{returned_no}"]')
    request.locator("textarea[name=reason]").fill(RETURN_REASON)
    request.get_by_role("button", name=words.return_).click()
    expect(legal.get_by_role("status")).to_have_text(words.returned)
    expect(legal.locator(f'section[data-account="{returned_no}"]')).to_have_count(0)

    legal.locator(f'section[data-account="{proceeded_no}"]').get_by_role("button", name=words.proceed).click()
    expect(legal.get_by_role("status")).to_have_text(words.proceeded)
    expect(legal.locator("#legal-decided")).to_contain_text(RETURN_REASON)
    legal.goto(f"{server}/cases/{proceeded_id}")
    expect(legal.locator(".timeline")).to_contain_text(words.decided)

    compliance = new_page()
    sign_in(compliance, server, "compliance1")
    if words.lang == "en":
        compliance.get_by_role("link", name="English").click()
    expect(compliance).to_have_url(f"{server}/compliance")
    expect(compliance.locator("#chain-intact")).to_contain_text(words.intact)
    no_serious_violation(compliance)
    compliance.locator("#trail input[name=account]").fill(returned_no)
    compliance.locator("#trail").get_by_role("button", name=words.search).click()
    expect(compliance.locator("#trail-entries")).to_contain_text(words.returned_action)
    expect(compliance.locator("#trail-entries")).to_contain_text(RETURN_REASON[:4])  # masked only by pattern
    compliance.locator("#trail input[name=account]").fill("")
    compliance.locator("select[name=action]").select_option("legal.returned")
    compliance.locator("#trail").get_by_role("button", name=words.search).click()
    expect(compliance.locator("#trail-entries tr[data-entry]")).to_have_count(1)
    compliance.goto(f"{server}/compliance/holds")
    expect(compliance.locator("#hold-counts")).to_contain_text(words.dispute)
    no_serious_violation(compliance)
