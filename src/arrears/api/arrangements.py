"""Repayment plans and their approvals over HTTP: preview, propose, pending approvals, decide.

An account, plan or approval outside the caller's scope answers 404, as a missing one does; terms or
decisions the rules refuse answer 422 with the reason. Proposals and decisions run in an audit
transaction (they append to the audit chain).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, status

from arrears.api.deps import business_date, permitted, transaction
from arrears.arrangements import service
from arrears.arrangements.schemas import (
    ApprovalOut,
    DecidedOut,
    DecisionRequest,
    PlanRequest,
    PreviewOut,
    ProposedOut,
)
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.users.service import StaffUser

router = APIRouter(prefix="/api/v1", tags=["arrangements"])


@contextmanager
def _answers() -> Iterator[None]:
    """The service's refusals as HTTP answers: 404 not found or out of scope, 403 not permitted, 422
    refused by the rules."""
    try:
        yield
    except NotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, missing.message_en) from None
    except service.NotPermitted as forbidden:
        raise HTTPException(status.HTTP_403_FORBIDDEN, forbidden.message_en) from None
    except ArrearsError as problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem.message_en) from None


@router.post("/accounts/{account_id:id}/plans/preview", response_model=PreviewOut)
def preview_plan(
    request: Request,
    account_id: int,
    terms: PlanRequest,
    user: Annotated[StaffUser, Depends(permitted("plan:propose"))],
    today: Annotated[date, Depends(business_date)],
) -> PreviewOut:
    """The schedule the terms make on the account's current balances, and whether the caller may agree
    it or which role must approve it. Writes nothing."""
    with transaction(request) as db:
        with _answers():
            found = service.preview_plan(db, account_id=account_id, terms=terms.terms(), by=user, today=today)
        return PreviewOut.of(found.schedule, found.ruling)


@router.post(
    "/accounts/{account_id:id}/plans", response_model=ProposedOut, status_code=status.HTTP_201_CREATED
)
def propose_plan(
    request: Request,
    account_id: int,
    terms: PlanRequest,
    user: Annotated[StaffUser, Depends(permitted("plan:propose"))],
    today: Annotated[date, Depends(business_date)],
) -> ProposedOut:
    """Proposes the plan: ``active`` at once when the caller's authority covers it, else ``proposed``
    with a pending approval (``approval_id``) for the role named in ``required_role``. One open plan
    per account: a second answers 422."""
    with _answers(), audit_transaction(request.app.state.engine) as db:
        proposed = service.propose_plan(
            db, account_id=account_id, terms=terms.terms(), by=user, today=today, now=now()
        )
    return ProposedOut.of(proposed)


@router.get("/approvals", response_model=list[ApprovalOut])
def pending_approvals(
    request: Request,
    user: Annotated[StaffUser, Depends(permitted("plan:approve"))],
) -> list[ApprovalOut]:
    """The pending approvals the caller may decide, oldest first: a team lead's team's plans needing a
    team lead; for a manager, every pending one. Never the caller's own."""
    with transaction(request) as db:
        with _answers():
            found = service.pending_approvals(db, user=user)
        return [ApprovalOut.model_validate(row) for row in found]


@router.post("/approvals/{approval_id:id}/decision", response_model=DecidedOut)
def decide_approval(
    request: Request,
    approval_id: int,
    body: DecisionRequest,
    user: Annotated[StaffUser, Depends(permitted("plan:approve"))],
    today: Annotated[date, Depends(business_date)],
) -> DecidedOut:
    """Approves (the plan becomes active) or rejects (a comment is needed) a pending approval. Refused
    (422) for one's own proposal, one decided already, one needing a higher role, or a plan whose first
    payment fell due before today."""
    with _answers(), audit_transaction(request.app.state.engine) as db:
        decided = service.decide_approval(
            db, approval_id=approval_id, decision=body.decision, comment=body.comment, by=user, today=today,
            now=now(),
        )  # fmt: skip
    return DecidedOut.of(decided)


@router.get("/plans/{plan_id:id}")
def get_plan(
    request: Request,
    plan_id: int,
    user: Annotated[StaffUser, Depends(permitted("account:read"))],
) -> dict[str, Any]:
    """The plan with its instalments and approvals (decision comments included)."""
    with transaction(request) as db, _answers():
        return service.get_plan(db, plan_id=plan_id, user=user, cipher=request.app.state.cipher)
