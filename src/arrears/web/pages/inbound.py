"""The inbound call view (``/service/inbound``) for customer service: find who is calling (an account
number, a phone number, a national ID or its last 4 or 6 characters; searched by POST, so no number is
written in a URL or an access log), check their identity against the record (name, the ID's last
characters, date of birth: compared on the server, the record never shown), see what they owe (the
portal's figures, ``portal.owed``), their plans and service cases, and log the call as an inbound call:
any hour, not counted against the outbound caps; the debt only for the verified cardholder, no promise
under a hold that pauses collection (``contacts.inbound_rules``). Needs ``account:read``, ``contact:log``
and ``service:log``; a promise also ``promise:take``. The account must be in the user's scope (404)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Connection

from arrears.accounts.free_text import mask_for_account
from arrears.arrangements.repository import PlanRepository
from arrears.audit.repository import audit_transaction
from arrears.contacts.call_rules import CallLimits
from arrears.contacts.inbound import call_guidance, caller, check_caller, find_callers, log_inbound
from arrears.contacts.inbound_repository import InboundRepository
from arrears.contacts.inbound_rules import (
    INBOUND_OUTCOMES,
    NOT_CHECKED,
    Claimed,
    InboundCall,
    Verification,
    id_tail,
)
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, parse_day, parse_id
from arrears.kit.money import parse_amount_fen
from arrears.models import DELINQUENCY_REASONS
from arrears.portal.owed import owed
from arrears.servicedesk.categories import name as service_name
from arrears.servicedesk.desk import cases_of_account
from arrears.users.permissions import allowed, require
from arrears.users.scope import may_open
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.desk_cache import desk_counts
from arrears.web.i18n import gettext
from arrears.web.labels import N_
from arrears.web.pages.my_owe import cardholders_today, payment_order
from arrears.web.pages.workspace import NotInScope

router = APIRouter(include_in_schema=False)
Agent = Annotated[sessions.Session, Depends(signed_in("account:read", "contact:log", "service:log"))]
FOUND_BY = {
    "account_no": N_("account number"),
    "phone": N_("phone number"),
    "national_id": N_("national ID"),
    "id_tail": N_("end of the national ID"),
}
CHECKS = {
    "match": N_("matches"),
    "mismatch": N_("does not match"),
    "not_given": N_("not asked"),
    "not_on_file": N_("not on file"),
}
OUTCOMES = {
    "right_party": N_("Spoke with the cardholder"),
    "promise": N_("Promise to pay"),
    "third_party": N_("Someone else called"),
}
MAX_NAME = 200


@router.get("/service/inbound", response_class=HTMLResponse)
def inbound_page(request: Request, session: Agent) -> HTMLResponse:
    return _find_page(request, session, matches=None, typed="")


def _find_page(
    request: Request, session: sessions.Session, *, status_code: int = 200, **more: Any
) -> HTMLResponse:
    """The search, with the agent's day beside it: the inbound calls they logged since the cardholders'
    midnight and, for a desk worker, their service desk's counts."""
    moment = now()
    zone = ZoneInfo(request.app.state.settings.timezone)
    midnight = datetime.combine(cardholders_today(request), time(0), zone)
    with request.app.state.engine.connect() as connection:
        taken = InboundRepository(connection).calls_taken(session.user.id, since=midnight)
        desk = (
            desk_counts(request, connection, session.user, moment, ("mine", "escalated", "breached"))
            if allowed(session.user.role, "service:work")
            else None
        )
    return page(
        request,
        "inbound_find.html",
        status_code=status_code,
        found_by=FOUND_BY,
        taken=taken,
        desk=desk,
        outcomes=OUTCOMES,
        **more,
    )


@router.post("/service/inbound/find", response_class=HTMLResponse)
async def find(request: Request, session: Agent) -> HTMLResponse:
    form = await _form(request)
    return await run_in_threadpool(_find, request, session, form.get("q", ""))


def _find(request: Request, session: sessions.Session, typed: str) -> HTMLResponse:
    try:
        with request.app.state.engine.connect() as connection:
            found = find_callers(connection, request.app.state.cipher, typed)
            matches = [one for one in found if may_open(connection, session.user, one.account_id)]
    except ArrearsError as problem:
        return _find_page(
            request,
            session,
            status_code=422,
            matches=None,
            typed=typed[:64],
            error=problem.message(locale(request)),
        )
    return _find_page(request, session, matches=matches, typed=typed)


async def _form(request: Request) -> dict[str, str]:
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


def _via(text: str | None) -> int | None:
    return parse_id(text, field="via") if text and text.strip() else None


def _claimed(form: dict[str, str]) -> Claimed:
    name = form.get("name", "").strip()
    if len(name) > MAX_NAME:
        raise InvalidField("name", f"at most {MAX_NAME} characters", f"不能超过 {MAX_NAME} 个字符")
    born = form.get("birth_date", "").strip()
    return Claimed(
        name, id_tail(form.get("id_tail", "")), parse_day(born, field="birth_date") if born else None
    )


