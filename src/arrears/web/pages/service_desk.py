"""The service desk's pages: the desk (``/service-desk``: open cases by deadline, breached, at risk, mine,
escalated, unassigned, resolved; the figures and the complaints per staff member), one case
(``/service-desk/cases/{id}``: the clock, the holds, notes, assignment, the resolution, the response
letter, closure), and logging a case from the account's case page (a call, a letter, an e-mail, a
regulator referral). Working needs ``service:work``; logging ``service:log``; every case's account must
be in the user's scope (404 otherwise). Each step runs in one audited transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, parse_id
from arrears.kit.money import parse_amount_fen
from arrears.servicedesk import desk, work
from arrears.servicedesk.categories import (
    CATEGORIES,
    KINDS,
    OUTCOMES,
    REMEDIES,
    STAFF_CHANNELS,
    name,
    outcome_name,
    parse_case_number,
)
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.reply import queue_response_letter
from arrears.servicedesk.repository import ServiceRepository
from arrears.servicedesk.rules import Intake, Resolution
from arrears.users.scope import may_open
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.desk_cache import FIGURES_SECONDS, cached, desk_counts
from arrears.web.form_errors import FORMS, refusal
from arrears.web.pages.workspace import NotInScope, case_with_error, form_fields

router = APIRouter(include_in_schema=False)
Worker = Annotated[sessions.Session, Depends(signed_in("account:read", "service:work"))]
Logger = Annotated[sessions.Session, Depends(signed_in("account:read", "service:log"))]


def _named(request: Request) -> Callable[[str | None], str]:
    lang = locale(request)
    return lambda code: name(code, lang)


@router.get("/service-desk", response_class=HTMLResponse)
def desk_page(request: Request, session: Worker, tab: str = "due", page_no: int = 1, q: str = "") -> Response:
    setup, moment = request.app.state.desk, now()
    if q.strip():
        return _found(request, session, q)
    with request.app.state.engine.connect() as connection:
        counts = desk_counts(request, connection, session.user, moment, (*desk.SHARED, "escalated"))
        shown = desk.desk_page(connection, user=session.user, setup=setup, now=moment, tab=tab, page=page_no,
                               counts=counts)  # fmt: skip
        figures = cached(request, ("figures",), FIGURES_SECONDS, lambda: desk.figures(connection, now=moment))
        staff = ServiceRepository(connection).desk_members()
    return page(request, "service_desk.html", desk=shown, figures=figures, named=_named(request),
                notice=request.query_params.get("done"), staff=staff)  # fmt: skip


def _found(request: Request, session: sessions.Session, text: str) -> Response:
    """A case by its number (KF-000042) or an account by its number: its page; else the desk saying so."""
    case_id = parse_case_number(text)
    with request.app.state.engine.connect() as connection:
        repository = ServiceRepository(connection)
        found = repository.case(case_id) if case_id is not None else None
        if found is not None and may_open(connection, session.user, int(found["account_id"])):
            return RedirectResponse(f"/service-desk/cases/{case_id}", status_code=303)
        account_id = repository.account_by_number(text.strip()[:64])
        if account_id is not None and may_open(connection, session.user, account_id):
            return RedirectResponse(f"/cases/{account_id}#service-cases", status_code=303)
    return RedirectResponse("/service-desk?done=not_found", status_code=303)


def _in_scope(connection: Connection, session: sessions.Session, case_id: int) -> int:
    account_id = work.case_account(connection, case_id)
    if not may_open(connection, session.user, account_id):
        raise NotInScope()
    return account_id


def _case_page(request: Request, session: sessions.Session, case_id: int, **more: Any) -> HTMLResponse:
    setup, moment = request.app.state.desk, now()
    with request.app.state.engine.connect() as connection:
        _in_scope(connection, session, case_id)
        shown = desk.case_view(connection, case_id=case_id, user=session.user, setup=setup,
                               cipher=request.app.state.cipher, now=moment)  # fmt: skip
        staff = ServiceRepository(connection).desk_members()
    lang = locale(request)
    return page(request, "service_case.html", case=shown, named=_named(request), staff=staff,
                outcome_named=lambda kind, code: outcome_name(kind, code, lang),
                outcomes=OUTCOMES, remedies=REMEDIES, notice=request.query_params.get("done"),
                status_code=422 if more.get("error") else 200, **more)  # fmt: skip


@router.get("/service-desk/cases/{case_id:id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: int, session: Worker) -> HTMLResponse:
    return _case_page(request, session, case_id)


Step = Callable[[Connection, dict[str, str]], object]


async def _step(request: Request, session: sessions.Session, case_id: int, done: str, step: Step) -> Response:
    posted = await request.form()
    form = {key: value for key, value in posted.items() if isinstance(value, str)}
    ticked = [str(value) for value in posted.getlist("remedies")]
    if form.get("form") not in FORMS:
        form["form"] = "note" if done == "noted" else ("assign" if done == "assigned" else "resolve")
    return await run_in_threadpool(_run_step, request, session, case_id, done, step, form, ticked)


def _run_step(
    request: Request, session: sessions.Session, case_id: int, done: str, step: Step, form: dict[str, str],
    ticked: list[str],
) -> Response:  # fmt: skip
    try:
        with audit_transaction(request.app.state.engine) as connection:
            _in_scope(connection, session, case_id)
            step(connection, form)
    except NotInScope:
        raise
    except ArrearsError as problem:
        shown = refusal(locale(request), form.get("form", "note"), form, problem)
        return _case_page(request, session, case_id, error=shown.message, typed=form, error_field=shown.field,
                          ticked=ticked)  # fmt: skip
    request.app.state.desk_cache.clear()  # this process's counts show the change at once
    return RedirectResponse(f"/service-desk/cases/{case_id}?done={done}", status_code=303)


@router.post("/service-desk/cases/{case_id:id}/acknowledge")
async def acknowledge(request: Request, case_id: int, session: Worker) -> Response:
    return await _step(request, session, case_id, "acknowledged", lambda connection, form: work.acknowledge(
        connection, case_id=case_id, by=session.user, now=now()))  # fmt: skip


@router.post("/service-desk/cases/{case_id:id}/assign")
async def assign(request: Request, case_id: int, session: Worker) -> Response:
    def step(connection: Connection, form: dict[str, str]) -> object:
        target = parse_id(form.get("assignee", ""), field="assignee")
        work.assign(connection, case_id=case_id, to_user_id=target, by=session.user, now=now())
        return None

    return await _step(request, session, case_id, "assigned", step)


@router.post("/service-desk/cases/{case_id:id}/notes")
async def note(request: Request, case_id: int, session: Worker) -> Response:
    return await _step(request, session, case_id, "noted", lambda connection, form: work.add_note(
        connection, case_id=case_id, text=form.get("text", ""), kind=form.get("kind", "note"),
        by=session.user, cipher=request.app.state.cipher, now=now()))  # fmt: skip


@router.post("/service-desk/cases/{case_id:id}/resolve")
async def resolve(request: Request, case_id: int, session: Worker) -> Response:
    form_data = await request.form()
    remedies = tuple(str(value) for value in form_data.getlist("remedies"))

    def step(connection: Connection, form: dict[str, str]) -> object:
        refund = form.get("refund", "").strip()
        resolution = Resolution(form.get("outcome", ""), remedies, form.get("text", ""),
                                parse_amount_fen(refund, field="refund") if refund else None)  # fmt: skip
        return work.resolve(connection, case_id=case_id, resolution=resolution, by=session.user,
                            cipher=request.app.state.cipher, now=now())  # fmt: skip

    return await _step(request, session, case_id, "resolved", step)


@router.post("/service-desk/cases/{case_id:id}/letter")
async def letter(request: Request, case_id: int, session: Worker) -> Response:
    zone = request.app.state.desk.zone
    return await _step(request, session, case_id, "letter", lambda connection, form: queue_response_letter(
        connection, case_id=case_id, by=session.user, zone=zone, now=now()))  # fmt: skip


@router.post("/service-desk/cases/{case_id:id}/close")
async def close(request: Request, case_id: int, session: Worker) -> Response:
    return await _step(request, session, case_id, "closed", lambda connection, form: work.close(
        connection, case_id=case_id, by=session.user, now=now()))  # fmt: skip


def _intake(form: dict[str, str]) -> Intake:
    kind, _, category = form.get("kind_category", "").partition(":")
    if kind not in KINDS or category not in CATEGORIES[kind]:
        raise InvalidField("kind_category", "choose what the cardholder raises", "请选择持卡人反映的事项")
    channel = form.get("channel", "")
    if channel not in STAFF_CHANNELS:
        raise InvalidField("channel", "choose how it came in", "请选择来源渠道")
    amount = form.get("amount", "").strip()
    involved = form.get("involved_user", "").strip()
    return Intake(
        kind, category, channel, form.get("summary", ""),
        parse_amount_fen(amount, field="amount") if amount else None,
        regulator=channel == "regulator", regulator_ref=form.get("regulator_ref") or None,
        involved_user_id=parse_id(involved, field="involved_user") if involved else None,
        involved_agency=form.get("involved_agency") or None,
    )  # fmt: skip


@router.post("/cases/{account_id:id}/service-cases")
async def log_case(request: Request, account_id: int, session: Logger) -> Response:
    form = await form_fields(request)
    return await run_in_threadpool(_log_case, request, session, account_id, form)


def _log_case(request: Request, session: sessions.Session, account_id: int, form: dict[str, str]) -> Response:
    try:
        with audit_transaction(request.app.state.engine) as connection:
            if not may_open(connection, session.user, account_id):
                raise NotInScope()
            opened = open_case(connection, account_id=account_id, intake=_intake(form),
                               actor=f"user:{session.user.id}", user_id=session.user.id,
                               setup=request.app.state.desk, cipher=request.app.state.cipher,
                               now=now())  # fmt: skip
    except NotInScope:
        raise
    except ArrearsError as problem:
        return case_with_error(
            request, session, account_id, refusal(locale(request), "service", form, problem)
        )
    request.app.state.desk_cache.clear()
    if work.may_work(session.user):
        return RedirectResponse(f"/service-desk/cases/{opened.id}?done=opened", status_code=303)
    return RedirectResponse(f"/cases/{account_id}?done=service_case", status_code=303)
