"""The field visitor's pages (phone-sized): today's route, the stop's dossier, check-in, the protocol,
the outcome, photos, check-out and the panic button; the team lead's safety alerts."""

from __future__ import annotations

import math
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import optional_id, parse_id
from arrears.kit.money import parse_amount_fen
from arrears.models import DELINQUENCY_REASONS
from arrears.visits import fieldwork, safety
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.i18n import gettext
from arrears.web.labels import N_
from arrears.web.pages.workspace import form_fields
from arrears.web.route_map import route_map

router = APIRouter(include_in_schema=False)
Visitor = Annotated[sessions.Session, Depends(signed_in("visit:work"))]
Lead = Annotated[sessions.Session, Depends(signed_in("visit:plan"))]
PHOTO_FORM_BYTES = fieldwork.MAX_PHOTO_BYTES + 64 * 1024


def _today(request: Request) -> date:
    return now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """``page`` with ``hhmm``: a stored moment as local hours and minutes (the cardholders' zone)."""
    zone = ZoneInfo(request.app.state.settings.timezone)

    def hhmm(moment: Any) -> str:
        return moment.astimezone(zone).strftime("%H:%M") if moment is not None else "-"

    return page(request, template, hhmm=hhmm, **context)


def _not_found(request: Request) -> HTMLResponse:
    lang = locale(request)
    return page(
        request,
        "error.html",
        status_code=404,
        title=gettext(lang, "Not found"),
        message=gettext(lang, "No such visit, or it is not your pair's."),
    )


def _number(text: str | None) -> float | None:
    """A coordinate from a form field; None when absent or not a finite number."""
    try:
        value = float(text) if text else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None


@router.get("/visits/today", response_class=HTMLResponse)
def today(request: Request, session: Visitor) -> HTMLResponse:
    """The pair's route of today: the stops in order, drawn on a map."""
    with request.app.state.engine.connect() as connection:
        route = fieldwork.todays_route(connection, user=session.user, today=_today(request))
    drawn = None
    if route is not None:
        stops = [(s["lat"], s["lon"], str(s["sequence"]), s["status"]) for s in route["stops"]]
        drawn = route_map(stops, tile_url=request.app.state.settings.map_tile_url)
    return _page(
        request,
        "visit_today.html",
        route=route,
        map=drawn,
        day=_today(request),
        done=request.query_params.get("done"),
    )


