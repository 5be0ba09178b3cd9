"""The lawyer's letter on the case page: issued by the button (the firm's lawyer signs it), listed with
its reference and state, recorded by the lawyer's letter step left without a document; refused in its
form without a law firm (422, nothing queued), gone once the letter is live; another firm's lawyer
cannot issue it; zh-CN and English."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from test_legal_case_pages import law_firm, opened  # noqa: F401  (the fixture)
from web_support import Browser

from arrears.kit.clock import now
from arrears.models import AuditEvent, LegalStep, OutboxMessage, table_of


def _letters(book: Engine, case_id: int) -> list[dict[str, object]]:
    m = table_of(OutboxMessage)
    with book.connect() as connection:
        query = select(m.c.template, m.c.status, m.c.user_id, m.c.channel).where(m.c.legal_case_id == case_id)
        return [dict(row) for row in connection.execute(query).mappings()]


def _lawyer(web: TestClient, username: str) -> Browser:
    lawyer = Browser(TestClient(web.app))
    assert lawyer.sign_in(username).status_code == 303
    return lawyer


def test_the_firms_lawyer_issues_the_letter_and_the_step_records_it(
    opened: tuple[Browser, int, str],  # noqa: F811
    book: Engine,
    web: TestClient,
) -> None:
    legal, case_id, _ = opened
    page = f"/legal/cases/{case_id}"
    firm = law_firm(book, "firm-l", "lawyer_l")
    assert legal.post(f"{page}/firm", {"firm": str(firm)}, token_from=page).status_code == 303
    lawyer = _lawyer(web, "lawyer_l")
    assert 'id="letter-form"' in lawyer.client.get(page).text

    issued = lawyer.post(f"{page}/letter", {}, token_from=page)

    assert issued.status_code == 303 and issued.headers["location"] == f"{page}?done=letter"
    shown = lawyer.client.get(f"{page}?done=letter").text
    letters = shown.split('id="case-letters"')[1].split("</section>")[0]
    assert f"FW-{case_id:06d}-L1" in letters and "排队中" in letters and 'id="letter-form"' not in letters
    assert "律师函已生成" in shown
    ((letter),) = _letters(book, case_id)
    assert (letter["template"], letter["status"], letter["channel"]) == ("lawyer_letter", "queued", "letter")
    fields = {"to": "lawyer_letter", "on": now().date().isoformat(), "document": ""}
    assert lawyer.post(f"{page}/steps", fields, token_from=page).status_code == 303
    s = table_of(LegalStep)
    with book.connect() as connection:
        documents = list(connection.execute(select(s.c.document).where(s.c.case_id == case_id)).scalars())
        e = table_of(AuditEvent)
        actions = list(connection.execute(select(e.c.action).where(e.c.subject_id == str(case_id))).scalars())
    assert documents[-1] == f"FW-{case_id:06d}-L1" and len(_letters(book, case_id)) == 1
    assert "legal_case.letter" in actions
    lawyer.client.get("/lang/en")
    english = lawyer.client.get(page).text.split('id="case-letters"')[1].split("</section>")[0]
    assert "Lawyer's letter" in english and "queued" in english
    law_firm(book, "firm-o", "lawyer_o")  # another firm's lawyer: the case is not theirs
    other = _lawyer(web, "lawyer_o")
    assert other.post(f"{page}/letter", {}, token_from="/legal/cases").status_code == 404


def test_without_a_law_firm_the_letter_is_refused_in_its_form(
    opened: tuple[Browser, int, str],  # noqa: F811
    book: Engine,
) -> None:
    legal, case_id, _ = opened
    page = f"/legal/cases/{case_id}"

    refused = legal.post(f"{page}/letter", {}, token_from=page)

    assert refused.status_code == 422 and "Traceback" not in refused.text
    form = refused.text.split('id="case-letters"')[1].split("</section>")[0]
    assert 'role="alert"' in form and "请先将案件分配给律师事务所" in form
    assert _letters(book, case_id) == []
    fields = {"to": "lawyer_letter", "on": now().date().isoformat(), "document": ""}
    step = legal.post(f"{page}/steps", fields, token_from=page)
    assert step.status_code == 422 and "律师事务所" in step.text and _letters(book, case_id) == []
