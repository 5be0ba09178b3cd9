"""POST /api/v1/auth/token: the OAuth2 password flow, for dialers and integrations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import Engine

from arrears.api.deps import engine
from arrears.kit.clock import now
from arrears.users.service import TOKEN_HOURS, SignInFailed, authenticate, issue_token

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = TOKEN_HOURS * 3600
    role: str


@router.post("/token", response_model=Token)
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()],
          database: Annotated[Engine, Depends(engine)]) -> Token:  # fmt: skip
    """A bearer token for the user (valid 8 hours; it ends sooner at a password change, a lockout, a
    role or team change and a deactivation). Five failures in a row lock the account for 15 minutes,
    counted atomically (parallel guesses all count); the answer never says which of username,
    password or lock was wrong."""
    # its own transaction, committed even when the sign-in fails: failures must be counted
    problem: SignInFailed | None = None
    with database.begin() as connection:
        try:
            user = authenticate(connection, username=form.username, password=form.password, now=now())
        except SignInFailed as failed:
            problem = failed
    if problem is not None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, problem.message_en, headers={"WWW-Authenticate": "Bearer"}
        )
    if user.must_change_password:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "the password was set by an administrator: sign in to the workspace and choose your own first",
        )
    return Token(access_token=issue_token(request.app.state.token_key, user), role=user.role)
