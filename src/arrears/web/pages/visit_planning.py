"""The visit planner's page (team leads and managers): the day's routes per pair, a map drawn from the
coordinates (SVG, no tile server), and re-planning with the candidates left out and why."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField, parse_day
from arrears.visits import planning
from arrears.visits.plan_result import DroppedCandidate
from arrears.visits.planning import plan_visits
from arrears.visits.repository import VisitRepository
from arrears.visits.setup import travel_times
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)
Planner = Annotated[sessions.Session, Depends(signed_in("visit:plan"))]

WIDTH, HEIGHT, MARGIN = 640, 420, 24
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


@dataclass(frozen=True, slots=True)
class MapRoute:
    colour: str
    pair_code: str
    base: tuple[float, float]  # (x, y) in the SVG box
    stops: tuple[tuple[float, float, int], ...]  # (x, y, sequence)

    @property
    def path(self) -> str:
        points = [self.base, *((x, y) for x, y, _ in self.stops), self.base]
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in points)


def project(routes: list[dict[str, Any]]) -> list[MapRoute]:
    """Every route's base and stops in the SVG box: longitude scaled by cos(latitude) so that the
    shapes keep their proportions (the area is small); north up."""
    points = [route["base"] for route in routes] + [(s["lat"], s["lon"]) for r in routes for s in r["stops"]]
    if not points:
        return []
    lats, lons = [p[0] for p in points], [p[1] for p in points]
    squeeze = math.cos(math.radians(sum(lats) / len(lats)))
    wide, high = max((max(lons) - min(lons)) * squeeze, 1e-3), max(max(lats) - min(lats), 1e-3)
    scale = min((WIDTH - 2 * MARGIN) / wide, (HEIGHT - 2 * MARGIN) / high)

    def xy(lat: float, lon: float) -> tuple[float, float]:
        return MARGIN + (lon - min(lons)) * squeeze * scale, HEIGHT - MARGIN - (lat - min(lats)) * scale

    return [
        MapRoute(
            COLOURS[index % len(COLOURS)],
            route["pair_code"],
            xy(*route["base"]),
            tuple((*xy(s["lat"], s["lon"]), s["sequence"]) for s in route["stops"]),
        )
        for index, route in enumerate(routes)
    ]


def _day_routes(request: Request, day: date) -> list[dict[str, Any]]:
    """The stored routes of the day with local times, each with its base (the first member's)."""
    zone = ZoneInfo(request.app.state.settings.timezone)

    def local(moment: datetime | None) -> str:
        return moment.astimezone(zone).strftime("%H:%M") if moment else ""

    with request.app.state.engine.connect() as connection:
        repository = VisitRepository(connection)
        routes = repository.day_routes(plan_date=day)
        bases = repository.bases([route["first_user_id"] for route in routes])
    shown = []
    for route in routes:
        base = bases.get(route["first_user_id"])
        stops = [{**stop, "arrival": local(stop["planned_arrival_at"])} for stop in route["stops"]]
        where = (base["base_lat"], base["base_lon"]) if base else (stops[0]["lat"], stops[0]["lon"])
        times = {"start": local(route["planned_start_at"]), "end": local(route["planned_end_at"])}
        label = base["base_label"] if base else ""
        shown.append({**route, **times, "base": where, "base_label": label, "stops": stops})
    return shown


def _render(
    request: Request,
    day: date,
    *,
    dropped: tuple[DroppedCandidate, ...] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    routes = _day_routes(request, day)
    for route, drawn in zip(routes, project(routes), strict=True):
        route["colour"] = drawn.colour
    return page(request, "visit_plan.html", day=day, routes=routes, map_routes=project(routes),
                width=WIDTH, height=HEIGHT, dropped=dropped, error=error,
                planned=dropped is not None, status_code=status_code)  # fmt: skip


def _day(text: str | None, request: Request) -> date:
    """The date asked for (default: the business date); InvalidField naming ``date`` otherwise."""
    return parse_day(text, field="date") if text else work_day(request).date


def _refused(request: Request, problem: InvalidField) -> HTMLResponse:
    return _render(request, work_day(request).date, error=problem.message(locale(request)), status_code=422)


@router.get("/visits/plan", response_class=HTMLResponse)
def visit_plan(request: Request, session: Planner, date: str | None = None) -> HTMLResponse:
    try:
        day = _day(date, request)
    except InvalidField as problem:
        return _refused(request, problem)
    return _render(request, day)


@router.post("/visits/plan", response_class=HTMLResponse)
async def visit_replan(request: Request, session: Planner) -> HTMLResponse:
    """Plans the day again (the routes not started yet are replaced) and shows who was left out."""
    form, lang = await form_fields(request), locale(request)
    try:
        day = _day(form.get("date"), request)
    except InvalidField as problem:
        return _refused(request, problem)
    settings = request.app.state.settings
    try:
        with request.app.state.engine.begin() as connection:
            result = plan_visits(connection, plan_date=day, policy=request.app.state.policy,
                                 zone=settings.timezone, travel_times=travel_times(settings), now=now(),
                                 **planning.SOLVER)  # fmt: skip
    except ArrearsError as problem:
        return _render(request, day, error=problem.message(lang), status_code=422)
    return _render(request, day, dropped=result.dropped)
