"""The legal case pages: a case opened by legal's decision to proceed, moved through filing, hearing and
judgment on its page, its deadlines listed (and due ones on the list), a cost and its law firm; the
refusals (out of order, bad dates and amounts, a team that is no law firm) answered 422 in their form
with nothing written; other roles kept out; zh-CN and English."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import Engine, insert, select
from test_legal_page import accounts, refer
from web_support import Browser, signed_in_as

from arrears.kit.clock import now
from arrears.models import (
    AuditEvent,
    CardAccount,
    Customer,
    LegalCase,
    LegalCost,
    LegalStep,
    Payment,
    Team,
    table_of,
)
from arrears.users.service import create_user
from web_book import PASSWORD


def proceed(legal: Browser, account_id: int) -> int:
    fields = {"account_id": str(account_id), "outcome": "proceed", "reason": ""}
    answer = legal.post("/legal/decisions", fields, token_from="/legal")
    assert answer.status_code == 303, answer.text
    return case_of(legal, account_id)


def case_of(legal: Browser, account_id: int) -> int:
    page = legal.client.get("/legal/cases").text
    found = re.search(r'href="/legal/cases/(\d+)"', page)
    assert found is not None, page
    return int(found.group(1))


def steps(book: Engine, case_id: int) -> list[str]:
    s = table_of(LegalStep)
    with book.connect() as connection:
        query = select(s.c.to_stage).where(s.c.case_id == case_id).order_by(s.c.id)
        return list(connection.execute(query).scalars())


@pytest.fixture
def opened(web: TestClient, book: Engine) -> tuple[Browser, int, str]:
    chosen = accounts(book)[:1]
    refer(book, chosen)
    legal = signed_in_as(web, "legal1")
    return legal, proceed(legal, chosen[0][0]), chosen[0][2]


def test_a_case_moves_through_its_page_in_chinese(opened: tuple[Browser, int, str], book: Engine) -> None:
    legal, case_id, account_no = opened
    today = now().date()
    page = f"/legal/cases/{case_id}"
    listed = legal.client.get("/legal/cases").text
    assert account_no in listed and "法务审查" in listed and "法律案件" in listed

    fields = {"to": "filing", "on": today.isoformat(), "document": "(2026)沪0101民初1号"}
    filed = legal.post(f"{page}/steps", fields, token_from=page)
    assert filed.status_code == 303 and filed.headers["location"] == f"{page}?done=step"
    shown = legal.client.get(f"{page}?done=step").text
    assert "已记录该步骤" in shown and "起诉立案" in shown and "法院立案审查期限" in shown
    assert (today + timedelta(days=7)).isoformat() in shown
    due = legal.client.get("/legal/cases").text.split('id="deadlines-due"')[1].split("</section>")[0]
    assert "法院立案审查期限" not in due  # 7 days ahead: not due yet
    fields = {"to": "hearing", "on": today.isoformat(), "hearing_on": (today + timedelta(days=2)).isoformat()}
    legal.post(f"{page}/steps", fields, token_from=page)
    due = legal.client.get("/legal/cases").text.split('id="deadlines-due"')[1].split("</section>")[0]
    assert account_no in due and "开庭" in due
    fields = {"kind": "court_fee", "amount": "1234.56", "incurred_on": today.isoformat()}
    cost = legal.post(f"{page}/costs", fields, token_from=page)
    assert cost.status_code == 303
    money = legal.client.get(page).text.split('id="case-money"')[1].split("</section>")[0]
    assert "¥1,234.56" in money
    assert steps(book, case_id) == ["review", "filing", "hearing"]


@pytest.mark.parametrize(
    ("path", "fields", "says"),
    [
        ("steps", {"to": "judgment", "on": "TODAY", "document": "j", "perform_by": "TODAY"}, "可进入"),
        ("steps", {"to": "filing", "on": "TODAY", "document": ""}, "文书"),
        ("steps", {"to": "filing", "on": "9999-12-31", "document": "x"}, "日期"),
        ("steps", {"to": "filing", "on": "0001-01-01", "document": "x"}, "日期"),
        ("steps", {"to": "closed", "on": "TODAY"}, "结案原因"),
        ("costs", {"kind": "court_fee", "amount": "1e999", "incurred_on": "TODAY"}, "金额"),
        ("costs", {"kind": "court_fee", "amount": "-5", "incurred_on": "TODAY"}, "金额"),
        ("costs", {"kind": "lunch", "amount": "5", "incurred_on": "TODAY"}, "费用类型"),
        ("firm", {"firm": str(2**63)}, "律师事务所"),
    ],
)
def test_refusals_answer_422_in_their_form_and_write_nothing(
    opened: tuple[Browser, int, str], book: Engine, path: str, fields: dict[str, str], says: str
) -> None:
    legal, case_id, _ = opened
    page = f"/legal/cases/{case_id}"
    today = now().date().isoformat()
    answer = legal.post(f"{page}/{path}", {k: v.replace("TODAY", today) for k, v in fields.items()},
                        token_from=page)  # fmt: skip
    assert answer.status_code == 422 and "Traceback" not in answer.text
    assert 'role="alert"' in answer.text and says in answer.text
    assert steps(book, case_id) == ["review"]
    with book.connect() as connection:
        assert connection.execute(select(table_of(LegalCost))).first() is None


def test_a_firm_that_is_no_law_firm_is_refused_and_a_law_firm_is_kept(
    opened: tuple[Browser, int, str], book: Engine
) -> None:
    legal, case_id, _ = opened
    t = table_of(Team)
    with book.begin() as connection:
        phone = connection.execute(select(t.c.id).where(t.c.kind == "phone").limit(1)).scalar_one()
        firm = connection.execute(
            insert(t).values(code="firm-x", name="金杜律所", kind="law_firm").returning(t.c.id)
        ).scalar_one()
    page = f"/legal/cases/{case_id}"
    assert legal.post(f"{page}/firm", {"firm": str(phone)}, token_from=page).status_code == 422
    assert legal.post(f"{page}/firm", {"firm": str(firm)}, token_from=page).status_code == 303
    assert "金杜律所" in legal.client.get("/legal/cases").text
    c = table_of(LegalCase)
    with book.connect() as connection:
        assert connection.execute(select(c.c.firm_team_id).where(c.c.id == case_id)).scalar_one() == firm


def test_in_english_unknown_cases_and_other_roles(opened: tuple[Browser, int, str], web: TestClient) -> None:
    legal, case_id, _ = opened
    legal.client.get("/lang/en")
    page = legal.client.get(f"/legal/cases/{case_id}").text
    assert "Record the next step" in page and "legal review" in page and "lawyer&#39;s letter" in page
    assert legal.client.get("/legal/cases/999999").status_code == 404
    assert legal.client.get(f"/legal/cases/{2**63}").status_code == 404
    for role in ("collector1", "manager1", "agency_user1"):
        other = signed_in_as(web, role)
        assert other.client.get(f"/legal/cases/{case_id}").status_code == 403
        assert other.client.get("/legal/cases").status_code == 403


def law_firm(book: Engine, code: str, lawyer: str) -> int:
    """A law firm's team with one lawyer in it; the team's id."""
    t = table_of(Team)
    with book.begin() as connection:
        firm = connection.execute(
            insert(t).values(code=code, name=f"{code} 律所", kind="law_firm").returning(t.c.id)
        )
        firm_id = int(firm.scalar_one())
        create_user(connection, username=lawyer, display_name=lawyer, role="lawyer", password=PASSWORD,
                    now=now(), team_code=code)  # fmt: skip
    return firm_id


def test_a_lawyer_works_the_cases_of_their_firm_only(web: TestClient, book: Engine) -> None:
    chosen = accounts(book)[:2]
    refer(book, chosen)
    legal = signed_in_as(web, "legal1")
    for account, _, _ in chosen:
        legal.post(
            "/legal/decisions", {"account_id": str(account), "outcome": "proceed"}, token_from="/legal"
        )
    mine_id, theirs_id = sorted(case_ids(book))
    firm_a, firm_b = law_firm(book, "firm-a", "lawyer_a"), law_firm(book, "firm-b", "lawyer_b")
    for case_id, firm in ((mine_id, firm_a), (theirs_id, firm_b)):
        page = f"/legal/cases/{case_id}"
        assert legal.post(f"{page}/firm", {"firm": str(firm)}, token_from=page).status_code == 303

    lawyer = Browser(TestClient(web.app))
    signed = lawyer.sign_in("lawyer_a")
    assert signed.status_code == 303
    assert lawyer.client.get("/", follow_redirects=False).headers["location"] == "/legal/cases"
    listed = lawyer.client.get("/legal/cases").text
    assert f'href="/legal/cases/{mine_id}"' in listed and f'href="/legal/cases/{theirs_id}"' not in listed
    assert 'href="/legal"' not in listed  # no legal review for a firm's lawyer
    mine, theirs = f"/legal/cases/{mine_id}", f"/legal/cases/{theirs_id}"
    assert lawyer.client.get(theirs).status_code == 404
    assert (
        lawyer.client.get(mine).status_code == 200 and 'id="assign-firm"' not in lawyer.client.get(mine).text
    )
    today = now().date().isoformat()
    filed = lawyer.post(f"{mine}/steps", {"to": "filing", "on": today, "document": "案号 9"}, token_from=mine)
    assert filed.status_code == 303 and steps(book, mine_id) == ["review", "filing"]
    refused = lawyer.post(f"{theirs}/steps", {"to": "filing", "on": today, "document": "x"}, token_from=mine)
    assert refused.status_code == 404 and steps(book, theirs_id) == ["review"]
    assert lawyer.post(f"{mine}/firm", {"firm": str(firm_b)}, token_from=mine).status_code == 403
    account_of = {mine_id: chosen[0][0], theirs_id: chosen[1][0]}
    assert lawyer.client.get(f"/cases/{account_of[mine_id]}").status_code == 200  # the account, masked
    assert lawyer.client.get(f"/cases/{account_of[theirs_id]}").status_code in (403, 404)
    assert lawyer.client.get("/legal").status_code == 403 and lawyer.client.get("/team").status_code == 403


def case_ids(book: Engine) -> list[int]:
    c = table_of(LegalCase)
    with book.connect() as connection:
        return [int(one) for one in connection.execute(select(c.c.id)).scalars()]


def test_the_evidence_pack_is_one_pdf_with_the_case_in_clear_and_audited(
    opened: tuple[Browser, int, str], book: Engine, web: TestClient
) -> None:
    legal, case_id, account_no = opened
    a, c = table_of(CardAccount), table_of(Customer)
    with book.begin() as connection:
        account_id, name = connection.execute(
            select(a.c.id, c.c.name).join(c, c.c.id == a.c.customer_id).where(a.c.account_no == account_no)
        ).one()
        connection.execute(insert(table_of(Payment)).values(payment_ref="EV-1", account_id=account_id,
                           paid_date=now().date(), amount_fen=123_456, channel="app"))  # fmt: skip
    page = f"/legal/cases/{case_id}"
    fields = {"to": "filing", "on": now().date().isoformat(), "document": "(2026)沪01民初7号"}
    legal.post(f"{page}/steps", fields, token_from=page)

    answer = legal.client.get(f"{page}/evidence.pdf")

    assert answer.status_code == 200 and answer.headers["content-type"] == "application/pdf"
    assert "attachment" in answer.headers["content-disposition"] and answer.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(answer.content)).pages)
    squeezed = re.sub(r"\s+", "", text)
    expected_texts = (
        "诉讼证据材料",
        account_no,
        name,
        "1,234.56",
        "(2026)沪01民初7号",
        "起诉立案",
        "合同主要条款",
    )
    for expected in expected_texts:
        assert re.sub(r"\s+", "", expected) in squeezed, expected
    assert "合同主要条款" in squeezed
    e = table_of(AuditEvent)
    with book.connect() as connection:
        actions = list(connection.execute(select(e.c.action).where(e.c.subject_id == str(case_id))).scalars())
    assert "legal_case.evidence_pack" in actions
    legal.client.get("/lang/en")
    pdf = legal.client.get(f"{page}/evidence.pdf").content
    english = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Evidence pack" in english and "Payment history" in english
    assert signed_in_as(web, "collector1").client.get(f"{page}/evidence.pdf").status_code == 403


def test_a_firms_fee_statement_as_a_page_and_csv(
    opened: tuple[Browser, int, str], book: Engine, web: TestClient
) -> None:
    legal, case_id, account_no = opened
    firm = law_firm(book, "firm-s", "lawyer_s")
    page = f"/legal/cases/{case_id}"
    legal.post(f"{page}/firm", {"firm": str(firm)}, token_from=page)
    today = now().date()
    for amount in ("1000.01", "0.99", "2999"):
        fields = {"kind": "lawyer_fee", "amount": amount, "incurred_on": today.isoformat()}
        assert legal.post(f"{page}/costs", fields, token_from=page).status_code == 303
    month = today.strftime("%Y-%m")

    shown = legal.client.get(f"/legal/firms/{firm}/statement?month={month}").text
    assert account_no in shown and "¥4,000.00" in shown.split('id="statement-total"')[1][:40]
    assert "律师费" in shown and "费用结算单" in shown
    csv_text = legal.client.get(f"/legal/firms/{firm}/statement?month={month}&format=csv").text
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert rows[1] == ["firm-s", month, str(case_id), account_no, "lawyer_fee", "3", "4,000.00"]
    assert rows[-1] == ["firm-s", month, "", "", "total", "", "4,000.00"] and len(rows) == 3
    assert legal.client.get(f"/legal/firms/{firm}/statement?month=2026-13").status_code == 422
    assert legal.client.get(f"/legal/firms/{firm}/statement?month=0001-01").status_code == 422
    assert legal.client.get(f"/legal/firms/{firm}/statement?format=pdf").status_code == 422
    assert legal.client.get(f"/legal/firms/{2**63}/statement").status_code == 404
    other = law_firm(book, "firm-t", "lawyer_t")
    lawyer = Browser(TestClient(web.app))
    lawyer.sign_in("lawyer_s")
    assert lawyer.client.get(f"/legal/firms/{firm}/statement?month={month}").status_code == 200
    assert lawyer.client.get(f"/legal/firms/{other}/statement").status_code == 404
    assert signed_in_as(web, "collector1").client.get(f"/legal/firms/{firm}/statement").status_code == 403
