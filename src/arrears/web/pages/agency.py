"""The agency user's first screen (``/agency``): the accounts placed with their team's agency on the
business date (the placements running that day), the most overdue first, a page at a time, with their
count and overdue sum, each linked to its case page. Needs ``agency:work`` and ``account:read``; a user
whose team names no agency sees an empty list and why."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from arrears.accounts.placed_accounts import ENDING_DAYS, agency_of_team, placed_page
from arrears.kit.inputs import InvalidField, optional_id, shown
from arrears.web import sessions
from arrears.web.deps import page, signed_in, work_day

router = APIRouter(include_in_schema=False)
AgencyUser = Annotated[sessions.Session, Depends(signed_in("agency:work", "account:read"))]
PER_PAGE = 50
MAX_PAGE = 100_000


@router.get("/agency", response_class=HTMLResponse)
def placed_accounts(
    request: Request, session: AgencyUser, page_no: Annotated[str, Query(alias="page")] = "1"
) -> HTMLResponse:
    number = optional_id(page_no) if page_no.strip() else 1
    if number is None or number > MAX_PAGE:
        raise InvalidField(
            "page", f"{shown(page_no)} is not a page number", f"{shown(page_no)} 不是有效的页码"
        )
    day = work_day(request).date
    with request.app.state.engine.connect() as connection:
        agency = agency_of_team(connection, session.user.team_id)
        rows, totals = (
            placed_page(
                connection, agency_code=agency, day=day, offset=(number - 1) * PER_PAGE, limit=PER_PAGE
            )
            if agency is not None
            else ([], {"accounts": 0, "overdue_fen": 0, "ending": 0})
        )
    pages = max(1, -(-totals["accounts"] // PER_PAGE))
    return page(
        request,
        "agency.html",
        agency=agency,
        day=day,
        accounts=rows,
        totals=totals,
        number=number,
        pages=pages,
        ending_days=ENDING_DAYS,
    )
