"""The collector's agenda on the start page, and its fragment that the page polls (htmx, every 60 s)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import Connection

from arrears.floor.agenda import agenda
from arrears.floor.rules import INSTALMENT_DAYS
from arrears.kit.clock import now
from arrears.quality.service import quality_scores
from arrears.users.permissions import allowed
from arrears.web import sessions
from arrears.web.deps import page, signed_in, work_day

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 60

Worker = Annotated[sessions.Session, Depends(signed_in("queue:work"))]


def agenda_context(request: Request, connection: Connection, session: sessions.Session) -> dict[str, Any]:
    """What the agenda shows the signed-in user, on the business date, now."""
    user, day = session.user, work_day(request).date
    found = agenda(
        connection, user, business_date=day, now=now(), zone=request.app.state.settings.timezone,
        clear_text=allowed(user.role, "pii:reveal"), cipher=request.app.state.cipher,
    )  # fmt: skip
    quality = quality_scores(connection, user_ids=[user.id], now=now()).get(user.id)
    return {"agenda": found, "refresh": REFRESH_SECONDS, "instalment_days": INSTALMENT_DAYS,
            "quality": quality}  # fmt: skip


@router.get("/agenda", response_class=HTMLResponse)
def agenda_fragment(request: Request, session: Worker) -> HTMLResponse:
    """The agenda alone (the start page replaces its own with it)."""
    work_day(request)  # read before the page's connection is taken
    with request.app.state.engine.connect() as connection:
        context = agenda_context(request, connection, session)
    return page(request, "_agenda.html", **context)
