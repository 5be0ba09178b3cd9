"""The malicious-overdraft page: the daily check's candidates with their evidence, linked from /legal;
legal refers one (audited) and downloads its pack (JSON, CSV), or does not refer with a reason;
refusals answered 422 in the candidate's form with nothing written, 409 once decided; other roles
kept out (403); zh-CN by default and English on request."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, delete, select
from web_support import Browser, signed_in_as

from arrears.kit.crypto import FieldCipher
from arrears.legal import overdraft
from arrears.models import AuditEvent, CardAccount, OverdraftCandidate, Payment, table_of
from overdraft_book import ZONE, eligible_account, paid
from web_book import RUN, personal_data

PAGE = "/legal/overdraft"


def first_account(book: Engine) -> tuple[int, str]:
    a = table_of(CardAccount)
    with book.connect() as connection:
        row = connection.execute(select(a.c.id, a.c.account_no).order_by(a.c.id).limit(1)).one()
    return int(row.id), str(row.account_no)


def candidate(book: Engine) -> dict[str, object]:
    c = table_of(OverdraftCandidate)
    with book.connect() as connection:
        return dict(connection.execute(select(c)).mappings().one())


@pytest.fixture
def checked(book: Engine) -> tuple[int, str]:
    """An eligible account (a demand letter and a call 40 days apart, four months before the web
    book's business date) and the check of that date."""
    account_id, account_no = first_account(book)
    p = table_of(Payment)
    with book.begin() as connection:  # the UCI history's monthly payments: none on this account
        connection.execute(delete(p).where(p.c.account_id == account_id))
    eligible_account(book, account_id, first=date(2005, 4, 20), second=date(2005, 5, 30))
    with book.begin() as connection:
        overdraft.check(connection, as_of=RUN, zone=ZONE, now=datetime(2005, 10, 1, 1, tzinfo=UTC))
    return int(candidate(book)["id"]), account_no


def audits(book: Engine) -> list[str]:
    e = table_of(AuditEvent)
    with book.connect() as connection:
        query = select(e.c.action).where(e.c.action.like("legal.overdraft%")).order_by(e.c.id)
        return list(connection.execute(query).scalars())


def decide(legal: Browser, candidate_id: int, outcome: str, reason: str, *, token_from: str = PAGE) -> Any:
    fields = {"candidate_id": str(candidate_id), "outcome": outcome, "reason": reason}
    return legal.post(f"{PAGE}/decisions", fields, token_from=token_from)


def account_id(book: Engine, account_no: str) -> int:
    a = table_of(CardAccount)
    with book.connect() as connection:
        return int(connection.execute(select(a.c.id).where(a.c.account_no == account_no)).scalar_one())


def test_legal_sees_the_evidence_refers_and_downloads_the_pack(
    web: TestClient, book: Engine, checked: tuple[int, str], cipher: FieldCipher
) -> None:
    candidate_id, account_no = checked
    legal = signed_in_as(web, "legal1")
    assert 'href="/legal/overdraft"' in legal.client.get("/legal").text
    shown = legal.client.get(PAGE).text
    assert "恶意透支" in shown and account_no in shown
    assert "2005-04-20" in shown and "2005-05-30" in shown and "¥52,000.00" in shown and "¥48,000.00" in shown
    assert "催收函" in shown or "信函" in shown

    answer = decide(legal, candidate_id, "refer", "两次有效催收后仍未还款")
    assert answer.status_code == 303 and answer.headers["location"] == f"{PAGE}?done=refer"
    assert candidate(book)["status"] == "referred"
    decided = legal.client.get(f"{PAGE}?done=refer").text.split('id="overdraft-decided"')[1]
    assert account_no in decided and "两次有效催收后仍未还款" in decided

    pack = legal.client.get(f"{PAGE}/{candidate_id}/pack.json")
    assert pack.status_code == 200 and "attachment" in pack.headers["content-disposition"]
    document = json.loads(pack.text)
    name, national_id, _ = personal_data(book, cipher, account_id(book, account_no))
    assert document["cardholder"] == {"name": name, "national_id": national_id}
    assert document["computation"]["days_between"] == 40 and document["computation"]["eligible"] is True
    sheet = legal.client.get(f"{PAGE}/{candidate_id}/pack.csv")
    assert sheet.status_code == 200 and sheet.headers["content-type"].startswith("text/csv")
    assert "52000.00" in sheet.text and "days_between" in sheet.text
    assert audits(book) == ["legal.overdraft_referred", "legal.overdraft_pack", "legal.overdraft_pack"]
    assert decide(legal, candidate_id, "not_refer", "再议").status_code == 409


def test_not_referring_needs_a_reason_and_has_no_pack_in_english(
    web: TestClient, book: Engine, checked: tuple[int, str]
) -> None:
    candidate_id, _ = checked
    legal = signed_in_as(web, "legal1")
    legal.client.get("/lang/en")
    assert "Malicious overdraft referrals" in legal.client.get(PAGE).text
    assert decide(legal, candidate_id, "not_refer", "lost his job, not malicious").status_code == 303
    shown = legal.client.get(PAGE).text
    assert "not referred" in shown and "lost his job" in shown
    assert legal.client.get(f"{PAGE}/{candidate_id}/pack.json").status_code == 404


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"outcome": "refer", "reason": ""}, "理由"),
        ({"outcome": "not_refer", "reason": "   "}, "理由"),
        ({"outcome": "maybe", "reason": "x"}, "移送"),
        ({"outcome": "refer", "reason": "x" * 5000}, "字符"),
    ],
)
def test_refusals_answer_422_in_the_form_and_write_nothing(
    web: TestClient, book: Engine, checked: tuple[int, str], fields: dict[str, str], says: str
) -> None:
    candidate_id, _ = checked
    legal = signed_in_as(web, "legal1")
    answer = legal.post(f"{PAGE}/decisions", {"candidate_id": str(candidate_id), **fields}, token_from=PAGE)
    assert answer.status_code == 422 and "Traceback" not in answer.text
    assert 'role="alert"' in answer.text and says in answer.text
    assert candidate(book)["status"] == "pending" and audits(book) == []


