"""The dossier on the case page: the bank's profile, the score as bands, the collection archive, and
recording what staff learn (kept beside the bank's data, encrypted, masked, audited)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select
from sqlalchemy.orm import Session
from web_support import Browser, signed_in_as

from arrears.kit.crypto import FieldCipher
from arrears.models import AccountScore, AuditEvent, CardAccount, Customer, LearnedFact, table_of

EMPLOYER = "中山市永安物流有限公司"


def collector(web: TestClient) -> tuple[Browser, int]:
    """collector1 and the case they hold: the queue's first (a collector opens only the cases they work)."""
    browser = signed_in_as(web, "collector1")
    location = browser.post("/queue/next").headers["location"]
    assert location.startswith("/cases/")
    return browser, int(location.removeprefix("/cases/"))


def in_english(browser: Browser, account: int) -> str:
    browser.client.get("/lang/en")
    return str(browser.client.get(f"/cases/{account}").text)


def customer_of(engine: Engine, account_id: int) -> Customer:
    with Session(engine) as session:
        account = session.get_one(CardAccount, account_id)
        return session.get_one(Customer, account.customer_id)


def learn(browser: Browser, account_id: int, **changes: str) -> Any:
    fields = {"kind": "employer", "value": EMPLOYER, "source": "call", "learned_date": "2005-10-01"}
    return browser.post(f"/cases/{account_id}/facts", fields | changes, token_from=f"/cases/{account_id}")


def facts(engine: Engine) -> list[LearnedFact]:
    with Session(engine) as session:
        return list(session.scalars(select(LearnedFact).order_by(LearnedFact.id)))


def test_the_case_page_shows_age_and_the_banks_profile_in_words(web: TestClient, book: Engine) -> None:
    browser, account = collector(web)
    page = browser.client.get(f"/cases/{account}").text
    english = in_english(browser, account)

    assert 'id="dossier"' in page and "岁" in page.split('id="dossier-age"')[1].split("</dd>")[0]
    customer = customer_of(book, account)
    assert customer.employer_masked and customer.employer_masked in page  # the UCI sample's, masked
    assert customer.occupation and customer.occupation in page
    assert (
        customer.income_band
        and customer.income_band not in page.split('id="profile"')[1].split("</table>")[0]
    )
    assert "月收入" in page or "每月" in page
    assert "Employer" in english and "a month" in english and "years" in english


def test_the_score_reads_as_bands_with_their_meaning(web: TestClient, book: Engine) -> None:
    browser, account = collector(web)
    with book.begin() as connection:
        connection.execute(
            insert(table_of(AccountScore)).values(
                account_id=account, run_date=date(2005, 10, 1), model_version="m1", p_default=0.41,
                score=512, risk_tier="C", willingness=-120, ability=30, reason_1="months_late",
                reason_1_zh="近六个月逾期月数多", reason_1_en="Many late months in the last six",
            )
        )  # fmt: skip

    english = in_english(browser, account)

    willingness = english.split('id="willingness"')[1].split("</dd>")[0]
    ability = english.split('id="ability"')[1].split("</dd>")[0]
    assert 'data-level="low"' in willingness and "Has not been paying" in willingness
    assert "15.9%" in willingness  # -120 points: odds of 1 to 2^(120/50), 1 / 6.28
    assert 'data-level="high"' in ability and "Can pay" in ability
    assert "Many late months in the last six" in english


