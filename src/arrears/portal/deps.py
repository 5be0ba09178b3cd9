"""What the cardholder portal's pages share: the signed-in cardholder, CSRF, rendering.

Use::

    from arrears.portal.deps import Cardholder, portal_page
    # Cardholder = Annotated[PortalSession, Depends(cardholder())]

    @router.get("/my/thing")
    def thing(request: Request, session: Cardholder) -> HTMLResponse:
        return portal_page(request, "my/thing.html", title=...)

``cardholder()`` returns the dependency: the live :class:`PortalSession` of the ``arrears_my`` cookie
(path ``/my``), or a 303 redirect to ``/my/login`` (htmx: 401 with ``HX-Redirect``). A POST, PUT, PATCH
or DELETE must carry the session's CSRF token (form field ``csrf_token`` or header ``x-csrf-token``),
else 403. The staff cookie ``arrears_session`` is never read here, and the staff pages never read
``arrears_my``: the two kinds of session live in different tables.

The clock is read through ``arrears.kit.clock.now`` at call time, so a test can move it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.kit import clock
from arrears.portal import sessions
from arrears.portal.sessions import PortalSession
from arrears.web.deps import UNSAFE, BadCsrf, locale, same, secure_cookies, sent_csrf
from arrears.web.i18n import gettext, render

PORTAL_COOKIE = "arrears_my"
CHALLENGE_COOKIE = "arrears_my_code"  # the one-time-code step's challenge token
LOGIN_CSRF_COOKIE = "arrears_my_csrf"  # the sign-in forms' double-submit token (no session yet)
COOKIE_PATH = "/my"
LOGIN_PATH = "/my/login"

__all__ = ["Cardholder", "PortalSession", "cardholder", "portal_error", "portal_page", "reading"]


def idle(request: Request) -> timedelta:
    return timedelta(minutes=request.app.state.settings.portal_idle_minutes)


def reading(request: Request) -> Connection:
    """A connection for work that needs no transaction of its own: reading a page's figures, or the
    session lookup's single-statement updates. It runs in autocommit, which spares the BEGIN and the
    ROLLBACK round trips; each statement sees what was committed when it started, as it does in the
    READ COMMITTED transaction it would otherwise run in. Never for audited writes (the audit log
    refuses an autocommit connection) nor for writes that must happen together."""
    connection: Connection = request.app.state.engine.connect()
    return connection.execution_options(isolation_level="AUTOCOMMIT")


def _find(request: Request, token: str) -> PortalSession | None:
    with reading(request) as connection:  # one SELECT; at most one UPDATE or DELETE after it
        return sessions.find(connection, token=token, now=clock.now(), idle=idle(request))


def signed_out(request: Request) -> HTTPException:
    """The answer to a request without a live session: to the sign-in page."""
    if request.headers.get("hx-request"):
        return HTTPException(status_code=401, headers={"HX-Redirect": LOGIN_PATH})
    return HTTPException(status_code=303, headers={"Location": LOGIN_PATH})


def cardholder() -> Callable[[Request], Coroutine[Any, Any, PortalSession]]:
    """A dependency: the signed-in cardholder's session; unsafe methods must carry its CSRF token."""

    async def dependency(request: Request) -> PortalSession:
        token = request.cookies.get(PORTAL_COOKIE)
        found = await run_in_threadpool(_find, request, token) if token else None
        if found is None:
            raise signed_out(request)
        if request.method in UNSAFE and not same(found.csrf_token, await sent_csrf(request)):
            raise BadCsrf()
        request.state.portal_session = found
        return found

    dependency.permission = None  # type: ignore[attr-defined]  # read by the authorization matrix test
    dependency.permissions = ()  # type: ignore[attr-defined]
    dependency.portal = True  # type: ignore[attr-defined]
    return dependency


Cardholder = Annotated[PortalSession, Depends(cardholder())]


def set_portal_cookie(request: Request, response: Response, name: str, value: str) -> None:
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="lax",
                        secure=secure_cookies(request))  # fmt: skip


def drop_portal_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH)


def portal_page(request: Request, template: str, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A rendered portal page (a template under ``my/``) in the request's language, with the session,
    its CSRF token and ``here`` (the quoted path, for the language switch)."""
    session: PortalSession | None = getattr(request.state, "portal_session", None)
    context.setdefault("csrf_token", session.csrf_token if session else None)
    body = render(
        locale(request),
        template,
        request=request,
        session=session,
        here=quote(request.url.path),
        hotline=request.app.state.settings.sms_hotline,
        **context,
    )
    return HTMLResponse(body, status_code=status_code)


def portal_error(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    """The portal's error page; ``title`` and ``message`` are English messages, translated here."""
    lang = locale(request)
    return portal_page(request, "my/error.html", status_code=status_code,
                       title=gettext(lang, title), message=gettext(lang, message))  # fmt: skip


def to_login() -> RedirectResponse:
    return RedirectResponse(LOGIN_PATH, status_code=303)
