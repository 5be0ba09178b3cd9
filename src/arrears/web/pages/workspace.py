"""The collector's workspace: the start page, the next case, the case file and logging a call."""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import Connection

from arrears.accounts.case_file import case_file
from arrears.accounts.free_text import mask_for_account, mask_rows
from arrears.accounts.repository import accounts_numbered
from arrears.accounts.reveal import reveal
from arrears.arrangements.repository import PlanRepository
from arrears.audit.repository import audit_transaction
from arrears.contacts import hold_rules
from arrears.contacts.call_rules import CallLimits
from arrears.contacts.calls import CallLog, log_call
from arrears.contacts.dialling import call_check
from arrears.contacts.queue import QueueCapReached, claim_next
from arrears.contacts.templates import templates
from arrears.contacts.worklist import placed_with_agency
from arrears.floor.repository import FloorRepository
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField
from arrears.kit.money import parse_amount_fen
from arrears.models import (
    CALL_OUTCOMES,
    CONTACT_PARTIES,
    DELINQUENCY_REASONS,
)
from arrears.portal.offers import preferences
from arrears.portal.requests import requests_for_case
from arrears.scoring.account_scores import latest_score
from arrears.servicedesk import categories as service_categories
from arrears.servicedesk.desk import cases_of_account
from arrears.servicedesk.repository import ServiceRepository
from arrears.users.permissions import allowed, require
from arrears.users.repository import UserRepository
from arrears.users.scope import may_open
from arrears.users.service import StaffUser
from arrears.web import sessions
from arrears.web.charts import bar_chart
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.desk_cache import desk_counts
from arrears.web.dossier_view import dossier_context
from arrears.web.form_errors import Refusal, form_state, refusal
from arrears.web.i18n import gettext
from arrears.web.landing import landing_for
from arrears.web.pages.agenda import agenda_context
from arrears.web.talk_track_view import talk_track_context
from arrears.web.timefmt import zone_of

router = APIRouter(include_in_schema=False)
PHONE_KINDS = ("mobile", "home_phone", "work_phone")  # the order the call form offers them


class NotInScope(Exception):
    """The account does not exist or is outside the user's scope (one 404 for both)."""


Anyone = Annotated[sessions.Session, Depends(signed_in())]
Worker = Annotated[sessions.Session, Depends(signed_in("queue:work"))]
Reader = Annotated[sessions.Session, Depends(signed_in("account:read"))]
Revealer = Annotated[sessions.Session, Depends(signed_in("pii:reveal"))]
Caller = Annotated[sessions.Session, Depends(signed_in("contact:log"))]


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: Anyone) -> Response:
    """The user's first screen: the agenda, or the page the role's day starts with (``landing``)."""
    kind = None
    if session.user.role == "team_lead" and session.user.team_id is not None:
        with request.app.state.engine.connect() as connection:
            kind = UserRepository(connection).team_kind(session.user.team_id)
    elsewhere = landing_for(session.user.role, kind)
    if elsewhere is not None and request.query_params.get("home") != "1":
        return RedirectResponse(elsewhere, status_code=303)
    return _home(request, session)


def _home(request: Request, session: sessions.Session, *, full: str | None = None, status_code: int = 200
          ) -> HTMLResponse:  # fmt: skip
    """The agenda of a user who works the queue (``pages.agenda``); otherwise their callbacks, their
    agency's accounts, the service desk's counts."""
    user, clear, cipher = session.user, allowed(session.user.role, "pii:reveal"), request.app.state.cipher
    work_day(request)  # read before the page's connection is taken
    with request.app.state.engine.connect() as connection:
        context = agenda_context(request, connection, session) if allowed(user.role, "queue:work") else {}
        placed = placed_with_agency(connection, user) if user.role == "agency_user" else []
        mine = [] if context else _callbacks(connection, user, clear=clear, cipher=cipher)
        desk = (
            desk_counts(request, connection, user, now(), ("mine", "escalated", "breached"))
            if allowed(user.role, "service:work")
            else None
        )  # fmt: skip
    empty = request.query_params.get("empty") == "1"
    return page(request, "home.html", status_code=status_code, work={"placed": placed}, callbacks=mine,
                empty=empty, full=full, desk=desk, **context)  # fmt: skip