def test_a_learned_employer_is_kept_beside_the_banks_encrypted_and_audited(
    web: TestClient, book: Engine, cipher: FieldCipher
) -> None:
    browser, account = collector(web)
    bank_before = customer_of(book, account)

    answer = learn(browser, account)

    assert answer.status_code == 303 and answer.headers["location"] == f"/cases/{account}?done=fact#dossier"
    [fact] = facts(book)
    assert (fact.kind, fact.source, fact.learned_date) == ("employer", "call", date(2005, 10, 1))
    assert EMPLOYER.encode() not in fact.value_enc and cipher.decrypt(fact.value_enc) == EMPLOYER
    bank_after = customer_of(book, account)
    assert bank_after.employer_enc == bank_before.employer_enc  # the bank's value is left alone
    page = browser.client.get(f"/cases/{account}").text
    line = page.split('<tr data-kind="employer">')[1].split("</tr>")[0]
    assert bank_before.employer_masked is not None
    assert bank_before.employer_masked in line.split('class="learned"')[0]
    assert "中山市****物流有限公司" in line.split('class="learned"')[1] and "collector one" in line
    assert EMPLOYER not in page  # masked, even for who recorded it
    with Session(book) as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "fact.learned")).one()
    assert (
        audit.actor == "collector1" and EMPLOYER not in audit.details and '"kind":"employer"' in audit.details
    )


def test_free_text_facts_are_masked_for_a_collector_and_clear_for_a_team_lead(web: TestClient) -> None:
    browser, account = collector(web)
    learn(browser, account, kind="hardship", value="lost his job in August, call his sister on 13912345678")

    shown = browser.client.get(f"/cases/{account}").text
    lead = signed_in_as(web, "team_lead1").client.get(f"/cases/{account}").text

    assert "139****5678" in shown and "13912345678" not in shown
    assert "13912345678" in lead


def test_a_refused_fact_is_shown_in_its_form_and_nothing_is_written(web: TestClient, book: Engine) -> None:
    browser, account = collector(web)

    for changes, words in (
        ({"value": "  "}, "了解到的信息"),
        ({"learned_date": "2999-01-01"}, "晚于今天"),
        ({"kind": "phone", "value": "call me maybe"}, "不是电话号码"),
        ({"source": "rumour"}, "不是信息来源"),
        ({"kind": "salary"}, "不是信息类别"),
    ):
        answer = learn(browser, account, **changes)
        assert answer.status_code == 422, changes
        error = answer.text.split('id="fact-error"')[1].split("</p>")[0]
        assert words in error, (changes, error)
    assert facts(book) == []


def test_recording_a_fact_needs_contact_log(web: TestClient, book: Engine) -> None:
    _, account = collector(web)

    assert learn(signed_in_as(web, "legal1"), account).status_code == 403  # reads the case, records nothing
    assert learn(signed_in_as(web, "compliance1"), account).status_code == 403
    assert learn(signed_in_as(web, "collector3"), account).status_code == 404  # another team's collector
    assert learn(signed_in_as(web, "team_lead1"), account).status_code == 303
    assert len(facts(book)) == 1


def test_the_collection_archive_lists_the_reasons_given_over_time(web: TestClient) -> None:
    browser, account = collector(web)
    call = {"outcome": "right_party", "party": "debtor", "conversation": "on", "reason": "income_loss"}
    assert browser.post(f"/cases/{account}/calls", call, token_from=f"/cases/{account}").status_code == 303

    english = in_english(browser, account)

    archive = english.split('id="reason-archive"')[1].split("</table>")[0]
    assert "income" in archive.lower() and "collector one" in archive  # the reason in words
    assert "income_loss" not in archive


def test_the_audited_reveal_shows_the_employers_in_clear(
    web: TestClient, book: Engine, cipher: FieldCipher
) -> None:
    browser, account = collector(web)
    learn(browser, account)
    lead = signed_in_as(web, "team_lead1")
    bank = customer_of(book, account)
    assert bank.employer_enc is not None

    fragment = lead.post(f"/cases/{account}/reveal", token_from=f"/cases/{account}").text

    assert cipher.decrypt(bank.employer_enc) in fragment and EMPLOYER in fragment
    with Session(book) as session:
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "pii.reveal")).one()
    assert len(json.loads(audit.details)["learned_facts"]) == 1
    assert EMPLOYER not in audit.details
