"""The agencies' league table (``/agencies/league?month=YYYY-MM``, ``dashboard:read``): per agency the
accounts it held and newly received, the amount recovered and the recovery rate over the overdue amount
at placement, the promise kept rate, complaints and compliance blocks per 1,000 accounts, ranked by
recovery rate (``agencies.league``). A month that is not one answers 422 naming it."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from arrears.agencies.commission_rules import parse_month
from arrears.agencies.league import league_table
from arrears.kit.errors import ArrearsError
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import said

router = APIRouter(include_in_schema=False)
Reader = Annotated[sessions.Session, Depends(signed_in("dashboard:read"))]


@router.get("/agencies/league", response_class=HTMLResponse)
def league_page(
    request: Request, session: Reader, month: Annotated[str | None, Query(max_length=24)] = None
) -> HTMLResponse:
    first = work_day(request).date.replace(day=1)
    try:
        first = parse_month(month) if month and month.strip() else first
    except ArrearsError as problem:
        return page(request, "agency_league.html", status_code=422, month=first, table=[], typed=month,
                    error=said(locale(request), "commission", problem))  # fmt: skip
    zone = ZoneInfo(request.app.state.settings.timezone)
    with request.app.state.engine.connect() as connection:
        table = league_table(connection, month=first, zone=zone)
    return page(request, "agency_league.html", month=first, table=table)
