"""A collector records the cardholder's new employer on the case page and sees it in the dossier,
beside the bank's value, in Chinese and in English; axe-core finds nothing serious in the dossier."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect
from signing_in import sign_in
from sqlalchemy import Engine, select

from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, Customer, LearnedFact, table_of

pytestmark = pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)  # the embedded default
EMPLOYER = "中山市永安物流有限公司"
WORDS = {  # what the page says, per language
    "zh-CN": {"saved": "已保存", "kind": "工作单位", "source": "电话中得知", "bank": "银行资料"},
    "en": {"saved": "Saved", "kind": "Employer", "source": "on a call", "bank": "The bank's data"},
}


def bank_employer(engine: Engine, account_id: int) -> str:
    a, c = table_of(CardAccount), table_of(Customer)
    with engine.connect() as connection:
        masked = connection.execute(
            select(c.c.employer_masked).join(a, a.c.customer_id == c.c.id).where(a.c.id == account_id)
        ).scalar_one()
    assert masked, "the sample book's customers have an employer"
    return str(masked)


@pytest.mark.parametrize("language", ["zh-CN", "en"])
def test_a_collector_records_a_new_employer_and_sees_it_beside_the_banks(
    server: str, new_page: Callable[..., Page], engine: Engine, cipher: FieldCipher, language: str
) -> None:
    words, page = WORDS[language], new_page(locale=language)
    sign_in(page, server, "collector1")
    if language == "en":
        page.goto(f"{server}/lang/en?next=/")
    page.keyboard.press("n")  # the next case
    expect(page).to_have_url(re.compile(r"/cases/\d+$"))
    account_id = int(page.url.rsplit("/", 1)[1])

    form = page.locator("#fact-form")
    form.locator("select[name=kind]").select_option("employer")
    form.locator("textarea[name=value]").fill(EMPLOYER)
    form.locator("button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"done=fact"))
    expect(page.locator(".notice")).to_contain_text(words["saved"])
    line = page.locator("#profile tr[data-kind=employer]")
    expect(line.locator("th")).to_have_text(words["kind"])
    expect(line.locator("td.bank")).to_contain_text(bank_employer(engine, account_id))
    expect(line.locator("td.learned")).to_contain_text("中山市****物流有限公司")
    expect(line.locator("td.learned")).to_contain_text(words["source"])
    expect(line.locator("td.learned")).to_contain_text("collector one")
    expect(page.locator("#profile")).to_contain_text(words["bank"])
    history = page.locator("#learned-facts tr[data-kind=employer]")
    expect(history).to_have_count(1)
    expect(history).to_contain_text(words["kind"])
    assert EMPLOYER not in page.content()  # masked on screen
    with engine.connect() as connection:
        stored = connection.execute(select(table_of(LearnedFact).c.value_enc)).scalar_one()
    assert cipher.decrypt(stored) == EMPLOYER
    violations = (
        Axe()
        .run(page, context={"include": [["#dossier"], ["#fact-form"], ["#score"]]})
        .response["violations"]
    )
    assert [v["id"] for v in violations if v["impact"] in ("serious", "critical")] == []
