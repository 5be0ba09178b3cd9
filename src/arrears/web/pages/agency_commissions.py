"""Agency commission statements (``commission:review``): ``/agencies/commissions``, the statements by month
and agency with their status and totals, links to their CSV and PDF, and the form that makes a month's
statements; ``/agencies/commissions/{id}``, one statement with its breakdown by rate band, what the
month still lacked (provisional, unposted gateway payments, unrated payments), the agency's schedule,
and the review (``commission:review``) and approval (``commission:approve``, never by the reviewer)
buttons. Each change runs in one audited transaction; a refused one answers 422 (409 when the statement
changed meanwhile, or its files no longer match their SHA-256) with the reason on the page. The files
are read back against their SHA-256 before they are served (the download audited)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from arrears.agencies import commission
from arrears.agencies.commission_files import FileChanged
from arrears.agencies.commission_rules import UNRATED, parse_month
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.users.permissions import allowed
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import said
from arrears.web.labels import N_
from arrears.web.pages.workspace import NotInScope, form_fields

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[sessions.Session, Depends(signed_in("commission:review"))]
Approver = Annotated[sessions.Session, Depends(signed_in("commission:review", "commission:approve"))]
NOTICES = {
    "made": N_("The statements are made: drafts waiting for review."),
    "reviewed": N_("The statement is marked reviewed: another person approves it."),
    "approved": N_("The statement is approved."),
}
KINDS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}


def _list_page(request: Request, *, status_code: int = 200, **more: Any) -> HTMLResponse:
    text = request.query_params.get("month", "")
    try:
        month = parse_month(text) if text.strip() else None
    except ArrearsError as problem:
        month, more = None, more | {"error": said(locale(request), "commission", problem)}
        status_code = 422
    with request.app.state.engine.connect() as connection:
        shown = commission.listing(connection, month=month)
    notice = NOTICES.get(request.query_params.get("done", ""))
    default = work_day(request).date.replace(day=1)
    return page(
        request,
        "agency_commissions.html",
        status_code=status_code,
        month=month,
        default=default,
        notice=notice,
        **shown,
        **more,
    )


@router.get("/agencies/commissions", response_class=HTMLResponse)
def commissions_page(request: Request, session: Reviewer) -> HTMLResponse:
    return _list_page(request)


def _make(request: Request, session: sessions.Session, form: dict[str, str]) -> Response:
    """Prepared on a read connection (no write lock while the month is read), recorded in one audit
    transaction."""
    settings, engine, moment = request.app.state.settings, request.app.state.engine, now()
    zone = ZoneInfo(settings.timezone)
    agency = form.get("agency", "").strip() or None
    try:
        month = parse_month(form.get("month", ""))
        with engine.connect() as connection:
            prepared = commission.prepare(
                connection,
                month=month,
                as_of=work_day(request).date,
                zone=zone,
                data_dir=settings.data_dir,
                font_dir=settings.letter_font_dir,
                made_at=moment.astimezone(zone),
                agency_code=agency,
            )
        with audit_transaction(engine) as connection:
            commission.record(connection, prepared.statements, by=session.user.username, now=moment)
    except ArrearsError as problem:
        status = 409 if isinstance(problem, commission.StatementMoved) else 422
        return _list_page(
            request, status_code=status, error=said(locale(request), "commission", problem), typed=form
        )
    return RedirectResponse(f"/agencies/commissions?month={month:%Y-%m}&done=made", status_code=303)


@router.post("/agencies/commissions")
async def make_statements(request: Request, session: Reviewer) -> Response:
    """The month's statements (every agency that held an account, or the one named), made again where
    not approved."""
    form = await form_fields(request)
    return await run_in_threadpool(_make, request, session, form)


def _statement_page(
    request: Request, session: sessions.Session, statement_id: int, *, status_code: int = 200, **more: Any
) -> HTMLResponse:
    try:
        with request.app.state.engine.connect() as connection:
            shown = commission.statement_view(connection, statement_id)
    except NotFound:
        raise NotInScope() from None
    notice = NOTICES.get(request.query_params.get("done", ""))
    may_approve = (
        allowed(session.user.role, commission.APPROVE) and shown["reviewed_by_id"] != session.user.id
    )
    return page(
        request,
        "agency_commission.html",
        status_code=status_code,
        statement=shown,
        notice=notice,
        may_approve=may_approve,
        unrated_codes=UNRATED,
        **more,
    )


@router.get("/agencies/commissions/{statement_id:id}", response_class=HTMLResponse)
def statement_page(request: Request, session: Reviewer, statement_id: int) -> HTMLResponse:
    return _statement_page(request, session, statement_id)


def _decide(request: Request, session: sessions.Session, statement_id: int, what: str) -> Response:
    settings = request.app.state.settings
    try:
        with audit_transaction(request.app.state.engine) as connection:
            decide = commission.review if what == "reviewed" else commission.approve
            decide(
                connection, statement_id=statement_id, by=session.user, now=now(), data_dir=settings.data_dir
            )
    except NotFound:
        raise NotInScope() from None
    except ArrearsError as problem:
        status = 409 if isinstance(problem, commission.StatementMoved | FileChanged) else 422
        return _statement_page(
            request,
            session,
            statement_id,
            status_code=status,
            error=said(locale(request), "commission", problem),
        )
    return RedirectResponse(f"/agencies/commissions/{statement_id}?done={what}", status_code=303)


@router.post("/agencies/commissions/{statement_id:id}/review")
async def review(request: Request, session: Reviewer, statement_id: int) -> Response:
    await form_fields(request)
    return await run_in_threadpool(_decide, request, session, statement_id, "reviewed")


@router.post("/agencies/commissions/{statement_id:id}/approve")
async def approve(request: Request, session: Approver, statement_id: int) -> Response:
    await form_fields(request)
    return await run_in_threadpool(_decide, request, session, statement_id, "approved")


@router.get("/agencies/commissions/{statement_id:id}/statement.csv", response_model=None)
def download_csv(request: Request, session: Reviewer, statement_id: int) -> Response:
    return _download(request, session, statement_id, "csv")


@router.get("/agencies/commissions/{statement_id:id}/statement.pdf", response_model=None)
def download_pdf(request: Request, session: Reviewer, statement_id: int) -> Response:
    return _download(request, session, statement_id, "pdf")


def _download(request: Request, session: sessions.Session, statement_id: int, kind: str) -> Response:
    """The statement's CSV or PDF, read back against its SHA-256 first (409 when it no longer matches);
    the download audited (``commission.downloaded``)."""
    data_dir = request.app.state.settings.data_dir
    try:
        with audit_transaction(request.app.state.engine) as connection:
            path, name = commission.statement_file(
                connection, statement_id=statement_id, kind=kind, data_dir=data_dir
            )
            AuditLog(connection).append(
                at=now(),
                actor=session.user.username,
                action="commission.downloaded",
                subject_type="commission_statement",
                subject_id=str(statement_id),
                details={"kind": kind},
            )
    except NotFound:
        raise NotInScope() from None
    except FileChanged as problem:
        return _statement_page(
            request,
            session,
            statement_id,
            status_code=409,
            error=said(locale(request), "commission", problem),
        )
    headers = {
        "Content-Disposition": f'attachment; filename="{name}"',
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    }
    return FileResponse(path, media_type=KINDS[kind], headers=headers)
