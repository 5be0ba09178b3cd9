"""Plans on the case page (the calculator's preview, the proposal) and the approvals page."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.api.deps import business_date
from arrears.arrangements.rules import PlanTerms
from arrears.arrangements.service import decide_approval, pending_approvals, preview_plan, propose_plan
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import parse_day
from arrears.kit.money import parse_amount_fen
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.form_errors import refusal
from arrears.web.pages.workspace import case_with_error, form_fields

router = APIRouter(include_in_schema=False)
Proposer = Annotated[sessions.Session, Depends(signed_in("plan:propose"))]
Approver = Annotated[sessions.Session, Depends(signed_in("plan:approve"))]


def _yuan(form: dict[str, str], name: str) -> int:
    text = form.get(name, "").strip()
    return parse_amount_fen(text, field=name) if text else 0


def _day(form: dict[str, str], name: str) -> date | None:
    text = form.get(name, "").strip()
    return parse_day(text, field=name) if text else None


def terms_of(form: dict[str, str]) -> PlanTerms:
    """The calculator's terms from the plan form (amounts in yuan); ValueError for a bad field."""
    first_due = _day(form, "first_due_date")
    if first_due is None:
        raise ValueError("first_due_date")
    kind = form.get("kind", "instalment")
    try:
        months = int(form["months"]) if kind == "instalment" and form.get("months") else None
    except ValueError:
        raise ValueError("months") from None
    return PlanTerms(
        kind=kind,  # type: ignore[arg-type]  # the calculator refuses an unknown kind
        first_due_date=first_due,
        months=months,
        waived_interest_fen=_yuan(form, "waived_interest"),
        waived_fee_fen=_yuan(form, "waived_fee"),
        down_payment_fen=_yuan(form, "down_payment"),
        down_payment_date=_day(form, "down_payment_date"),
    )


@router.post("/cases/{account_id:id}/plans/preview", response_class=HTMLResponse)
async def plan_preview(request: Request, account_id: int, session: Proposer) -> HTMLResponse:
    """The schedule the terms make, and who must approve it (an htmx fragment; nothing is stored)."""
    form, lang = await form_fields(request), locale(request)
    try:
        terms = terms_of(form)
        with request.app.state.engine.connect() as connection:
            preview = preview_plan(connection, account_id=account_id, terms=terms, by=session.user,
                                   today=business_date(request))  # fmt: skip
    except (ArrearsError, ValueError) as problem:  # a field refused (named) or terms the calculator refuses
        return page(request, "_plan_preview.html", error=refusal(lang, "plan", form, problem).message)
    return page(request, "_plan_preview.html", plan=preview.schedule, ruling=preview.ruling)


@router.post("/cases/{account_id:id}/plans")
async def plan_propose(request: Request, account_id: int, session: Proposer) -> Response:
    """Stores the plan: active within the proposer's authority, else waiting for approval."""
    form, lang = await form_fields(request), locale(request)
    at = now()
    try:
        terms = terms_of(form)
        with audit_transaction(request.app.state.engine) as connection:
            proposed = propose_plan(connection, account_id=account_id, terms=terms, by=session.user,
                                    today=business_date(request), now=at)  # fmt: skip
    except (ArrearsError, ValueError) as problem:  # a field refused (named) or terms the calculator refuses
        return case_with_error(request, session, account_id, refusal(lang, "plan", form, problem))
    done = "plan" if proposed.status == "active" else "plan_pending"
    return RedirectResponse(f"/cases/{account_id}?done={done}", status_code=303)


@router.get("/approvals", response_class=HTMLResponse)
def approvals(request: Request, session: Approver) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        waiting: list[dict[str, Any]] = pending_approvals(connection, user=session.user)
    return page(request, "approvals.html", approvals=waiting, done=request.query_params.get("done"))


@router.post("/approvals/{approval_id:id}")
async def decide(request: Request, approval_id: int, session: Approver) -> Response:
    form, lang = await form_fields(request), locale(request)
    decision = form.get("decision", "")
    at = now()
    try:
        with audit_transaction(request.app.state.engine) as connection:
            decide_approval(connection, approval_id=approval_id, decision=decision,  # type: ignore[arg-type]
                            comment=form.get("comment"), by=session.user, today=business_date(request),
                            now=at)  # fmt: skip
    except ArrearsError as problem:
        with request.app.state.engine.connect() as connection:
            waiting = pending_approvals(connection, user=session.user)
        return page(
            request, "approvals.html", approvals=waiting, error=problem.message(lang), status_code=422
        )
    return RedirectResponse(f"/approvals?done={decision}", status_code=303)
