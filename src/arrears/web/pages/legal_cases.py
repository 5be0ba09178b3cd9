"""Legal cases (``legal:review``): ``/legal/cases``, the open cases with the deadlines due (past or
within three days) and each case's next deadline; ``/legal/cases/{id}``, one case with its steps,
deadlines, costs, money and lawyer's letters, and the forms for its next step, a cost, its law firm and
its lawyer's letter (issued from the governed template, printed with the day's letters). Each change
runs in one audited transaction; a refused one answers 422 (409 when the case moved meanwhile) with the
reason in its form and what was typed."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import AuditLog, audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import parse_day, parse_id
from arrears.kit.money import parse_amount_fen
from arrears.legal import case_rules, cases, evidence, lawyer_letter
from arrears.legal.case_rules import Step
from arrears.users.permissions import allowed
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import said
from arrears.web.i18n import environment
from arrears.web.pages.workspace import NotInScope, form_fields

router = APIRouter(include_in_schema=False)
Officer = Annotated[sessions.Session, Depends(signed_in("legal_case:work", "account:read"))]
# the evidence pack shows the cardholder's personal data in clear
Revealer = Annotated[sessions.Session, Depends(signed_in("legal_case:work", "account:read", "pii:reveal"))]
# legal assigns a case to a law firm, not a firm's lawyer
Legal = Annotated[sessions.Session, Depends(signed_in("legal:review", "legal_case:work", "account:read"))]


def _firm_of(session: sessions.Session) -> int | None:
    """The law firm whose cases alone the user sees (a lawyer's team), None: every case (legal)."""
    if allowed(session.user.role, "legal:review"):
        return None
    return session.user.team_id if session.user.team_id is not None else -1  # no firm: no case


@router.get("/legal/cases", response_class=HTMLResponse)
def case_list_page(request: Request, session: Officer) -> HTMLResponse:
    today = work_day(request).today
    firm = _firm_of(session)
    with request.app.state.engine.connect() as connection:
        rows = cases.case_list(connection, firm_team_id=firm)
        due = cases.reminders(connection, today=today, firm_team_id=firm)
    return page(request, "legal_cases.html", cases=rows, due=due, today=today)


def _case_page(
    request: Request, session: sessions.Session, case_id: int, *, status_code: int = 200, **more: Any
) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        _in_scope(connection, session, case_id)
        view = cases.case_view(connection, case_id)
    return page(request, "legal_case.html", status_code=status_code, view=view, stages=case_rules.STAGES,
                close_reasons=case_rules.CLOSE_REASONS, cost_kinds=case_rules.COST_KINDS,
                today=work_day(request).today, notice=request.query_params.get("done"), **more)  # fmt: skip


@router.get("/legal/cases/{case_id:id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, session: Officer) -> HTMLResponse:
    return _case_page(request, session, case_id)


def _in_scope(connection: Any, session: sessions.Session, case_id: int) -> None:
    """A lawyer opens only an open case of their firm (404 otherwise, as for a case that is not there)."""
    firm = _firm_of(session)
    if firm is not None and not cases.firm_case(connection, case_id=case_id, firm_team_id=firm):
        raise NotInScope()


def _day(text: str | None, field: str) -> Any:
    return parse_day(text, field=field) if text and text.strip() else None


def _step(form: dict[str, str]) -> Step:
    return Step(
        to=form.get("to", ""),
        on=parse_day(form.get("on", ""), field="on"),
        document=form.get("document"),
        note=form.get("note"),
        close_reason=form.get("close_reason") or None,
        hearing_on=_day(form.get("hearing_on"), "hearing_on"),
        perform_by=_day(form.get("perform_by"), "perform_by"),
    )


def _changed(
    request: Request, session: sessions.Session, case_id: int, form: dict[str, str], what: str
) -> Response:
    today, moment = work_day(request).today, now()
    try:
        with audit_transaction(request.app.state.engine) as connection:
            _in_scope(connection, session, case_id)
            if what == "step":
                cases.record_step(connection, case_id=case_id, step=_step(form), by=session.user, today=today,
                                  now=moment)  # fmt: skip
            elif what == "letter":
                lawyer_letter.issue(connection, case_id=case_id, by=session.user, today=today, now=moment)
            elif what == "cost":
                cases.add_cost(connection, case_id=case_id, kind=form.get("kind", ""),
                               amount_fen=parse_amount_fen(form.get("amount", ""), field="amount"),
                               incurred_on=parse_day(form.get("incurred_on", ""), field="incurred_on"),
                               note=form.get("note"), by=session.user, today=today, now=moment)  # fmt: skip
            else:
                firm = form.get("firm", "").strip()
                firm_id = parse_id(firm, field="firm") if firm else None
                cases.assign_firm(connection, case_id=case_id, firm_team_id=firm_id, by=session.user,
                                  now=moment)  # fmt: skip
    except NotFound:
        raise
    except ArrearsError as problem:
        status = 409 if isinstance(problem, cases.CaseMoved) else 422
        return _case_page(request, session, case_id, status_code=status, failed=what,
                          error=said(locale(request), "legal_case", problem), typed=form)  # fmt: skip
    return RedirectResponse(f"/legal/cases/{case_id}?done={what}", status_code=303)


async def _post(request: Request, session: sessions.Session, case_id: int, what: str) -> Response:
    form = await form_fields(request)
    return await run_in_threadpool(_changed, request, session, case_id, form, what)


@router.get("/legal/cases/{case_id:id}/evidence.pdf")
def evidence_pack(request: Request, case_id: int, session: Revealer) -> Response:
    """The case's evidence pack as one PDF in the page's language, the cardholder's name and national
    ID in clear: audited (``legal_case.evidence_pack``) before it is made."""
    settings, lang, moment = request.app.state.settings, locale(request), now()
    font = evidence.font_of(settings.letter_font_dir)  # no CJK font: refused before anything is read
    with audit_transaction(request.app.state.engine) as connection:
        _in_scope(connection, session, case_id)
        found = evidence.gather(connection, case_id, cipher=request.app.state.cipher)
        AuditLog(connection).append(at=moment, actor=session.user.username, action="legal_case.evidence_pack",
                                    subject_type="legal_case", subject_id=str(case_id),
                                    details={"account_id": int(found.case["account_id"])})  # fmt: skip
    zone, said = ZoneInfo(settings.timezone), environment(lang).filters["code"]
    doc = evidence.document(found, lang="zh" if lang == "zh_CN" else "en", font=font,
                            generated=moment.astimezone(zone), label=said)  # fmt: skip
    pdf = evidence.render(doc, font_dir=settings.letter_font_dir, day=moment.astimezone(zone).date())
    headers = {"Content-Disposition": f'attachment; filename="evidence-{case_id}.pdf"',
               "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}  # fmt: skip
    return Response(pdf, media_type="application/pdf", headers=headers)


@router.post("/legal/cases/{case_id:id}/steps")
async def record_step(request: Request, case_id: int, session: Officer) -> Response:
    return await _post(request, session, case_id, "step")


@router.post("/legal/cases/{case_id:id}/letter")
async def issue_letter(request: Request, case_id: int, session: Officer) -> Response:
    """Issues the case's lawyer's letter (queued for the print run of the business date)."""
    return await _post(request, session, case_id, "letter")


@router.post("/legal/cases/{case_id:id}/costs")
async def add_cost(request: Request, case_id: int, session: Officer) -> Response:
    return await _post(request, session, case_id, "cost")


@router.post("/legal/cases/{case_id:id}/firm")
async def assign_firm(request: Request, case_id: int, session: Legal) -> Response:
    return await _post(request, session, case_id, "firm")