def _view(
    request: Request,
    session: sessions.Session,
    account_id: int,
    *,
    via: int | None,
    verification: Verification = NOT_CHECKED,
    status_code: int = 200,
    **more: Any,
) -> HTMLResponse:
    """The call view: the caller (masked), the identity check, the rulebook's guidance, what is owed, the
    plans, the service cases, the last inbound calls, and the form to log this one."""
    moment, today = now(), cardholders_today(request)
    with request.app.state.engine.connect() as connection:
        if not may_open(connection, session.user, account_id):
            raise NotInScope()
        who = caller(connection, account_id=account_id, via=via)
        guide, holds = call_guidance(
            connection,
            request.app.state.policy,
            account_id=account_id,
            user_id=session.user.id,
            verified=verification.passed,
            at=moment,
        )
        figures = owed(connection, account_id=account_id, today=today, order=payment_order(request))
        context = {
            "plans": _plans(connection, request, account_id),
            "service_cases": cases_of_account(
                connection, account_id=account_id, setup=request.app.state.desk, now=moment
            ),
            "calls": InboundRepository(connection).inbound_calls(account_id),
        }
    lang = locale(request)
    return page(
        request,
        "inbound.html",
        status_code=status_code,
        who=who,
        verification=verification,
        guide=guide,
        holds=holds,
        owed=figures,
        checks=CHECKS,
        outcomes=OUTCOMES,
        outcome_codes=INBOUND_OUTCOMES,
        reasons=DELINQUENCY_REASONS,
        service_named=lambda code: service_name(code, lang),
        notice=request.query_params.get("done"),
        typed=more.pop("typed", {}),
        **context,
        **more,
    )


def _plans(connection: Connection, request: Request, account_id: int) -> list[Any]:
    plans = PlanRepository(connection).plans_of_account(account_id)
    return mask_for_account(
        connection, plans, ["comment"], account_id=account_id, cipher=request.app.state.cipher
    )


@router.get("/service/inbound/{account_id:id}", response_class=HTMLResponse)
def call_view(request: Request, account_id: int, session: Agent, via: str = "") -> HTMLResponse:
    return _view(request, session, account_id, via=_via(via))


@router.post("/service/inbound/{account_id:id}/verify", response_class=HTMLResponse)
async def verify_caller(request: Request, account_id: int, session: Agent) -> HTMLResponse:
    form = await _form(request)
    return await run_in_threadpool(_verify, request, session, account_id, form)


def _verify(
    request: Request, session: sessions.Session, account_id: int, form: dict[str, str]
) -> HTMLResponse:
    """The identity checks' results (nothing is written: the check is recorded with the call)."""
    via = _via(form.get("via"))
    try:
        claimed = _claimed(form)
        with request.app.state.engine.connect() as connection:
            if not may_open(connection, session.user, account_id):
                raise NotInScope()
            verification = check_caller(
                connection, request.app.state.cipher, account_id=account_id, claimed=claimed
            )
    except ArrearsError as problem:
        return _view(
            request,
            session,
            account_id,
            via=via,
            status_code=422,
            typed=form,
            error=problem.message(locale(request)),
            error_field=getattr(problem, "field", None),
        )
    typed = {key: value for key, value in form.items() if key != "party"}  # chosen again from the result
    return _view(request, session, account_id, via=via, verification=verification, typed=typed)


def _call(form: dict[str, str], via: int | None) -> InboundCall:
    promise = None
    if form.get("promise_amount", "").strip():
        promise = {
            "amount_fen": parse_amount_fen(form["promise_amount"], field="promise_amount"),
            "promised_date": parse_day(form.get("promise_date", ""), field="promise_date"),
        }
    return InboundCall.model_validate(
        {
            "party": form.get("party", ""),
            "outcome": form.get("outcome", ""),
            "reason": form.get("reason") or None,
            "notes": form.get("notes") or None,
            "promise": promise,
            "contact_point_id": via,
        }
    )


@router.post("/service/inbound/{account_id:id}/contact", response_class=HTMLResponse)
async def log_contact(request: Request, account_id: int, session: Agent) -> Response:
    form = await _form(request)
    return await run_in_threadpool(_log, request, session, account_id, form)


def _log(request: Request, session: sessions.Session, account_id: int, form: dict[str, str]) -> Response:
    via = _via(form.get("via"))
    verification = NOT_CHECKED
    try:
        claimed = _claimed(form)
        call = _call(form, via)
        if call.promise is not None:
            require(session.user.role, "promise:take")
        with audit_transaction(request.app.state.engine) as connection:
            if not may_open(connection, session.user, account_id):
                raise NotInScope()
            verification = check_caller(
                connection, request.app.state.cipher, account_id=account_id, claimed=claimed
            )
            log_inbound(
                connection,
                account_id=account_id,
                user_id=session.user.id,
                actor=session.user.username,
                call=call,
                claimed=claimed,
                cipher=request.app.state.cipher,
                policy=request.app.state.policy,
                now=now(),
                limits=CallLimits.of(request.app.state.settings),
            )
    except ValidationError as problem:
        return _refused(request, session, account_id, via, verification, form, _validation(problem, request))
    except ArrearsError as problem:
        field = getattr(problem, "field", None)
        return _refused(
            request, session, account_id, via, verification, form, (field, problem.message(locale(request)))
        )
    suffix = f"&via={via}" if via else ""
    return RedirectResponse(f"/service/inbound/{account_id}?done=logged{suffix}", status_code=303)


def _validation(problem: ValidationError, request: Request) -> tuple[str | None, str]:
    error = problem.errors()[0]
    cause = error.get("ctx", {}).get("error")
    lang = locale(request)
    if isinstance(cause, ArrearsError):
        return getattr(cause, "field", None), cause.message(lang)
    field = ".".join(str(part) for part in error["loc"]) or None
    return field, gettext(lang, "%(field)s: this value is not valid.", field=field or "-")


def _refused(
    request: Request,
    session: sessions.Session,
    account_id: int,
    via: int | None,
    verification: Verification,
    form: dict[str, str],
    problem: tuple[str | None, str],
) -> HTMLResponse:
    field, message = problem
    return _view(
        request,
        session,
        account_id,
        via=via,
        verification=verification,
        status_code=422,
        typed=form,
        error=message,
        error_field=field,
    )
