"""The assistant's chat page on the portal (``/my/assistant``), open signed in or not.

Without a session the assistant answers general questions, and an account question with how to sign in;
inside a verified session it may answer with the figures of one of the cardholder's own accounts (chosen
on the form; the most overdue by default). Questions post as a form (``text``, at most 500 characters;
the engine refuses more), which works without JavaScript (the answer: a redirect to the page, which shows
the conversation); with htmx (vendored) the form swaps in the conversation alone. POSTs carry a CSRF
token: the session's, or for a visitor the sign-in forms' double-submit cookie (``arrears_my_csrf``).
The conversation's random token is in the cookie ``arrears_my_chat`` (path ``/my``).

A hand-over the latest answer offers (``POST /my/assistant/handover``, signed in) opens a service case
or asks for a callback (``assistant.handovers``); without a session the page says how to sign in or call
the hotline. The question's text is never logged.
"""

from __future__ import annotations

import secrets
import threading
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.assistant import knowledge, model
from arrears.assistant.conversations import (
    Asker,
    Shown,
    TooManyQuestions,
    ask_and_keep,
    find,
    history,
    session_binding,
)
from arrears.assistant.handovers import hand_over_to_callback, hand_over_to_case
from arrears.assistant.repository import AssistantRepository
from arrears.assistant.text import MAX_QUESTION, InvalidQuestion
from arrears.audit.repository import audit_transaction
from arrears.kit import clock
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField, parse_day
from arrears.portal import offers, sessions
from arrears.portal.accounts import AccountRow, accounts_of
from arrears.portal.deps import (
    LOGIN_CSRF_COOKIE,
    PORTAL_COOKIE,
    Cardholder,
    idle,
    portal_error,
    portal_page,
    reading,
    set_portal_cookie,
)
from arrears.portal.offer_rules import parse_window, window_label
from arrears.portal.sessions import PortalSession
from arrears.servicedesk.categories import CATEGORIES, name
from arrears.web.deps import CSRF_HEADER, bounded_body, locale, same
from arrears.web.i18n import gettext
from arrears.web.labels import N_
from arrears.web.pages.my_owe import cardholders_today, payment_order

router = APIRouter(include_in_schema=False)
PATH = "/my/assistant"
CHAT_COOKIE = "arrears_my_chat"  # the conversation's random token (its SHA-256 is kept)
QUESTION_BYTES = 16 * 1024  # the form's body: 500 characters, percent-encoded, and the other fields
HANDED = ("service_case", "callback")


def _live_session(request: Request) -> PortalSession | None:
    """The request's live portal session (None: a visitor, or a session that has ended)."""
    token = request.cookies.get(PORTAL_COOKIE)
    if not token:
        return None
    with reading(request) as connection:
        found = sessions.find(connection, token=token, now=clock.now(), idle=idle(request))
    if found is not None:
        request.state.portal_session = found  # the page shows the signed-in navigation
    return found


def _asker(request: Request, session: PortalSession | None) -> Asker:
    if session is None:
        return Asker()
    return Asker(session.customer_id, session_binding(request.app.state.cipher, session.key))


def _csrf_ok(request: Request, session: PortalSession | None, sent: str | None) -> bool:
    """The session's token when signed in, else the sign-in forms' double-submit cookie."""
    expected = session.csrf_token if session is not None else request.cookies.get(LOGIN_CSRF_COOKIE)
    return same(expected, sent)


def _partial(request: Request) -> bool:
    return bool(request.headers.get("hx-request"))


def _handover_choices(request: Request) -> dict[str, Any]:
    """What the hand-over forms offer: the categories, and the callback's days and windows (the first
    window not over yet chosen by default)."""
    lang = locale(request)
    zone = ZoneInfo(request.app.state.settings.timezone)
    windows = offers.windows(request.app.state.policy)
    local = clock.now().astimezone(zone)
    days = offers.callback_days(local.date())
    open_today = [one for one in windows if datetime.combine(local.date(), one[1], zone) > local]
    kinds = ("complaint", "hardship")
    return {
        "categories": {kind: [(code, name(code, lang)) for code in CATEGORIES[kind]] for kind in kinds},
        "days": days,
        "windows": [window_label(one) for one in windows],
        "first_day": days[0] if open_today else days[1],
        "first_window": window_label((open_today or windows)[0]),
    }


def _view(
    connection: Connection, request: Request, session: PortalSession | None, token: str | None
) -> dict[str, Any]:
    """The conversation as the page shows it, what it handed over to, and the cardholder's accounts."""
    asker = _asker(request, session)
    conversation = find(connection, token=token, asker=asker)
    turns: list[Shown] = []
    handed: dict[str, Any] = {}
    if conversation is not None:
        turns = history(connection, conversation=conversation, asker=asker, cipher=request.app.state.cipher,
                        today=cardholders_today(request), order=payment_order(request))  # fmt: skip
        handed = AssistantRepository(connection).handed(conversation["id"])
    accounts: list[AccountRow] = accounts_of(connection, session.customer_id) if session else []
    chosen = conversation["account_id"] if conversation is not None else None
    current = next((a for a in accounts if a.id == chosen), accounts[0] if accounts else None)
    return {"turns": turns, "handed": handed, "accounts": accounts, "current": current}


