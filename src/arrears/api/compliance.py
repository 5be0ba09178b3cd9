"""POST /api/v1/compliance/check: the check contract of COMPLIANCE.md over HTTP."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request

from arrears.api.deps import permitted
from arrears.compliance import check
from arrears.users.service import StaffUser

router = APIRouter(prefix="/api/v1/compliance", tags=["compliance"])


@router.post("/check")
def check_actions(
    request: Request,
    body: Annotated[
        Any, Body(description="One situation (an object) or a list of them, as in the CLI's lines.")
    ],
    user: Annotated[StaffUser, Depends(permitted("compliance:check"))],
) -> Any:
    """One decision per situation, in order: allow, block or error, the rules, zh and en reasons and
    ``next_allowed_at``. A malformed situation gets an ``error`` decision; the others are decided."""
    policy = request.app.state.policy
    if isinstance(body, list):
        return [check(policy, item).to_dict() for item in body]
    return check(policy, body).to_dict()
