"""Placement batches for managers (``/agencies/batches``, ``agency:manage``): the latest batches, and a
batch's summary (the run it placed, the period, what was left out and why), what each agency took and
still holds, the agencies refused with their reasons, and the hand-over files with their state, each
downloadable (checked against its SHA-256 and written again when it fails; the download audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from arrears.agencies import handover, placement
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import NotFound
from arrears.web import sessions
from arrears.web.deps import page, signed_in, work_day
from arrears.web.pages.workspace import NotInScope

router = APIRouter(include_in_schema=False)
Manager = Annotated[sessions.Session, Depends(signed_in("agency:manage"))]


@router.get("/agencies/batches", response_class=HTMLResponse)
def batches_page(request: Request, session: Manager) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        batches = placement.listing(connection)
    return page(request, "agency_batches.html", batches=batches, listed=placement.LISTED)


@router.get("/agencies/batches/{batch_id:id}", response_class=HTMLResponse)
def batch_page(request: Request, session: Manager, batch_id: int) -> HTMLResponse:
    data_dir = request.app.state.settings.data_dir
    try:
        with request.app.state.engine.connect() as connection:
            shown = placement.view(
                connection, batch_id=batch_id, day=work_day(request).date, data_dir=data_dir
            )
    except NotFound:
        raise NotInScope() from None
    return page(request, "agency_batch.html", day=work_day(request).date, **shown)


@router.get("/agencies/batches/{batch_id:id}/files/{file_id:id}")
def handover_download(request: Request, session: Manager, batch_id: int, file_id: int) -> Response:
    """The agency's hand-over file: read back against its SHA-256 (written again from the batch when it
    fails, audited), the download audited; 404 for no such file in the batch."""
    data_dir = request.app.state.settings.data_dir
    moment = now()
    try:
        with audit_transaction(request.app.state.engine) as connection:
            back = handover.read_back(connection, batch_id=batch_id, file_id=file_id, data_dir=data_dir,
                                      actor=session.user.username, now=moment)  # fmt: skip
            code = back.name.removesuffix(".csv")
            placement.record_download(connection, batch_id=batch_id, file_id=file_id, agency_code=code,
                                      actor=session.user.username, now=moment)  # fmt: skip
    except NotFound:
        raise NotInScope() from None
    name = f"handover-{batch_id:06d}-{back.name}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(back.content, media_type="text/csv; charset=utf-8", headers=headers)