def test_a_referral_paid_since_the_check_is_refused_with_the_reason(
    web: TestClient, book: Engine, checked: tuple[int, str]
) -> None:
    candidate_id, account_no = checked
    paid(book, first_account(book)[0], RUN, 100_00, ref="P-web")
    legal = signed_in_as(web, "legal1")
    answer = decide(legal, candidate_id, "refer", "恶意透支")
    assert answer.status_code == 422 and "已不符合" in answer.text and account_no in answer.text
    assert candidate(book)["status"] == "pending" and audits(book) == []


def test_bad_ids_are_refused_and_unknown_candidates_not_found(
    web: TestClient, checked: tuple[int, str]
) -> None:
    legal = signed_in_as(web, "legal1")
    assert legal.post(f"{PAGE}/decisions", {"candidate_id": "abc", "outcome": "refer", "reason": "x"},
                      token_from=PAGE).status_code == 422  # fmt: skip
    assert decide(legal, 2**31 - 1, "refer", "x").status_code == 404
    assert legal.client.get(f"{PAGE}/{2**63}/pack.csv").status_code in (404, 422)
    assert legal.client.get(f"{PAGE}/999999/pack.csv").status_code == 404


@pytest.mark.parametrize("role", ["collector", "team_lead", "compliance", "lawyer", "agency_user", "manager"])
def test_other_roles_are_kept_out(web: TestClient, book: Engine, checked: tuple[int, str], role: str) -> None:
    candidate_id, _ = checked
    someone = signed_in_as(web, f"{role}1")
    assert someone.client.get(PAGE).status_code == 403
    assert someone.client.get(f"{PAGE}/{candidate_id}/pack.json").status_code == 403
    assert decide(someone, candidate_id, "refer", "x", token_from="/").status_code == 403
    assert candidate(book)["status"] == "pending"
