"""The cardholder portal's sign-in (``/my/login``, ``/my/code``), sign-out and language switch.

The two sign-in forms carry a double-submit CSRF token (cookie ``arrears_my_csrf``, path ``/my``); the
code step's challenge token is in the cookie ``arrears_my_code``. Whatever the details typed, a valid
form leads to the same code page: the answer never tells whether an account exists.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.kit import clock
from arrears.portal import sessions, signin
from arrears.portal.deps import (
    CHALLENGE_COOKIE,
    LOGIN_CSRF_COOKIE,
    PORTAL_COOKIE,
    Cardholder,
    drop_portal_cookie,
    idle,
    portal_page,
    reading,
    set_portal_cookie,
)
from arrears.web.deps import LANG_COOKIE, bounded_body, locale, same
from arrears.web.i18n import LOCALES, gettext, locale_of
from arrears.web.labels import N_

router = APIRouter(include_in_schema=False)


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _form_page(request: Request, template: str, *, status_code: int = 200, **context: object) -> HTMLResponse:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    answer = portal_page(request, template, status_code=status_code, csrf_token=token, **context)
    set_portal_cookie(request, answer, LOGIN_CSRF_COOKIE, token)
    return answer


def _message(request: Request, text: str, **values: object) -> str:
    """``text`` (marked ``N_`` where it is written, for the catalog) in the page's language."""
    return gettext(locale(request), text, **values)


@router.get("/my/login", response_class=HTMLResponse)
def login_form(request: Request, out: int = 0) -> HTMLResponse:
    """The details form; it says so when the visitor signed out, or when their session has ended (idle
    or past its time limit: the pages sent them here), and then forgets the ended session's cookie."""
    ended = not out and _session_ended(request)
    notice = None
    if out:
        notice = _message(request, N_("You have signed out."))
    elif ended:
        notice = _message(
            request,
            N_("You were signed out after %(minutes)s minutes without activity, or when the session "
               "reached its time limit. Please sign in again."),
            minutes=request.app.state.settings.portal_idle_minutes,
        )  # fmt: skip
    answer = _form_page(request, "my/login.html", notice=notice)
    if ended:
        drop_portal_cookie(answer, PORTAL_COOKIE)
    return answer


def _session_ended(request: Request) -> bool:
    """Whether the browser holds the cookie of a portal session that is no longer live."""
    token = request.cookies.get(PORTAL_COOKIE)
    if not token:
        return False
    with reading(request) as connection:
        return sessions.find(connection, token=token, now=clock.now(), idle=idle(request)) is None


SIGN_IN_BYTES = 8 * 1024  # the sign-in forms' bodies: a few short fields


async def _fields(request: Request, **longest: int) -> dict[str, str]:
    """The sign-in form's fields, the body refused (413) past ``SIGN_IN_BYTES`` before it is parsed (no
    one can make the server spool a large upload before signing in); a value is cut one character past
    its longest (a value that long fails the form's checks as it would whole)."""
    await bounded_body(SIGN_IN_BYTES)(request)
    form = await request.form()
    found = {}
    for name, size in longest.items():
        value = form.get(name)
        found[name] = value[: size + 1] if isinstance(value, str) else ""
    return found


@router.post("/my/login", response_class=HTMLResponse)
async def login_post(request: Request) -> Response:
    fields = await _fields(request, account_digits=40, id_tail=20, csrf_token=100)
    return await run_in_threadpool(login, request, **fields)


