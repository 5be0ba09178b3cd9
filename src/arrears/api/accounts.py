"""GET /api/v1/accounts/{account_id}: the case file, masked."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, status
from sqlalchemy import Connection

from arrears.accounts.case_file import case_file
from arrears.api.deps import connection, permitted
from arrears.users.scope import may_open
from arrears.users.service import StaffUser

router = APIRouter(prefix="/api/v1/accounts", tags=["accounts"])


@router.get("/{account_id}")
def get_case_file(
    account_id: int,
    user: Annotated[StaffUser, Depends(permitted("account:read"))],
    db: Annotated[Connection, Depends(connection)],
) -> dict[str, Any]:
    """The account, its customer with personal data masked, the other accounts, DPD history, holds
    and the timeline. An account outside the caller's scope answers 404, as a missing one does."""
    found = case_file(db, account_id) if may_open(db, user, account_id) else None
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_id}")
    return found
