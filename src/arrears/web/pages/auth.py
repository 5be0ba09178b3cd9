"""Sign-in, sign-out, password change and the language switch."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError
from arrears.users.passwords import WeakPassword, hash_password
from arrears.users.service import SignInFailed, StaffUser, authenticate, change_password
from arrears.web import sessions
from arrears.web.deps import (
    LANG_COOKIE,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    locale,
    page,
    same,
    secure_cookies,
    signed_in,
)
from arrears.web.i18n import LOCALES, gettext, locale_of

router = APIRouter(include_in_schema=False)
Signed = Annotated[sessions.Session, Depends(signed_in())]


def safe_next(path: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if path and path.startswith("/") and not path.startswith("//") and "\\" not in path:
        return path
    return "/"


def _login_page(request: Request, *, next_path: str, error: str | None = None, status_code: int = 200
                ) -> HTMLResponse:  # fmt: skip
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    answer = page(
        request, "login.html", status_code=status_code, login_csrf=token, next=next_path, error=error
    )
    answer.set_cookie(
        LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request)
    )
    return answer


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return _login_page(request, next_path=safe_next(next))


def _sign_in(request: Request, username: str, password: str) -> StaffUser | None:
    # its own transaction, committed even when the sign-in fails: failures must be counted
    with request.app.state.engine.begin() as connection:
        try:
            return authenticate(connection, username=username, password=password, now=now())
        except SignInFailed:
            return None


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=secure_cookies(request))


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    username: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """A new session on success (the one the browser had is ended: no session fixation)."""
    if not same(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        message = gettext(locale(request), "The form has expired. Please sign in again.")
        return _login_page(request, next_path=safe_next(next), error=message, status_code=403)
    user = _sign_in(request, username, password)
    if user is None:
        message = gettext(locale(request), "Wrong username or password, or the account is locked.")
        return _login_page(request, next_path=safe_next(next), error=message, status_code=401)
    with request.app.state.engine.begin() as connection:
        token = sessions.start(
            connection, user=user, now=now(), replacing=request.cookies.get(SESSION_COOKIE)
        )
    # a password an administrator set is replaced before anything else
    target = "/account/password" if user.must_change_password else safe_next(next)
    answer = RedirectResponse(target, status_code=303)
    set_session_cookie(request, answer, token)
    answer.delete_cookie(LOGIN_CSRF_COOKIE)
    return answer


@router.post("/logout")
def logout(request: Request, session: Signed) -> Response:
    with request.app.state.engine.begin() as connection:
        sessions.end(connection, token=request.cookies[SESSION_COOKIE])
    answer = RedirectResponse("/login", status_code=303)
    answer.delete_cookie(SESSION_COOKIE)
    return answer


@router.get("/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/") -> Response:
    answer = RedirectResponse(safe_next(next), status_code=303)
    if code in LOCALES or locale_of(code, "") in LOCALES:
        answer.set_cookie(LANG_COOKIE, locale_of(code), samesite="lax", max_age=365 * 86400)
    return answer


@router.get("/account/password", response_class=HTMLResponse)
def password_form(request: Request, session: Signed) -> HTMLResponse:
    return page(request, "password.html")


@router.post("/account/password", response_class=HTMLResponse)
def password_change(
    request: Request,
    session: Signed,
    current: Annotated[str, Form(max_length=200)],
    new: Annotated[str, Form(max_length=200)],
    confirm: Annotated[str, Form(max_length=200)],
) -> Response:
    """Changes the password; every session of the user ends and this browser gets a new one."""
    lang = locale(request)
    problem = None
    if new != confirm:
        problem = gettext(lang, "The two new passwords differ.")
    else:
        try:
            hash_password(new)  # the strength check, before anything is written
        except WeakPassword as weak:
            problem = weak.message(lang)
    if problem is None:
        with request.app.state.engine.begin() as connection:
            try:
                change_password(connection, user_id=session.user.id, current=current, new=new, now=now())
            except ArrearsError as failed:
                problem = failed.message(lang)
    if problem is not None:
        return page(request, "password.html", error=problem, status_code=422)
    with request.app.state.engine.begin() as connection:
        sessions.end_all(connection, user_id=session.user.id)
        token = sessions.start(connection, user=session.user, now=now())  # the new one reads the flag again
    answer = RedirectResponse("/?changed=1", status_code=303)
    set_session_cookie(request, answer, token)
    return answer