def _callbacks(connection: Connection, user: StaffUser, *, clear: bool, cipher: FieldCipher) -> list[Any]:
    """The user's open callbacks (soonest first), their notes masked unless ``clear``."""
    if not allowed(user.role, "callback:schedule"):
        return []
    found = FloorRepository(connection).open_callbacks([user.id])
    return found if clear else mask_rows(connection, found, ["note"], cipher=cipher)


@router.post("/queue/next")
def next_case(request: Request, session: Worker) -> Response:
    """Claims the caller's next case (as ``POST /api/v1/queue/next``) and opens it; at the cap of held
    cases, the start page says so (409)."""
    cap = request.app.state.settings.max_held_cases
    try:
        with audit_transaction(request.app.state.engine) as connection:
            claimed = claim_next(connection, user_id=session.user.id, team_id=session.user.team_id,
                                 now=now(), max_held=cap)  # fmt: skip
    except QueueCapReached as held:
        return _home(request, session, full=held.message(locale(request)), status_code=409)
    if claimed is None:
        return RedirectResponse("/?empty=1", status_code=303)
    return RedirectResponse(f"/cases/{claimed['account_id']}", status_code=303)


@router.get("/cases")
def find_case(request: Request, session: Reader, account: str = "") -> Response:
    """Opens the account numbered as typed (trimmed, in any letter case) if it is in the user's scope."""
    with request.app.state.engine.connect() as connection:
        found = next((one for one in accounts_numbered(connection, account)
                      if may_open(connection, session.user, one)), None)  # fmt: skip
    if found is None:
        raise NotInScope()
    return RedirectResponse(f"/cases/{found}", status_code=303)


def dialling_check(
    connection: Connection, request: Request, account_id: int, point: int | None, user_id: int | None
) -> Any:
    """The rulebook's decision on the user calling the number (the primary one by default) now: the
    case page shows it before dialling."""
    return call_check(connection, account_id=account_id, policy=request.app.state.policy,
                      zone=request.app.state.settings.timezone, at=now(), contact_point_id=point,
                      user_id=user_id)  # fmt: skip


def _plans(connection: Connection, request: Request, account_id: int, *, clear_text: bool) -> list[Any]:
    """The account's plans; their decision comments masked unless ``clear_text``."""
    plans = PlanRepository(connection).plans_of_account(account_id)
    if clear_text:
        return plans
    cipher = request.app.state.cipher
    return mask_for_account(connection, plans, ["comment"], account_id=account_id, cipher=cipher)


def case_context(
    connection: Connection, request: Request, session: sessions.Session, account_id: int
) -> dict[str, Any]:
    """Everything the case page shows; NotInScope outside the user's scope."""
    if not may_open(connection, session.user, account_id):
        raise NotInScope()
    clear = allowed(session.user.role, "pii:reveal")  # free text as written; else masked
    found = case_file(connection, account_id, clear_text=clear, cipher=request.app.state.cipher,
                      zone=zone_of(request.app.state.settings, "cardholder"))  # fmt: skip
    if found is None:
        raise NotInScope()
    phones = sorted(
        (point for point in found["customer"]["contact_points"] if point["kind"] in PHONE_KINDS),
        key=lambda point: (PHONE_KINDS.index(point["kind"]), not point["is_primary"], point["id"]),
    )
    history = found["history"]
    return {
        "phones": phones,
        "dpd_chart": bar_chart(
            [str(day["as_of_date"])[5:] for day in history],
            [day["dpd"] for day in history],
            title=gettext(locale(request), "DPD"),
            empty_text="-",
            height=200,
        ),
        "case": found,
        "outcomes": CALL_OUTCOMES,
        "parties": CONTACT_PARTIES,
        "reasons": DELINQUENCY_REASONS,
        "score": latest_score(connection, account_id),
        "plans": _plans(connection, request, account_id, clear_text=clear),
        "hold_kinds": hold_rules.placeable_kinds(session.user.role),
        "portal_requests": requests_for_case(
            connection, account_id=account_id, role=session.user.role, cipher=request.app.state.cipher
        ),
        "service_cases": cases_of_account(
            connection, account_id=account_id, setup=request.app.state.desk, now=now()
        ),
        "service_staff": ServiceRepository(connection).staff_to_name()
        if allowed(session.user.role, "service:log")
        else [],
        "service_agencies": ServiceRepository(connection).agencies()
        if allowed(session.user.role, "service:log")
        else [],
        "service_categories": service_categories.CATEGORIES,
        "service_channels": service_categories.STAFF_CHANNELS,
        "service_named": lambda code: service_categories.name(code, locale(request)),
        "lift_kinds": hold_rules.liftable_kinds(session.user.role),
        "preference": preferences(connection, customer_id=found["customer"]["id"]),
        "sms_templates": list(templates().values()),
        "sms_request_key": secrets.token_urlsafe(16),  # the SMS form's idempotency key (a double click)
        "call_check": dialling_check(
            connection, request, account_id, phones[0]["id"] if phones else None, session.user.id
        )
        if allowed(session.user.role, "compliance:check")
        else None,
        **dossier_context(connection, request, session, found),
        **talk_track_context(connection, request, found),
    }


