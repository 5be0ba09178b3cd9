"""The visitors' safety pages: the panic button (and whom it reached, said truthfully), and the open
alerts for team leads, field supervisors and managers, acknowledged and audited (``visits.safety``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, optional_id, parse_day, parse_id
from arrears.visits import safety
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.i18n import gettext
from arrears.web.labels import N_
from arrears.web.pages import visit_forms
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)
Visitor = Annotated[sessions.Session, Depends(signed_in("visit:work"))]
Lead = Annotated[sessions.Session, Depends(signed_in("visit:plan"))]


def told(request: Request, route_id: int | None) -> str | None:
    """After a panic: whom the alert reached, truthfully (``safety.recipients``), for the visitor."""
    if route_id is None or request.query_params.get("done") != "panic":
        return None
    with request.app.state.engine.connect() as connection:
        told = safety.recipients(connection, route_id=route_id, supervisors=supervisors(request))
    lang, names = locale(request), "、".join(told.names)
    return gettext(lang, TOLD[told.kind], names=names)


@router.post("/visits/panic")
async def panic(request: Request, session: Visitor) -> Response:
    """The panic button: someone on duty is alerted at once (``safety.recipients``), with the position when
    the browser gave it; the page then says who."""
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
                lat=visit_forms.coordinate(form.get("lat")),
                lon=visit_forms.coordinate(form.get("lon")),
                now=now(),
            )
    except (ValueError, NotFound):
        return visit_forms.not_found(request)
    day = form.get("day", "")
    back = f"/visits/stops/{stop_id}?" if stop_id is not None else f"/visits/today?date={day}&"
    if stop_id is None and not _is_day(day):
        back = "/visits/today?"
    return RedirectResponse(f"{back}done=panic", status_code=303)


def _is_day(text: str) -> bool:
    try:
        parse_day(text, field="day")
    except InvalidField:
        return False
    return True


def supervisors(request: Request) -> tuple[str, ...]:
    names: tuple[str, ...] = request.app.state.settings.field_supervisor_names()
    return names


def _alerts(request: Request, session: sessions.Session, **context: Any) -> HTMLResponse:
    at = now()
    with audit_transaction(request.app.state.engine) as connection:
        safety.raise_missed_checkouts(connection, now=at)
        alerts = safety.open_alerts(connection, user=session.user, supervisors=supervisors(request))
    template = "_visit_alerts.html" if request.headers.get("hx-request") else "visit_alerts.html"
    return page(request, template, alerts=alerts, **context)


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
        waiting = len(safety.open_alerts(connection, user=session.user, supervisors=supervisors(request)))
    return page(request, "_visit_alert_badge.html", waiting=waiting)


@router.post("/visits/alerts/{alert_id:id}/acknowledge")
async def acknowledge(request: Request, alert_id: int, session: Lead) -> Response:
    form, lang = await form_fields(request), locale(request)
    try:
        with audit_transaction(request.app.state.engine) as connection:
            safety.acknowledge(connection, alert_id=alert_id, user=session.user, note=form.get("note"),
                               now=now(), supervisors=supervisors(request))  # fmt: skip
    except ArrearsError as problem:
        return _alerts(request, session, error=problem.message(lang))
    return RedirectResponse("/visits/alerts?done=acknowledged", status_code=303)


TOLD = {  # whom a panic reached (``rules.RecipientKind``), as the visitor is told
    "team_lead": N_("Alert sent to your team lead: %(names)s."),
    "field_supervisor": N_("Your team has no team lead: alert sent to the field supervisor: %(names)s."),
    "managers": N_("Your team has no team lead: alert sent to every manager: %(names)s."),
    "nobody": N_("Alert recorded, but no team lead, supervisor or manager is on duty: call for help now."),
}