def _stop_page(
    request: Request,
    session: sessions.Session,
    stop_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    try:
        with request.app.state.engine.connect() as connection:
            dossier = fieldwork.stop_dossier(connection, stop_id=stop_id, user=session.user)
    except fieldwork.StopNotFound:
        return _not_found(request)
    return _page(
        request,
        "visit_stop.html",
        status_code=status_code,
        error=error,
        reasons=DELINQUENCY_REASONS,
        done=request.query_params.get("done"),
        **dossier,
    )


@router.get("/visits/stops/{stop_id:id}", response_class=HTMLResponse)
def stop(request: Request, stop_id: int, session: Visitor) -> HTMLResponse:
    return _stop_page(request, session, stop_id)


def _step(request: Request, session: sessions.Session, stop_id: int, done: str, work: Any) -> Response:
    """Runs one step of the visit in an audited transaction; back to the stop page with its notice, or
    the page with the step's error."""
    lang = locale(request)
    try:
        with audit_transaction(request.app.state.engine) as connection:
            work(connection)
    except fieldwork.StopNotFound:
        return _not_found(request)
    except (ValidationError, ValueError):
        message = gettext(lang, "Please check the form's fields.")
        return _stop_page(request, session, stop_id, error=message, status_code=422)
    except ArrearsError as problem:
        return _stop_page(request, session, stop_id, error=problem.message(lang), status_code=422)
    return RedirectResponse(f"/visits/stops/{stop_id}?done={done}", status_code=303)


@router.post("/visits/stops/{stop_id:id}/check-in")
async def check_in(request: Request, stop_id: int, session: Visitor) -> Response:
    """The arrival, with the browser's position when it gave one (else flagged as unknown)."""
    form = await form_fields(request)
    lat, lon = _number(form.get("lat")), _number(form.get("lon"))
    return _step(
        request,
        session,
        stop_id,
        "checked_in",
        lambda connection: fieldwork.check_in(
            connection, stop_id=stop_id, user=session.user, lat=lat, lon=lon, now=now()
        ),
    )


def _protocol_of(form: dict[str, str]) -> fieldwork.Protocol:
    def ticked(name: str) -> bool:
        return form.get(name) == "on"

    return fieldwork.Protocol.model_validate(
        {
            "staff_count": 2 if ticked("partner_present") else 1,
            "staff_id_shown": ticked("staff_id_shown"),
            "identity_confirmed": ticked("identity_confirmed"),
            "recording_on": ticked("recording_on"),
            "consent_to_enter": ticked("consent_to_enter"),
            "entered_home": ticked("entered_home"),
            "situation_heard": ticked("situation_heard"),
            "reason": form.get("reason") or None,
            "solution_offered": form.get("solution_offered", "none"),
            "agreement": form.get("agreement", "refused"),
            "notes": form.get("notes") or None,
        }
    )


@router.post("/visits/stops/{stop_id:id}/protocol")
async def protocol(request: Request, stop_id: int, session: Visitor) -> Response:
    """The visit protocol; the rulebook refuses a visit by one staff member, unrecorded or out of hours."""
    form, settings = await form_fields(request), request.app.state.settings

    def work(connection: Any) -> None:
        fieldwork.submit_protocol(
            connection,
            stop_id=stop_id,
            user=session.user,
            protocol=_protocol_of(form),
            policy=request.app.state.policy,
            zone=settings.timezone,
            now=now(),
        )

    return _step(request, session, stop_id, "protocol", work)


def _outcome_of(form: dict[str, str]) -> fieldwork.Outcome:
    kind = form.get("kind", "none")
    amount = form.get("amount", "").strip()
    return fieldwork.Outcome.model_validate(
        {
            "kind": kind,
            "amount_fen": parse_amount_fen(amount, field="amount") if kind == "promise" and amount else None,
            "promised_date": form.get("promised_date") or None if kind == "promise" else None,
            "plan_months": form.get("plan_months") or None if kind == "plan" else None,
            "plan_first_due_date": form.get("plan_first_due_date") or None if kind == "plan" else None,
        }
    )


@router.post("/visits/stops/{stop_id:id}/outcome")
async def outcome(request: Request, stop_id: int, session: Visitor) -> Response:
    form, zone = await form_fields(request), request.app.state.settings.timezone
    return _step(
        request,
        session,
        stop_id,
        "outcome",
        lambda connection: fieldwork.record_outcome(
            connection, stop_id=stop_id, user=session.user, outcome=_outcome_of(form), zone=zone, now=now()
        ),
    )


@router.post("/visits/stops/{stop_id:id}/photos")
async def photos(request: Request, stop_id: int, session: Visitor) -> Response:
    """A photo (multipart), encrypted at rest."""
    length = int(request.headers.get("content-length") or 0)
    if length > PHOTO_FORM_BYTES:
        message = gettext(locale(request), "The photo is too large.")
        return _stop_page(request, session, stop_id, error=message, status_code=413)
    upload = (await request.form()).get("photo")
    if not isinstance(upload, UploadFile):
        message = gettext(locale(request), "Please choose a photo.")
        return _stop_page(request, session, stop_id, error=message, status_code=422)
    data = await upload.read(PHOTO_FORM_BYTES)
    content_type = (upload.content_type or "").split(";")[0].strip().lower()
    return _step(
        request,
        session,
        stop_id,
        "photo",
        lambda connection: fieldwork.add_photo(
            connection,
            stop_id=stop_id,
            user=session.user,
            content_type=content_type,
            data=data,
            cipher=request.app.state.cipher,
            now=now(),
        ),
    )


@router.get("/visits/stops/{stop_id:id}/photos/{photo_id:id}")
def photo(request: Request, stop_id: int, photo_id: int, session: Visitor) -> Response:
    try:
        with request.app.state.engine.connect() as connection:
            kind, data = fieldwork.photo_bytes(
                connection,
                stop_id=stop_id,
                photo_id=photo_id,
                user=session.user,
                cipher=request.app.state.cipher,
            )
    except fieldwork.StopNotFound:
        return _not_found(request)
    return Response(data, media_type=kind, headers={"Cache-Control": "no-store"})


@router.post("/visits/stops/{stop_id:id}/check-out")
def check_out(request: Request, stop_id: int, session: Visitor) -> Response:
    return _step(
        request,
        session,
        stop_id,
        "checked_out",
        lambda connection: fieldwork.check_out(connection, stop_id=stop_id, user=session.user, now=now()),
    )


@router.post("/visits/panic")
async def panic(request: Request, session: Visitor) -> Response:
    """The panic button: the team lead is alerted at once (with the position when the browser gave it)."""
    form = await form_fields(request)
    stop_id = optional_id(form.get("stop_id", ""))
    try:
        route_id = parse_id(form.get("route_id", ""), field="route_id")
        with audit_transaction(request.app.state.engine) as connection:
            safety.panic(
                connection,
                user=session.user,
                route_id=route_id,
                stop_id=stop_id,
                lat=_number(form.get("lat")),
                lon=_number(form.get("lon")),
                now=now(),
            )
    except (ValueError, NotFound):
        return _not_found(request)
    back = f"/visits/stops/{stop_id}" if stop_id is not None else "/visits/today"
    return RedirectResponse(f"{back}?done=panic", status_code=303)


def _alerts(request: Request, session: sessions.Session, **context: Any) -> HTMLResponse:
    at = now()
    with audit_transaction(request.app.state.engine) as connection:
        safety.raise_missed_checkouts(connection, now=at)
        alerts = safety.open_alerts(connection, user=session.user)
    template = "_visit_alerts.html" if request.headers.get("hx-request") else "visit_alerts.html"
    return _page(request, template, alerts=alerts, **context)


@router.get("/visits/alerts", response_class=HTMLResponse)
def alerts(request: Request, session: Lead) -> HTMLResponse:
    """The open safety alerts of the lead's team (all of them for a manager); refreshes itself."""
    return _alerts(request, session, done=request.query_params.get("done"))


@router.get("/visits/alerts/badge", response_class=HTMLResponse)
def alerts_badge(request: Request, session: Lead) -> HTMLResponse:
    """The number of open alerts, for the header of every page the lead has open (polled every 30 s):
    missed check-outs are raised here too, so a lead is alerted wherever they are in the app."""
    with audit_transaction(request.app.state.engine) as connection:
        safety.raise_missed_checkouts(connection, now=now())
        waiting = len(safety.open_alerts(connection, user=session.user))
    return _page(request, "_visit_alert_badge.html", waiting=waiting)


@router.post("/visits/alerts/{alert_id:id}/acknowledge")
async def acknowledge(request: Request, alert_id: int, session: Lead) -> Response:
    form, lang = await form_fields(request), locale(request)
    try:
        with audit_transaction(request.app.state.engine) as connection:
            safety.acknowledge(
                connection, alert_id=alert_id, user=session.user, note=form.get("note"), now=now()
            )
    except ArrearsError as problem:
        return _alerts(request, session, error=problem.message(lang))
    return RedirectResponse("/visits/alerts?done=acknowledged", status_code=303)


LABELS = (  # stop statuses, outcomes, alert kinds and follow-up tasks the pages show translated
    N_("planned"),
    N_("checked_in"),
    N_("done"),
    N_("skipped"),
    N_("no_contact"),
    N_("no_agreement"),
    N_("missed_checkout"),
    N_("panic"),
    N_("promise_check"),
    N_("plan_proposal"),
)
