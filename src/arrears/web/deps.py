"""What the pages share: the language, the signed-in session, permissions, CSRF, rendering."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from arrears.batch.business_day import BusinessDay, business_day
from arrears.kit.clock import now
from arrears.users.permissions import allowed
from arrears.web import sessions
from arrears.web.i18n import locale_of, render

SESSION_COOKIE = "arrears_session"
LOGIN_CSRF_COOKIE = "arrears_csrf"  # the sign-in form's double-submit token (no session yet)
LANG_COOKIE = "arrears_lang"
CSRF_FIELD, CSRF_HEADER = "csrf_token", "x-csrf-token"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class SignInRequired(Exception):
    """No live session: the page answers with the sign-in page (or an htmx redirect to it)."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PasswordChangeRequired(Exception):
    """Signed in with a password an administrator set: the password page first (or an htmx redirect)."""


# what a user who must replace their password may still reach
PASSWORD_PATHS = frozenset({"/account/password", "/logout"})


class Forbidden(Exception):
    """The role lacks the permission (403 page)."""

    def __init__(self, permission: str) -> None:
        self.permission = permission


class BadCsrf(Exception):
    """A form or htmx request without the session's CSRF token (403)."""


class BodyTooLarge(Exception):
    """A request body over its route's limit (413), refused before anything parses it."""


def bounded_body(limit: int) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """A route dependency (in the route's ``dependencies=``, which run before its parameters' and so
    before the session's form is read): reads the body, at most ``limit`` bytes, and raises
    :class:`BodyTooLarge` past them, by Content-Length and while reading (a chunked body declares no
    length). The body read is kept for the form parser."""

    async def dependency(request: Request) -> None:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            raise BodyTooLarge()
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyTooLarge()
            chunks.append(chunk)
        request._body = b"".join(chunks)  # what Request.body() keeps: the form is parsed from it

    return dependency


def locale(request: Request) -> str:
    return locale_of(request.cookies.get(LANG_COOKIE), request.app.state.settings.locale)


def secure_cookies(request: Request) -> bool:
    """Cookies are ``Secure`` behind HTTPS (or when ARREARS_SECURE_COOKIES says so)."""
    setting: bool | None = request.app.state.settings.secure_cookies
    return setting if setting is not None else request.url.scheme == "https"


def same(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


async def sent_csrf(request: Request) -> str | None:
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    form = await request.form()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


def _find(request: Request, token: str) -> sessions.Session | None:
    with request.app.state.engine.begin() as connection:
        return sessions.find(connection, token=token, now=now())


def signed_in(*permissions: str) -> Callable[[Request], Coroutine[Any, Any, sessions.Session]]:
    """A dependency: the live session, whose user holds every one of ``permissions`` (none: signing
    in is enough); unsafe methods must carry the session's CSRF token. A page that shows an account's
    data names ``account:read`` among them."""

    async def dependency(request: Request) -> sessions.Session:
        token = request.cookies.get(SESSION_COOKIE)
        # on a worker thread: waiting for a pool connection must never block the event loop
        found = await run_in_threadpool(_find, request, token) if token else None
        if found is None:
            raise SignInRequired(request.url.path)
        if request.method in UNSAFE and not same(found.csrf_token, await sent_csrf(request)):
            raise BadCsrf()
        if found.user.must_change_password and request.url.path not in PASSWORD_PATHS:
            raise PasswordChangeRequired()
        for permission in permissions:
            if not allowed(found.user.role, permission):
                raise Forbidden(permission)
        request.state.session = found
        return found

    # read by the authorization matrix test
    dependency.permission = permissions[0] if permissions else None  # type: ignore[attr-defined]
    dependency.permissions = permissions  # type: ignore[attr-defined]
    return dependency


def work_day(request: Request) -> BusinessDay:
    """The business date of this request (the latest completed daily run's; read once per request)."""
    found: BusinessDay | None = getattr(request.state, "business_day", None)
    if found is None:
        today = now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()
        with request.app.state.engine.connect() as connection:
            found = business_day(connection, today=today)
        request.state.business_day = found
    return found


def page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A rendered page (or htmx fragment) in the request's language, with the user, the permission
    check and the CSRF token at hand."""
    session: sessions.Session | None = getattr(request.state, "session", None)
    user = session.user if session else None
    body = render(
        locale(request),
        template,
        request=request,
        user=user,
        csrf_token=session.csrf_token if session else None,
        can=(lambda permission: user is not None and allowed(user.role, permission)),
        here=quote(request.url.path),
        business=work_day(request) if user is not None else None,
        **context,
    )
    return HTMLResponse(body, status_code=status_code)
