"""The field visitor's pages (phone-sized): the route of the day, the stop's dossier, the full address
on the day, check-in, the protocol, the outcome, photos and check-out; the panic button and the safety
alerts are in ``visit_safety``."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from arrears.arrangements.rules import MAX_PLAN_MONTHS, MIN_MONTHS
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, parse_day
from arrears.models import DELINQUENCY_REASONS
from arrears.users.service import StaffUser
from arrears.visits import address, fieldwork, photos
from arrears.visits.schemas import CLOSING_REASONS
from arrears.web import sessions
from arrears.web.deps import bounded_body, locale, page, signed_in, work_day
from arrears.web.dossier_view import fact_form_context
from arrears.web.i18n import gettext
from arrears.web.labels import N_
from arrears.web.pages import visit_forms, visit_safety
from arrears.web.pages.workspace import form_fields
from arrears.web.route_map import route_map

router = APIRouter(include_in_schema=False)
Visitor = Annotated[sessions.Session, Depends(signed_in("visit:work"))]
PHOTO_FORM_BYTES = photos.MAX_PHOTO_BYTES + 64 * 1024  # the photo and the form around it


def _today(request: Request) -> date:
    return work_day(request).date


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    """``page`` with ``hhmm``: a stored moment as local hours and minutes (the cardholders' zone)."""
    zone = ZoneInfo(request.app.state.settings.timezone)

    def hhmm(moment: Any) -> str:
        return moment.astimezone(zone).strftime("%H:%M") if moment is not None else "-"

    return page(request, template, hhmm=hhmm, **context)


@router.get("/visits/today", response_class=HTMLResponse)
def today(request: Request, session: Visitor, date: str | None = None) -> HTMLResponse:
    """The pair's route of today, or of ``?date=YYYY-MM-DD``: the stops in order, drawn on a map."""
    try:
        day = parse_day(date, field="date") if date else _today(request)
    except InvalidField as problem:
        return _refused_page(request, problem.message(locale(request)))
    with request.app.state.engine.connect() as connection:
        route = fieldwork.todays_route(connection, user=session.user, today=day)
    drawn = None
    if route is not None:
        stops = [(s["lat"], s["lon"], str(s["sequence"]), s["status"]) for s in route["stops"]]
        drawn = route_map(stops, tile_url=request.app.state.settings.map_tile_url)
    return _page(
        request,
        "visit_today.html",
        route=route,
        map=drawn,
        day=day,
        is_today=day == _today(request),
        done=request.query_params.get("done"),
        told=visit_safety.told(request, route["id"] if route else None),
    )


def _refused_page(request: Request, message: str) -> HTMLResponse:
    lang = locale(request)
    return page(request, "error.html", status_code=422, title=gettext(lang, "Please check your input"),
                message=message)  # fmt: skip


def _stop_page(
    request: Request,
    session: sessions.Session,
    stop_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
    given: dict[str, str] | None = None,
    invalid: tuple[str, ...] = (),
) -> HTMLResponse:
    """The stop's page; after a refused step, with the error, the fields at fault (``invalid``) and
    what was typed (``given``) back in the form."""
    try:
        with request.app.state.engine.connect() as connection:
            dossier = fieldwork.stop_dossier(
                connection, stop_id=stop_id, user=session.user, cipher=request.app.state.cipher
            )
    except fieldwork.StopNotFound:
        return visit_forms.not_found(request)
    stop = dossier["stop"]
    return _page(
        request,
        "visit_stop.html",
        status_code=status_code,
        error=error,
        given=given or {},
        invalid=invalid,
        reasons=DELINQUENCY_REASONS,
        checkboxes=visit_forms.CHECKBOXES,
        closing_reasons=CLOSING_REASONS,
        plan_months=(MIN_MONTHS, MAX_PLAN_MONTHS),
        address_today=stop["plan_date"] == _today(request) and stop["status"] in ("planned", "checked_in"),
        route_day=None if stop["plan_date"] == _today(request) else stop["plan_date"],
        done=request.query_params.get("done"),
        told=visit_safety.told(request, stop["route_id"]),
        **fact_form_context(request),  # what the visitor learned, into the cardholder's dossier
        **dossier,
    )


@router.get("/visits/stops/{stop_id:id}", response_class=HTMLResponse)
def stop(request: Request, stop_id: int, session: Visitor) -> HTMLResponse:
    return _stop_page(request, session, stop_id)


def _step(
    request: Request,
    session: sessions.Session,
    stop_id: int,
    done: str,
    work: Any,
    *,
    form: dict[str, str] | None = None,
) -> Response:
    """Runs one step of the visit in an audited transaction; back to the stop page with its notice, or
    the page with the step's error, the fields named and the ``form`` as typed. A refusal by the
    rulebook is audited in a transaction of its own (the step's is rolled back)."""
    lang = locale(request)
    try:
        with audit_transaction(request.app.state.engine) as connection:
            work(connection)
    except fieldwork.StopNotFound:
        return visit_forms.not_found(request)
    except ValidationError as invalid:
        message, fields = visit_forms.explain(lang, invalid)
        return _stop_page(
            request, session, stop_id, error=message, status_code=422, given=form, invalid=fields
        )
    except ArrearsError as problem:
        if isinstance(problem, fieldwork.VisitRefused) and problem.rules:
            _audit_refusal(request, session.user, stop_id, done, problem.rules)
        field = getattr(problem, "field", None)
        fields = (visit_forms.form_name(field),) if isinstance(field, str) else ()
        return _stop_page(request, session, stop_id, error=problem.message(lang), status_code=422,
                          given=form, invalid=fields)  # fmt: skip
    return RedirectResponse(f"/visits/stops/{stop_id}?done={done}", status_code=303)


def _audit_refusal(
    request: Request, user: StaffUser, stop_id: int, step: str, rules: tuple[str, ...]
) -> None:
    with audit_transaction(request.app.state.engine) as connection:
        fieldwork.audit_refusal(connection, stop_id=stop_id, user=user, step=step, rules=rules, now=now())


@router.post("/visits/stops/{stop_id:id}/check-in")
async def check_in(request: Request, stop_id: int, session: Visitor) -> Response:
    """The arrival, with the browser's position when it gave one (else flagged as unknown)."""
    form = await form_fields(request)
    lat, lon = visit_forms.coordinate(form.get("lat")), visit_forms.coordinate(form.get("lon"))
    policy, zone = request.app.state.policy, request.app.state.settings.timezone
    return _step(
        request,
        session,
        stop_id,
        "checked_in",
        lambda connection: fieldwork.check_in(connection, stop_id=stop_id, user=session.user, lat=lat,
                                              lon=lon, policy=policy, zone=zone, now=now()),
    )  # fmt: skip


@router.post("/visits/stops/{stop_id:id}/protocol")
async def protocol(request: Request, stop_id: int, session: Visitor) -> Response:
    """The visit protocol; the rulebook refuses a visit by one staff member, unrecorded or out of hours."""
    form, settings = await form_fields(request), request.app.state.settings

    def work(connection: Any) -> None:
        fieldwork.submit_protocol(
            connection,
            stop_id=stop_id,
            user=session.user,
            protocol=visit_forms.protocol_of(form),
            policy=request.app.state.policy,
            zone=settings.timezone,
            now=now(),
        )

    return _step(request, session, stop_id, "protocol", work, form=form)


@router.post("/visits/stops/{stop_id:id}/outcome")
async def outcome(request: Request, stop_id: int, session: Visitor) -> Response:
    form, settings, lang = await form_fields(request), request.app.state.settings, locale(request)
    zone = settings.timezone
    return _step(
        request,
        session,
        stop_id,
        "outcome",
        lambda connection: fieldwork.record_outcome(connection, stop_id=stop_id, user=session.user,
                                                    outcome=visit_forms.outcome_of(form, lang), zone=zone,
                                                    now=now(), promise_days=settings.promise_max_days),
        form=form,
    )  # fmt: skip


@router.post("/visits/stops/{stop_id:id}/photos", dependencies=[Depends(bounded_body(PHOTO_FORM_BYTES))])
async def add_photo(request: Request, stop_id: int, session: Visitor) -> Response:
    """A photo (multipart), encrypted at rest. The body is read at most ``PHOTO_FORM_BYTES`` (413
    beyond, by Content-Length or while reading a chunked body) before the form is parsed."""
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
        lambda connection: photos.add_photo(
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
            kind, data = photos.photo_bytes(
                connection,
                stop_id=stop_id,
                photo_id=photo_id,
                user=session.user,
                cipher=request.app.state.cipher,
            )
    except fieldwork.StopNotFound:
        return visit_forms.not_found(request)
    return Response(data, media_type=kind, headers={"Cache-Control": "no-store"})


@router.post("/visits/stops/{stop_id:id}/check-out")
async def check_out(request: Request, stop_id: int, session: Visitor) -> Response:
    """Closes the visit: with its recorded outcome, or (no protocol) the reason chosen in the form."""
    form = await form_fields(request)
    chosen = form.get("outcome") or None
    return _step(
        request,
        session,
        stop_id,
        "checked_out",
        lambda connection: fieldwork.check_out(
            connection, stop_id=stop_id, user=session.user, outcome=chosen, now=now()
        ),
        form=form,
    )


@router.post("/visits/stops/{stop_id:id}/address", response_class=HTMLResponse)
def full_address(request: Request, stop_id: int, session: Visitor) -> HTMLResponse:
    """The stop's full address and a map link, on the day of the visit only (audited ``pii.reveal``):
    an htmx fragment, or the stop page with it."""
    lang, zone = locale(request), request.app.state.settings.timezone
    try:
        with audit_transaction(request.app.state.engine) as connection:
            shown = address.reveal_address(connection, stop_id=stop_id, user=session.user,
                                           cipher=request.app.state.cipher, zone=zone, now=now())  # fmt: skip
    except fieldwork.StopNotFound:
        return visit_forms.not_found(request)
    except ArrearsError as problem:
        return _stop_page(request, session, stop_id, error=problem.message(lang), status_code=422)
    if request.headers.get("hx-request"):
        return _page(request, "_visit_address.html", address=shown)
    return _page(request, "_visit_address.html", address=shown, whole=True)


LABELS = (  # stop statuses, outcomes, alert kinds and follow-up tasks the pages show translated
    N_("planned"),
    N_("checked_in"),
    N_("done"),
    N_("skipped"),
    N_("no_contact"),
    N_("wrong_address"),
    N_("broken_off"),
    N_("no_agreement"),
    N_("missed_checkout"),
    N_("panic"),
    N_("promise_check"),
    N_("plan_proposal"),
)

router.include_router(visit_safety.router)  # the panic button and the alerts
