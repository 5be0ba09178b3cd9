"""GET /api/v1/accounts/{account_id}: the case file, masked."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Request, status

from arrears.accounts.case_file import case_file
from arrears.api.deps import permitted, transaction
from arrears.contacts.call_rules import CallLimits
from arrears.contacts.calls import CallLog, log_call
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.users.permissions import allowed
from arrears.users.scope import may_open
from arrears.users.service import StaffUser

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


@router.get("/{account_id:id}")
def get_case_file(
    request: Request,
    account_id: int,
    user: Annotated[StaffUser, Depends(permitted("account:read"))],
) -> dict[str, Any]:
    """The account, its customer with personal data masked, the other accounts, DPD history, holds
    and the timeline. An account outside the caller's scope answers 404, as a missing one does."""
    with transaction(request) as db:
        clear = allowed(user.role, "pii:reveal")  # free text as written; else masked
        opened = may_open(db, user, account_id)
        zone = ZoneInfo(request.app.state.settings.timezone)  # contacts dated by the cardholders' day
        found = (
            case_file(db, account_id, clear_text=clear, cipher=request.app.state.cipher, zone=zone)
            if opened
            else None
        )
        if found is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_id}")
        return found


@router.post("/{account_id:id}/calls", status_code=status.HTTP_201_CREATED)
def post_call(
    request: Request,
    account_id: int,
    call: CallLog,
    user: Annotated[StaffUser, Depends(permitted("contact:log"))],
) -> dict[str, int | None]:
    """Logs a call: party, outcome, the reason for the delinquency, notes, and a promise to pay if
    one was made. The caller's claim on the account's queue item is then done."""
    with transaction(request) as db:
        if not may_open(db, user, account_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_id}")
        if call.promise is not None and not allowed(user.role, "promise:take"):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"the role {user.role} may not promise:take")
        try:
            limits = CallLimits.of(request.app.state.settings)
            return log_call(db, account_id=account_id, user_id=user.id, call=call, now=now(), limits=limits)
        except NotFound as missing:
            raise HTTPException(status.HTTP_404_NOT_FOUND, missing.message_en) from None
        except ArrearsError as problem:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem.message_en) from None
