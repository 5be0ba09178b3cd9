"""The case page's contact actions: the check before dialling, SMS, callbacks, visit and legal-review
requests, holds; and the start page's callbacks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.audit.repository import audit_transaction
from arrears.contacts import callbacks, case_requests, holds, sms
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import RecordId, parse_id, parse_moment
from arrears.users.scope import may_open
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.form_errors import refusal
from arrears.web.pages.workspace import NotInScope, case_with_error, dialling_check, form_fields

router = APIRouter(include_in_schema=False)


def Session(permission: str) -> Any:
    return Annotated[sessions.Session, Depends(signed_in(permission))]


Checker = Annotated[sessions.Session, Depends(signed_in("compliance:check", "account:read"))]
Texter = Annotated[sessions.Session, Depends(signed_in("sms:send"))]
Scheduler = Annotated[sessions.Session, Depends(signed_in("callback:schedule"))]
VisitRequester = Annotated[sessions.Session, Depends(signed_in("visit:request"))]
LegalRequester = Annotated[sessions.Session, Depends(signed_in("legal:request"))]
HoldKeeper = Annotated[sessions.Session, Depends(signed_in("hold:manage"))]
SMS_LOCALE = "zh"  # the cardholders' language, as the daily run writes; the page's language does not decide


def _zone(request: Request) -> str:
    zone: str = request.app.state.settings.timezone
    return zone


@router.get("/cases/{account_id:id}/call-check", response_class=HTMLResponse)
def call_check_fragment(
    request: Request, account_id: int, session: Checker, contact_point_id: RecordId | None = None
) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        if not may_open(connection, session.user, account_id):
            raise NotInScope()
        try:
            check = dialling_check(connection, request, account_id, contact_point_id, session.user.id)
        except ArrearsError as problem:
            message = problem.message(locale(request))  # its own name: a page's ``error`` is not the check's
            return page(request, "_call_check.html", call_check=None, check_error=message)
    return page(request, "_call_check.html", call_check=check)


Action = Callable[[Connection], object]


def _act(
    request: Request,
    session: sessions.Session,
    account_id: int,
    done: str,
    action: Action,
    *,
    audited: bool = False,
    form: tuple[str, dict[str, str]] | None = None,
) -> Response:
    """Runs ``action`` on the account in one transaction; back to the case page with ``done``, or with
    the error (in the ``form`` that was sent, named and what was typed, when one is given)."""
    opened = audit_transaction(request.app.state.engine) if audited else request.app.state.engine.begin()
    try:
        with opened as connection:
            if not may_open(connection, session.user, account_id):
                raise NotInScope()
            action(connection)
    except ArrearsError as problem:
        lang = locale(request)
        shown = refusal(lang, form[0], form[1], problem) if form else problem.message(lang)
        return case_with_error(request, session, account_id, shown)
    return RedirectResponse(f"/cases/{account_id}?done={done}", status_code=303)


@router.post("/cases/{account_id:id}/sms/preview", response_class=HTMLResponse)
async def sms_preview(request: Request, account_id: int, session: Texter) -> HTMLResponse:
    form = await form_fields(request)
    with request.app.state.engine.connect() as connection:
        if not may_open(connection, session.user, account_id):
            raise NotInScope()
        try:
            shown = sms.preview(connection, account_id=account_id, template=form.get("template", ""),
                                hotline=request.app.state.settings.sms_hotline)  # fmt: skip
        except ArrearsError as problem:
            return page(request, "_sms_preview.html", error=problem.message(locale(request)))
    return page(request, "_sms_preview.html", texts=shown["texts"], chosen=form.get("locale", SMS_LOCALE))


@router.post("/cases/{account_id:id}/sms")
async def sms_send(request: Request, account_id: int, session: Texter) -> Response:
    form = await form_fields(request)
    settings = request.app.state.settings
    return _act(request, session, account_id, "sms", lambda connection: sms.send(
        connection, account_id=account_id, template=form.get("template", ""), user_id=session.user.id,
        policy=request.app.state.policy, zone=settings.timezone, now=now(), hotline=settings.sms_hotline,
        locale=form.get("locale", SMS_LOCALE), request_key=form.get("request_key") or None,
    ), form=("sms", form))  # fmt: skip


def _local_time(request: Request, text: str, field: str) -> datetime:
    """A ``datetime-local`` field's value, in the cardholders' time zone; InvalidField naming ``field``
    for one that is not a time or outside the supported dates."""
    moment = parse_moment(text, field=field)
    return moment.replace(tzinfo=ZoneInfo(_zone(request))) if moment.tzinfo is None else moment


@router.post("/cases/{account_id:id}/callbacks")
async def callback_schedule(request: Request, account_id: int, session: Scheduler) -> Response:
    form = await form_fields(request)

    def schedule(connection: Connection) -> object:
        due_at = _local_time(request, form.get("due_at", ""), "due_at")
        return callbacks.schedule_callback(
            connection, account_id=account_id, user_id=session.user.id, due_at=due_at,
            policy=request.app.state.policy, zone=_zone(request), now=now(),
            note=form.get("note") or None)  # fmt: skip

    return _act(request, session, account_id, "callback", schedule, form=("callback", form))


@router.post("/callbacks/{callback_id:id}/done")
def callback_done(request: Request, callback_id: int, session: Scheduler) -> Response:
    try:
        with request.app.state.engine.begin() as connection:
            callbacks.complete_callback(connection, callback_id=callback_id, user_id=session.user.id)
    except ArrearsError:  # another user's, or not open any more
        raise NotInScope() from None
    return RedirectResponse("/", status_code=303)


async def _request(request: Request, session: sessions.Session, account_id: int, kind: str) -> Response:
    form = await form_fields(request)
    return _act(request, session, account_id, kind, lambda connection: case_requests.request_case(
        connection, account_id=account_id, kind=kind, reason=form.get("reason", ""), user_id=session.user.id,
        policy=request.app.state.policy, now=now()))  # fmt: skip


@router.post("/cases/{account_id:id}/requests/visit")
async def request_visit(request: Request, account_id: int, session: VisitRequester) -> Response:
    return await _request(request, session, account_id, "visit")


@router.post("/cases/{account_id:id}/requests/legal-review")
async def request_legal_review(request: Request, account_id: int, session: LegalRequester) -> Response:
    return await _request(request, session, account_id, "legal_review")


@router.post("/cases/{account_id:id}/holds")
async def hold_place(request: Request, account_id: int, session: HoldKeeper) -> Response:
    form = await form_fields(request)

    def place(connection: Connection) -> object:
        expires = form.get("expires_at")
        return holds.place_hold(
            connection, account_id=account_id, kind=form.get("kind", ""), reason=form.get("reason", ""),
            user_id=session.user.id, actor=session.user.username, role=session.user.role, now=now(),
            expires_at=_local_time(request, expires, "expires_at") if expires else None)  # fmt: skip

    return _act(request, session, account_id, "hold", place, audited=True, form=("hold", form))


@router.post("/holds/{hold_id:id}/lift")
async def hold_lift(request: Request, hold_id: int, session: HoldKeeper) -> Response:
    form = await form_fields(request)
    account_id = parse_id(form.get("account_id", ""), field="account_id")
    with request.app.state.engine.connect() as connection:
        if account_id not in holds.hold_accounts(connection, hold_id):
            raise NotInScope()
    return _act(request, session, account_id, "hold_lifted", lambda connection: holds.lift_hold(
        connection, hold_id=hold_id, reason=form.get("reason", ""), user_id=session.user.id,
        actor=session.user.username, role=session.user.role, now=now()), audited=True)  # fmt: skip