def _page(
    request: Request, session: PortalSession | None, *, token: str | None = None, status_code: int = 200,
    **context: Any,
) -> HTMLResponse:  # fmt: skip
    """The page (the conversation alone for htmx); a visitor's double-submit cookie set when new."""
    with reading(request) as connection:
        view = _view(connection, request, session, token or request.cookies.get(CHAT_COOKIE))
    csrf = session.csrf_token if session is not None else request.cookies.get(LOGIN_CSRF_COOKIE)
    fresh = None
    if session is None and not csrf:
        fresh = csrf = secrets.token_urlsafe(32)
    template = "my/_assistant_chat.html" if _partial(request) else "my/assistant.html"
    context.setdefault("text", "")
    answer = portal_page(
        request, template, status_code=status_code, csrf_token=csrf, max_question=MAX_QUESTION,
        signed_in=session is not None, **view, **_handover_choices(request), **context,
    )  # fmt: skip
    if fresh:
        set_portal_cookie(request, answer, LOGIN_CSRF_COOKIE, fresh)
    return answer


_WARMING = threading.Event()


def _warm_once() -> None:
    """The page's first view in a process trains the classifier (and loads the articles) on a thread of
    its own, so that the first question does not wait seconds for it (``model.shipped`` trains once)."""
    if not _WARMING.is_set():
        _WARMING.set()
        threading.Thread(target=_warm, name="assistant-warm-up", daemon=True).start()


def _warm() -> None:
    model.shipped()
    knowledge.shipped()


@router.get(PATH, response_class=HTMLResponse)
def assistant_page(request: Request) -> HTMLResponse:
    _warm_once()
    handed = request.query_params.get("handed")
    return _page(request, _live_session(request), handed_now=handed if handed in HANDED else None)


async def _fields(request: Request) -> dict[str, str]:
    form = await request.form()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    if request.headers.get(CSRF_HEADER):
        fields["csrf_token"] = request.headers[CSRF_HEADER]
    return fields


@router.post(PATH, response_class=HTMLResponse, dependencies=[Depends(bounded_body(QUESTION_BYTES))])
async def ask_post(request: Request) -> Response:
    fields = await _fields(request)
    # the database's work (the model's too) on a worker thread, never on the event loop
    return await run_in_threadpool(_ask, request, fields)


def _refused(request: Request, session: PortalSession | None, status_code: int, error: str,
             text: str = "") -> HTMLResponse:  # fmt: skip
    """A refusal on the page; for htmx the conversation with the error (200: htmx swaps only those)."""
    return _page(request, session, status_code=200 if _partial(request) else status_code, error=error,
                 text=text)  # fmt: skip


def _ask(request: Request, fields: dict[str, str]) -> Response:
    session, lang = _live_session(request), locale(request)
    if not _csrf_ok(request, session, fields.get("csrf_token")):
        error = gettext(lang, N_("The form has expired. Please try again."))
        expired = _page(request, session, status_code=403, error=error)
        expired.headers["HX-Refresh"] = "true"  # htmx reloads the page: a fresh form and token
        return expired
    text = fields.get("text", "")
    try:
        with request.app.state.engine.begin() as connection:
            asked = ask_and_keep(
                connection, text=text, lang="en" if lang == "en" else None, asker=_asker(request, session),
                account_no=fields.get("account") or None, token=request.cookies.get(CHAT_COOKIE),
                client_address=request.client.host if request.client else "unknown",
                cipher=request.app.state.cipher, today=cardholders_today(request), now=clock.now(),
                order=payment_order(request),
            )  # fmt: skip
    except InvalidQuestion as refused:
        return _refused(request, session, 422, refused.message(lang), text=text[: MAX_QUESTION * 2])
    except TooManyQuestions as refused:
        return _refused(request, session, 429, refused.message(lang))
    except NotFound:
        return portal_error(request, 404, N_("Not found"), N_("There is no such account among yours."))
    answer: Response = (
        _page(request, session, token=asked.token)
        if _partial(request)
        else RedirectResponse(f"{PATH}#turn-{asked.number}", status_code=303)
    )
    if asked.token:
        set_portal_cookie(request, answer, CHAT_COOKIE, asked.token)
    return answer


@router.post(f"{PATH}/handover", response_class=HTMLResponse,
             dependencies=[Depends(bounded_body(QUESTION_BYTES))])  # fmt: skip
async def handover_post(request: Request, session: Cardholder) -> Response:
    fields = await _fields(request)
    return await run_in_threadpool(_handover, request, session, fields)


def _hand_over(
    connection: Connection, request: Request, session: PortalSession, fields: dict[str, str]
) -> None:
    conversation = find(connection, token=request.cookies.get(CHAT_COOKIE), asker=_asker(request, session))
    if conversation is None:
        raise ArrearsError("there is no conversation to pass on", "没有可以转交的对话")
    state, to = request.app.state, fields.get("to", "")
    common: dict[str, Any] = {
        "conversation": conversation, "customer_id": session.customer_id,
        "account_no": fields.get("account", ""), "cipher": state.cipher, "now": clock.now(),
    }  # fmt: skip
    if to == "service_case":
        hand_over_to_case(connection, category=fields.get("category"), desk=state.desk, **common)
    elif to == "callback":
        day = parse_day(fields.get("day", ""), field="day")
        window = parse_window(fields.get("window", ""), offers.windows(state.policy))
        hand_over_to_callback(connection, day=day, window=window, policy=state.policy,
                              zone=state.settings.timezone, **common)  # fmt: skip
    else:
        raise InvalidField("to", "choose a service case or a callback", "请选择客服工单或回电")


def _handover(request: Request, session: PortalSession, fields: dict[str, str]) -> Response:
    lang = locale(request)
    try:
        with audit_transaction(request.app.state.engine) as connection:
            _hand_over(connection, request, session, fields)
    except NotFound:
        return portal_error(request, 404, N_("Not found"), N_("There is no such account among yours."))
    except ArrearsError as refused:
        return _page(request, session, status_code=422, error=refused.message(lang))
    return RedirectResponse(f"{PATH}?handed={fields.get('to')}#handed", status_code=303)
