"""What every endpoint shares: the database, the signed-in user, permissions."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import Connection, Engine

from arrears.kit.clock import now
from arrears.users.permissions import allowed
from arrears.users.service import BadToken, StaffUser, user_of_token

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


def business_date(request: Request) -> date:
    """Today in the cardholders' time zone (``ARREARS_TIMEZONE``): the day plans are agreed and fall due."""
    return now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()


def engine(request: Request) -> Engine:
    found: Engine = request.app.state.engine
    return found


def transaction(request: Request) -> AbstractContextManager[Connection]:
    """The endpoint's transaction, opened inside the endpoint: committed when the block ends, rolled
    back on error. (Not a dependency: FastAPI would hold the connection between the threads it runs
    the dependency, the endpoint and the response in, and under load every thread would wait for a
    connection held by a request waiting for a thread.)"""
    return engine(request).begin()


def current_user(request: Request, token: Annotated[str | None, Depends(bearer)]) -> StaffUser:
    """The token's user, read on a short connection of its own: a request never holds two
    connections of the pool at once (the endpoint's own, and this one), which would exhaust the pool
    under load."""
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, "sign in first", headers={"WWW-Authenticate": "Bearer"}
        )
    try:
        with engine(request).connect() as db:
            return user_of_token(db, request.app.state.token_key, token)
    except BadToken as problem:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, problem.message_en, headers={"WWW-Authenticate": "Bearer"}
        ) from None


def permitted(permission: str, *more: str) -> Callable[[StaffUser], StaffUser]:
    """A dependency: the signed-in user, who must hold ``permission`` and every one of ``more`` (else
    403). An endpoint that shows an account's data names ``account:read`` among them."""
    needed = (permission, *more)

    def check(user: Annotated[StaffUser, Depends(current_user)]) -> StaffUser:
        for one in needed:
            if not allowed(user.role, one):
                raise HTTPException(status.HTTP_403_FORBIDDEN, f"the role {user.role} may not {one}")
        return user

    # read by the authorization matrix test
    check.permission = permission  # type: ignore[attr-defined]
    check.permissions = needed  # type: ignore[attr-defined]
    return check
