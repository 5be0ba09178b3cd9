"""Malicious overdraft (``/legal/overdraft``, ``legal:review``): the candidates of the latest daily
check on or before the business date with the evidence the rule needs (the two effective collections
and their dates, the time unpaid since, the amounts), legal's decision on each (refer or not, with a
reason; audited), the decisions of the last 30 days, and a referred account's pack (JSON and CSV)."""

from __future__ import annotations

import csv
import io
import json
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import parse_id
from arrears.legal import overdraft, overdraft_rules
from arrears.legal.overdraft_repository import OverdraftRepository
from arrears.users.scope import may_open
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import said
from arrears.web.labels import N_
from arrears.web.pages.workspace import NotInScope, form_fields

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[sessions.Session, Depends(signed_in("legal:review", "account:read"))]
# the pack names the cardholder in clear
Revealer = Annotated[sessions.Session, Depends(signed_in("legal:review", "account:read", "pii:reveal"))]

LABELS = (N_("refer"), N_("not_refer"), N_("referred"), N_("not_referred"))  # fmt: skip


def _page(request: Request, *, status_code: int = 200, **more: Any) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        shown = overdraft.listing(connection, day=work_day(request).date, now=now())
    notice = request.query_params.get("done")
    return page(request, "legal_overdraft.html", status_code=status_code, shown=shown,
                recent_days=overdraft.RECENT_DAYS, notice=notice, **more)  # fmt: skip


@router.get("/legal/overdraft", response_class=HTMLResponse)
def overdraft_page(request: Request, session: Reviewer) -> HTMLResponse:
    return _page(request)


@router.post("/legal/overdraft/decisions")
async def overdraft_decide(request: Request, session: Reviewer) -> Response:
    """Legal's decision on a candidate; back to the page with a notice, or the page again (422; 409
    when decided meanwhile) with the refusal in the candidate's form and what was typed."""
    form = await form_fields(request)
    candidate_id = parse_id(form.get("candidate_id", ""), field="candidate_id")  # 422 naming the field
    zone = ZoneInfo(request.app.state.settings.timezone)
    try:
        decision = overdraft_rules.decision(form.get("outcome", ""), form.get("reason"))
        with audit_transaction(request.app.state.engine) as connection:
            account_id = int(OverdraftRepository(connection).get(candidate_id)["account_id"])
            if not may_open(connection, session.user, account_id):
                raise NotInScope()
            overdraft.decide(connection, candidate_id=candidate_id, decision=decision, by=session.user,
                             day=work_day(request).date, zone=zone, now=now())  # fmt: skip
    except NotFound:
        raise NotInScope() from None
    except ArrearsError as problem:
        status = 409 if isinstance(problem, overdraft.AlreadyDecided) else 422
        return _page(request, status_code=status, failed=candidate_id,
                     error=said(locale(request), "overdraft", problem), typed=form)  # fmt: skip
    return RedirectResponse(f"/legal/overdraft?done={decision.outcome}", status_code=303)


def _pack(
    request: Request, session: sessions.Session, candidate_id: int
) -> tuple[dict[str, Any], list[list[str]]]:
    """The pack, its download audited (``legal.overdraft_pack``); 404 for none or one not referred."""
    try:
        with audit_transaction(request.app.state.engine) as connection:
            cipher = request.app.state.cipher
            document, rows = overdraft.pack(connection, candidate_id=candidate_id, cipher=cipher)
            overdraft.record_download(connection, candidate_id=candidate_id, by=session.user, now=now())
    except (NotFound, overdraft.NotReferred):
        raise NotInScope() from None
    return document, rows


def _download(body: bytes, media: str, name: str) -> Response:
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(body, media_type=media, headers=headers)


@router.get("/legal/overdraft/{candidate_id:id}/pack.json")
def overdraft_pack_json(request: Request, session: Revealer, candidate_id: int) -> Response:
    document, _ = _pack(request, session, candidate_id)
    body = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    return _download(body, "application/json", f"overdraft-referral-{candidate_id}.json")


@router.get("/legal/overdraft/{candidate_id:id}/pack.csv")
def overdraft_pack_csv(request: Request, session: Revealer, candidate_id: int) -> Response:
    _, rows = _pack(request, session, candidate_id)
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    return _download(("\ufeff" + text.getvalue()).encode("utf-8"), "text/csv; charset=utf-8",
                     f"overdraft-referral-{candidate_id}.csv")  # fmt: skip
