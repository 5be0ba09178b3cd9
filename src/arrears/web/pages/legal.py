"""Legal's first screen (``/legal``, ``legal:review``): the accounts waiting for a decision on the
business date (the daily run's referrals of that day and the collectors' open requests) with their
evidence, the decision (proceed, or return with a reason; audited), and the decisions of the last
30 days. Each decision runs in one audited transaction; it shows on the case's timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import parse_id
from arrears.legal import review, rules
from arrears.users.permissions import allowed
from arrears.users.scope import may_open
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in, work_day
from arrears.web.form_errors import said
from arrears.web.labels import N_
from arrears.web.pages.workspace import NotInScope, form_fields

router = APIRouter(include_in_schema=False)
Reviewer = Annotated[sessions.Session, Depends(signed_in("legal:review", "account:read"))]
MAX_PAGE = 100_000
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE, description="the page of the queue (from 1)")]

LABELS = (  # the timeline's legal items (arrears.legal.review) and the outcomes (as the trail shows them)
    N_("legal review requested"), N_("legal review decided"), N_("proceed with legal action"),
    N_("returned to collection"), N_("referral"), N_("request"), N_("proceed"), N_("return"),
)  # fmt: skip


def _queue_page(
    request: Request,
    session: sessions.Session,
    page_no: int,
    *,
    status_code: int = 200,
    **more: Any,
) -> HTMLResponse:
    clear, cipher, moment = allowed(session.user.role, "pii:reveal"), request.app.state.cipher, now()
    day = work_day(request).date
    with request.app.state.engine.connect() as connection:
        shown = review.queue(connection, day=day, now=moment, page=page_no, clear_text=clear, cipher=cipher)
        recent = review.recent_decisions(connection, now=moment, clear_text=clear, cipher=cipher)
    return page(request, "legal.html", status_code=status_code, queue=shown, recent=recent,
                recent_days=review.RECENT_DAYS, outcome_labels=review.OUTCOME_LABELS,
                notice=request.query_params.get("done"), **more)  # fmt: skip


@router.get("/legal", response_class=HTMLResponse)
def legal_queue(request: Request, session: Reviewer, page_no: PageNo = 1) -> HTMLResponse:
    return _queue_page(request, session, page_no)


@router.post("/legal/decisions")
async def legal_decide(request: Request, session: Reviewer) -> Response:
    """Decides what waits on the account (its referral and requests); back to the queue with a notice,
    or the queue again (422; 409 when decided meanwhile) with the refusal in the account's form and
    what was typed."""
    form = await form_fields(request)
    account_id = parse_id(form.get("account_id", ""), field="account_id")  # 422 naming the field
    page_no = _page_no(form.get("page_no", ""))
    try:
        decision = rules.decision(form.get("outcome", ""), form.get("reason"))
        with audit_transaction(request.app.state.engine) as connection:
            if not may_open(connection, session.user, account_id):
                raise NotInScope()
            review.decide(connection, account_id=account_id, decision=decision, by=session.user,
                          day=work_day(request).date, policy=request.app.state.policy, now=now())  # fmt: skip
    except NotFound:
        raise NotInScope() from None
    except ArrearsError as problem:
        status = 409 if isinstance(problem, review.NothingWaiting) else 422
        return _queue_page(request, session, page_no, status_code=status, failed=account_id,
                           error=said(locale(request), "legal", problem), typed=form)  # fmt: skip
    return RedirectResponse(f"/legal?done={decision.outcome}&page_no={page_no}", status_code=303)


def _page_no(text: str) -> int:
    """The queue's page the form was sent from (1 when it names none that can be)."""
    value = text.strip()
    return min(int(value), MAX_PAGE) if value.isdigit() and 0 < len(value) <= 6 and int(value) > 0 else 1
