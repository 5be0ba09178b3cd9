"""GET /api/v1/dashboard: the manager dashboard's figures as JSON."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status

from arrears.analytics.dashboard import Dashboard, dashboard
from arrears.analytics.rules import DashboardInputError, zone_of
from arrears.api.deps import permitted, transaction
from arrears.kit.clock import now
from arrears.kit.inputs import Day
from arrears.users.service import StaffUser

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])
MAX_DAYS = 366


def _zone(request: Request) -> str:
    """The cardholders' time zone (``ARREARS_TIMEZONE``)."""
    zone: str = request.app.state.settings.timezone
    return zone


@router.get("", response_model=Dashboard)
def get_dashboard(
    request: Request,
    _user: Annotated[StaffUser, Depends(permitted("dashboard:read"))],
    as_of: Annotated[Day | None, Query(description="The business date (default: today).")] = None,
    days: Annotated[int, Query(ge=1, le=MAX_DAYS, description="Business days in the window.")] = 30,
) -> Dashboard:
    """The book by bucket and regulatory class, the latest completed run's report, the call queues
    by team, the calls each team logged, the promises settled and the contact and right-party contact
    rates over the ``days`` business days ending on ``as_of``. A rate with nothing to divide by is
    null."""
    with transaction(request) as db:
        zone = _zone(request)
        try:
            day = as_of or now().astimezone(zone_of(zone)).date()
            return dashboard(db, as_of=day, days=days, zone=zone)
        except DashboardInputError as problem:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem.message_en) from None