def login(request: Request, account_digits: str = "", id_tail: str = "", csrf_token: str = "") -> Response:
    """Step 1: always the same code page for valid details (a challenge is made either way)."""
    if not same(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        error = _message(request, N_("The form has expired. Please try again."))
        return _form_page(request, "my/login.html", status_code=403, error=error)
    digits, tail = signin.normal_digits(account_digits), signin.normal_id_tail(id_tail)
    if not signin.valid_details(digits, tail):
        error = _message(
            request,
            N_("Please type at least the last 4 digits of your card or account number, and the last 6 "
               "characters of your ID card number."),
        )  # fmt: skip
        return _form_page(request, "my/login.html", status_code=422, error=error)
    settings = request.app.state.settings
    with audit_transaction(request.app.state.engine) as connection:
        started = signin.start_challenge(
            connection,
            cipher=request.app.state.cipher,
            settings=settings,
            account_digits=digits,
            id_tail=tail,
            client_address=client_address(request),
            locale=locale(request),
            now=clock.now(),
        )
    if started.token is None:
        error = _message(request, N_("Too many attempts from this connection. Please try again in an hour."))
        return _form_page(request, "my/login.html", status_code=429, error=error)
    answer = RedirectResponse("/my/code", status_code=303)
    set_portal_cookie(request, answer, CHALLENGE_COOKIE, started.token)
    return answer


@router.get("/my/code", response_class=HTMLResponse)
def code_form(request: Request) -> Response:
    with reading(request) as connection:
        open_ = signin.challenge_open(
            connection, token=request.cookies.get(CHALLENGE_COOKIE), now=clock.now()
        )
    if not open_:
        return RedirectResponse("/my/login", status_code=303)
    return _form_page(request, "my/code.html", minutes=request.app.state.settings.portal_code_minutes)


@router.post("/my/code", response_class=HTMLResponse)
async def code_post(request: Request) -> Response:
    fields = await _fields(request, code=20, csrf_token=100)
    return await run_in_threadpool(code, request, **fields)


def code(request: Request, code: str = "", csrf_token: str = "") -> Response:
    """Step 2: the right code signs in (a new session: no fixation); wrong ones count."""
    settings = request.app.state.settings
    if not same(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        error = _message(request, N_("The form has expired. Please try again."))
        return _form_page(
            request, "my/code.html", status_code=403, error=error, minutes=settings.portal_code_minutes
        )
    now = clock.now()
    with audit_transaction(request.app.state.engine) as connection:
        checked = signin.check_code(
            connection,
            cipher=request.app.state.cipher,
            settings=settings,
            token=request.cookies.get(CHALLENGE_COOKIE),
            code=code.strip(),
            client_address=client_address(request),
            now=now,
            replacing=request.cookies.get(PORTAL_COOKIE),
        )
    if checked.outcome == "signed_in" and checked.session_token is not None:
        answer = RedirectResponse("/my", status_code=303)
        set_portal_cookie(request, answer, PORTAL_COOKIE, checked.session_token)
        drop_portal_cookie(answer, CHALLENGE_COOKIE)
        drop_portal_cookie(answer, LOGIN_CSRF_COOKIE)
        return answer
    if checked.outcome == "wrong":
        error = _message(request, N_("The code is not right. Tries left: %(left)s."), left=checked.tries_left)
        return _form_page(
            request, "my/code.html", status_code=422, error=error, minutes=settings.portal_code_minutes
        )
    if checked.outcome == "limited":
        error = _message(request, N_("Too many attempts from this connection. Please try again in an hour."))
        return _form_page(request, "my/login.html", status_code=429, error=error)
    error = _message(request, N_("This code can no longer be used. Please start again."))
    void = _form_page(request, "my/login.html", status_code=400, error=error)
    drop_portal_cookie(void, CHALLENGE_COOKIE)
    return void


@router.post("/my/logout")
def logout(request: Request, session: Cardholder) -> Response:
    with request.app.state.engine.begin() as connection:
        sessions.end(connection, token=request.cookies[PORTAL_COOKIE])
    answer = RedirectResponse("/my/login?out=1", status_code=303)
    drop_portal_cookie(answer, PORTAL_COOKIE)
    return answer


def safe_my_path(path: str | None) -> str:
    """Only a portal path: never an open redirect, never into the staff pages."""
    if path and (path == "/my" or path.startswith("/my/")) and "\\" not in path and "//" not in path:
        return path
    return "/my"


@router.get("/my/lang/{code}")
def switch_language(request: Request, code: str, next: str = "/my") -> Response:
    answer = RedirectResponse(safe_my_path(next), status_code=303)
    if code in LOCALES or locale_of(code, "") in LOCALES:
        answer.set_cookie(LANG_COOKIE, locale_of(code), samesite="lax", max_age=365 * 86400)
    return answer
