"""POST /api/v1/queue/next: the caller's next case from the call queue."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from pydantic import BaseModel

from arrears.api.deps import permitted
from arrears.audit.repository import audit_transaction
from arrears.contacts.queue import QueueCapReached, claim_next
from arrears.kit.clock import now
from arrears.users.service import StaffUser

router = APIRouter(prefix="/api/v1/queue", tags=["queue"])


class Case(BaseModel):
    id: int
    account_id: int
    customer_id: int
    run_date: date
    priority: int | None
    value_fen: int
    segment: str
    arm: str
    treatment: str
    template: str | None
    deadline_day: int | None
    scheduled_at: datetime
    lease_until: datetime


@router.post(
    "/next",
    response_model=Case,
    responses={
        204: {"description": "The queue is empty."},
        409: {"description": "The caller holds as many cases as they may (ARREARS_MAX_HELD_CASES)."},
    },
)
def next_case(
    request: Request, user: Annotated[StaffUser, Depends(permitted("queue:work"))]
) -> Case | Response:
    """Claims the most valuable free call of the day for the caller, for 30 minutes. Two callers never
    get the same case; a caller holding ``ARREARS_MAX_HELD_CASES`` cases gets 409 until a call is
    logged on one of them or a lease runs out."""
    cap = request.app.state.settings.max_held_cases
    try:
        with audit_transaction(request.app.state.engine) as connection:
            claimed = claim_next(connection, user_id=user.id, team_id=user.team_id, now=now(), max_held=cap)
    except QueueCapReached as full:
        detail = {"message": full.message_en, "message_zh": full.message_zh}
        raise HTTPException(status.HTTP_409_CONFLICT, detail) from None
    if claimed is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    return Case.model_validate(claimed)
