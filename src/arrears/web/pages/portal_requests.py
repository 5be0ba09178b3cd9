"""The staff's side of the cardholders' portal requests: the list of open ones (``/portal-requests``),
taking and closing one (audited), and downloading an attachment (audited; ``attachment`` disposition,
the type found by its first bytes, ``nosniff``). Every route needs ``account:read`` and
``portal_request:handle``, and the request's account in the user's scope (404 otherwise)."""

from __future__ import annotations

from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.portal.requests import download, move, open_requests, request_account
from arrears.servicedesk.categories import name
from arrears.users.scope import may_open
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.pages.workspace import NotInScope

router = APIRouter(include_in_schema=False)
Handler = Annotated[sessions.Session, Depends(signed_in("account:read", "portal_request:handle"))]


@router.get("/portal-requests", response_class=HTMLResponse)
def portal_requests_page(request: Request, session: Handler) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        rows = open_requests(connection, role=session.user.role, cipher=request.app.state.cipher)
        shown = [row for row in rows if may_open(connection, session.user, row["account_id"])]
    lang = locale(request)
    return page(request, "portal_requests.html", requests=shown, notice=request.query_params.get("done"),
                named=lambda code: name(code, lang))  # fmt: skip


async def _moved(request: Request, session: sessions.Session, request_id: int, to: str) -> Response:
    form = await request.form()
    back = str(form.get("back") or "")
    # the database's work (the audit's lock included) on a worker thread, never on the event loop
    return await run_in_threadpool(_move, request, session, request_id, to, back)


def _move(request: Request, session: sessions.Session, request_id: int, to: str, back: str) -> Response:
    with audit_transaction(request.app.state.engine) as connection:
        account_id = request_account(connection, request_id)
        if not may_open(connection, session.user, account_id):
            raise NotInScope()
        # taken or closed already (by a colleague, or a second click): the page shows which
        with suppress(ArrearsError):
            move(connection, request_id=request_id, to=to, actor=f"user:{session.user.id}", now=now())
    target = f"/cases/{account_id}?done=request_{to}" if back == "case" else f"/portal-requests?done={to}"
    return RedirectResponse(target, status_code=303)


@router.post("/portal-requests/{request_id:id}/take")
async def take_request(request: Request, request_id: int, session: Handler) -> Response:
    return await _moved(request, session, request_id, "taken")


@router.post("/portal-requests/{request_id:id}/close")
async def close_request(request: Request, request_id: int, session: Handler) -> Response:
    return await _moved(request, session, request_id, "closed")


@router.get("/portal-requests/{request_id:id}/attachments/{attachment_id:id}")
def attachment(request: Request, request_id: int, attachment_id: int, session: Handler) -> Response:
    with audit_transaction(request.app.state.engine) as connection:
        if not may_open(connection, session.user, request_account(connection, request_id)):
            raise NotInScope()
        actor, cipher = f"user:{session.user.id}", request.app.state.cipher
        found = download(connection, request_id=request_id, attachment_id=attachment_id, actor=actor,
                         cipher=cipher, now=now())  # fmt: skip
    headers = {"Content-Disposition": f'attachment; filename="{found.filename}"',
               "X-Content-Type-Options": "nosniff"}  # fmt: skip
    return Response(found.data, media_type=found.content_type, headers=headers)