@router.get("/cases/{account_id:id}", response_class=HTMLResponse)
def case_page(request: Request, account_id: int, session: Reader) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        context = case_context(connection, request, session, account_id)
    notice = request.query_params.get("done")
    return page(request, "case.html", notice=notice, **form_state(None), **context)


@router.post("/cases/{account_id:id}/reveal", response_class=HTMLResponse)
def reveal_personal_data(request: Request, account_id: int, session: Revealer) -> HTMLResponse:
    """The cardholder's personal data in clear, for this user, audited (an htmx fragment)."""
    with audit_transaction(request.app.state.engine) as connection:
        if not may_open(connection, session.user, account_id):
            raise NotInScope()
        revealed = reveal(connection, account_id=account_id, actor=session.user.username,
                          cipher=request.app.state.cipher, now=now())  # fmt: skip
    return page(request, "_revealed.html", revealed=revealed)


def _call_of(form: dict[str, Any]) -> CallLog:
    promise = None
    if form.get("promise_amount"):
        promise = {
            "amount_fen": parse_amount_fen(form["promise_amount"], field="promise_amount"),
            "promised_date": form.get("promise_date"),
        }
    return CallLog.model_validate(
        {"contact_point_id": form.get("contact_point_id") or None, "party": form.get("party", "debtor"),
         "outcome": form.get("outcome"), "conversation": form.get("conversation") == "on",
         "reason": form.get("reason") or None, "notes": form.get("notes") or None, "promise": promise,
         "recording_ref": form.get("recording_ref", "").strip() or None,
         "duration_seconds": _call_seconds(form.get("duration_minutes", ""))}
    )  # fmt: skip


def _call_seconds(minutes: str) -> int | None:
    """A call's length typed in minutes (up to two decimals) as seconds; None when left empty."""
    value = minutes.strip()
    if not value:
        return None
    if re.fullmatch(r"[0-9]{1,4}(\.[0-9]{1,2})?", value) is None:
        raise InvalidField("duration_minutes", "give the length in minutes", "请以分钟填写通话时长")
    return round(float(value) * 60)


@router.post("/cases/{account_id:id}/calls", response_class=HTMLResponse)
async def post_call(request: Request, account_id: int, session: Caller) -> Response:
    """Logs a call (and a promise to pay); back to the case page with the outcome, or the form's error."""
    form, lang = await form_fields(request), locale(request)
    try:
        call = _call_of(form)
        if call.promise is not None:
            require(session.user.role, "promise:take")
        with request.app.state.engine.begin() as connection:
            if not may_open(connection, session.user, account_id):
                raise NotInScope()
            limits = CallLimits.of(request.app.state.settings)
            log_call(connection, account_id=account_id, user_id=session.user.id, call=call, now=now(),
                     limits=limits)  # fmt: skip
    except (ValidationError, ValueError, ArrearsError) as problem:
        return case_with_error(request, session, account_id, refusal(lang, "call", form, problem))
    return RedirectResponse(f"/cases/{account_id}?done=call", status_code=303)


async def form_fields(request: Request) -> dict[str, str]:
    """A posted form's text fields."""
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


def case_with_error(
    request: Request, session: sessions.Session, account_id: int, error: str | Refusal
) -> HTMLResponse:
    """The case page (422) with the error: a form's refusal shown in that form, filled in again with
    what was typed; any other error at the top of the page."""
    refused = error if isinstance(error, Refusal) else None
    with request.app.state.engine.connect() as connection:
        context = case_context(connection, request, session, account_id)
    message = refused.message if refused else error
    return page(request, "case.html", error=message, status_code=422, **form_state(refused), **context)
