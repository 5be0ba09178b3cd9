"""The outbox page for managers: a day's messages by channel and status, failures with their reasons,
retries waiting, expired ones, what came back (unknown receipts, opt-outs, reply tasks), contact
points made invalid, and the dispatchers' health; retry and cancel a message (audited)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import Day, parse_day
from arrears.messaging.report import cancel_message, outbox_report, retry_message
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.labels import N_
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)
Reader = Annotated[sessions.Session, Depends(signed_in("outbox:read"))]
Manager = Annotated[sessions.Session, Depends(signed_in("outbox:manage"))]

# the codes this page shows translated (the channels and the other statuses are in web/labels.py)
LABELS = (
    N_("queued"), N_("sending"), N_("delivered"), N_("failed"), N_("expired"), N_("email"), N_("push"),
    N_("sms message"), N_("email message"), N_("push message"), N_("letter message"), N_("sms reply"),
    N_("email reply"), N_("opt_out"), N_("task"), N_("unknown"), N_("app"), N_("wechat"), N_("collection"),
    N_("service"), N_("retried"),
)  # fmt: skip


def _today(request: Request) -> date:
    return work_day(request).date


def _render(request: Request, day: date, *, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    zone = ZoneInfo(request.app.state.settings.timezone)
    with request.app.state.engine.connect() as connection:
        report = outbox_report(connection, day=day, zone=zone, now=now())
    done = request.query_params.get("done")
    return page(request, "outbox.html", report=report, error=error, status_code=status_code,
                done=done if done in ("retried", "cancelled") else None)  # fmt: skip


@router.get("/outbox", response_class=HTMLResponse)
def outbox_page(request: Request, session: Reader, day: Day | None = None) -> HTMLResponse:
    """The outbox on ``day`` (the cardholders' business date; today by default)."""
    return _render(request, day or _today(request))


async def _act(request: Request, session: sessions.Session, message_id: int, action: str) -> Response:
    form = await form_fields(request)
    try:
        day = parse_day(form["day"], field="day") if form.get("day") else _today(request)
    except ArrearsError as problem:
        return _render(request, _today(request), error=problem.message(locale(request)), status_code=422)
    act = retry_message if action == "retried" else cancel_message
    try:
        with audit_transaction(request.app.state.engine) as connection:
            act(connection, message_id=message_id, actor=session.user.username, now=now())
    except ArrearsError as problem:
        code = 404 if isinstance(problem, NotFound) else 422
        return _render(request, day, error=problem.message(locale(request)), status_code=code)
    return RedirectResponse(f"/outbox?day={day.isoformat()}&done={action}", status_code=303)


@router.post("/outbox/{message_id:id}/retry")
async def retry(request: Request, message_id: int, session: Manager) -> Response:
    """Queues a failed or expired message again (audited)."""
    return await _act(request, session, message_id, "retried")


@router.post("/outbox/{message_id:id}/cancel")
async def cancel(request: Request, message_id: int, session: Manager) -> Response:
    """Cancels a queued message (audited)."""
    return await _act(request, session, message_id, "cancelled")
