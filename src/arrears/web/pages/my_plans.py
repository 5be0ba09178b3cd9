"""The cardholder's plan offers, promises, callbacks and contact preferences (``/my``).

Every page opens only the cardholder's own account (another's answers 404). The records are the staff
workspace's own (``arrears.portal.offers``); a POST carries the session's CSRF token.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.api.deps import business_date
from arrears.arrangements.rules import PlanError
from arrears.audit.repository import audit_transaction
from arrears.debtsale.sold import sold_to
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import parse_day
from arrears.kit.money import parse_amount_fen
from arrears.portal import offers
from arrears.portal.accounts import AccountRow, owned_account
from arrears.portal.deps import Cardholder, portal_error, portal_page, reading
from arrears.portal.offer_rules import Choice, parse_window, window_label
from arrears.web.deps import locale
from arrears.web.labels import N_
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)


def _account(request: Request, session: Cardholder, account_no: str) -> AccountRow | None:
    with reading(request) as connection:
        return _owned(connection, session, account_no)


def _owned(connection: Connection, session: Cardholder, account_no: str) -> AccountRow | None:
    """The cardholder's account; None for one that is not theirs, and for one the bank sold (debt sale:
    no plan, promise or callback with the bank; its page says whom to pay)."""
    try:
        account = owned_account(connection, customer_id=session.customer_id, account_no=account_no)
    except NotFound:
        return None
    return None if sold_to(connection, account.id) is not None else account


def _missing(request: Request, session: Cardholder, account_no: str) -> HTMLResponse:
    """The answer for an account ``_owned`` did not give: the cardholder's sold account says whom to pay
    now (409, as paying it does); another's, or none, is not found."""
    with reading(request) as connection:
        try:
            account = owned_account(connection, customer_id=session.customer_id, account_no=account_no)
        except NotFound:
            return portal_error(
                request, 404, N_("Not found"), N_("No such account, or it is not yours to open.")
            )
        sold = sold_to(connection, account.id)
    if sold is None:
        return portal_error(request, 404, N_("Not found"), N_("No such account, or it is not yours to open."))
    return portal_page(request, "my/sold.html", status_code=409, account=account, sold=sold)


def _choice(form: dict[str, str]) -> Choice:
    kind = form.get("kind", "instalment")
    try:
        number = int(form.get("months" if kind == "instalment" else "days", "") or 0)
    except ValueError:
        number = 0
    if kind == "deferral":
        return Choice("deferral", days=number)
    return Choice(kind, months=number)  # type: ignore[arg-type]  # the rules refuse an unknown kind


def _offers_page(
    request: Request,
    account: AccountRow,
    *,
    status_code: int = 200,
    state: offers.PlanState | None = None,
    **context: Any,
) -> HTMLResponse:
    """The offers page; ``state`` read here unless the caller read it already."""
    if state is None:
        with reading(request) as connection:
            state = offers.plan_state(connection, account_id=account.id, today=business_date(request))
    return portal_page(
        request,
        "my/offers.html",
        status_code=status_code,
        account=account,
        state=state,
        offer=state.offer,
        **context,
    )


@router.get("/my/account/{account_no}/offers", response_class=HTMLResponse)
def offers_page(request: Request, account_no: str, session: Cardholder) -> HTMLResponse:
    """The plans the cardholder may agree alone, and a form to ask a collector for anything else."""
    with reading(request) as connection:  # the account and its plan state on one connection
        account = _owned(connection, session, account_no)
        state = (
            None
            if account is None
            else offers.plan_state(connection, account_id=account.id, today=business_date(request))
        )
    if account is None:
        return _missing(request, session, account_no)
    return _offers_page(request, account, state=state, done=request.query_params.get("done"))


@router.post("/my/account/{account_no}/offers/preview", response_class=HTMLResponse)
async def offers_preview(request: Request, account_no: str, session: Cardholder) -> HTMLResponse:
    """The schedule of the chosen offer (nothing is stored), with the button that accepts it."""
    form, lang = await form_fields(request), locale(request)
    # the database's work (the audit's lock included) on a worker thread, never on the event loop
    return await run_in_threadpool(_offers_preview, request, account_no, session, form, lang)


def _offers_preview(
    request: Request, account_no: str, session: Cardholder, form: dict[str, str], lang: str
) -> HTMLResponse:
    account = _account(request, session, account_no)
    if account is None:
        return _missing(request, session, account_no)
    choice = _choice(form)
    try:
        with reading(request) as connection:
            plan = offers.preview(
                connection, account_id=account.id, choice=choice, today=business_date(request)
            )
    except ArrearsError as problem:
        return _offers_page(request, account, status_code=422, error=problem.message(lang))
    return portal_page(request, "my/preview.html", account=account, plan=plan, choice=choice)


@router.post("/my/account/{account_no}/offers/accept")
async def offers_accept(request: Request, account_no: str, session: Cardholder) -> Response:
    """Stores the plan (active, approved by the self-service authority); then to the first payment."""
    form, lang = await form_fields(request), locale(request)
    # the database's work (the audit's lock included) on a worker thread, never on the event loop
    return await run_in_threadpool(_offers_accept, request, account_no, session, form, lang)


def _offers_accept(
    request: Request, account_no: str, session: Cardholder, form: dict[str, str], lang: str
) -> Response:
    account = _account(request, session, account_no)
    if account is None:
        return _missing(request, session, account_no)
    try:
        with audit_transaction(request.app.state.engine) as connection:
            accepted = offers.accept(
                connection,
                account_id=account.id,
                customer_id=session.customer_id,
                choice=_choice(form),
                today=business_date(request),
                now=now(),
            )
    except (ArrearsError, PlanError) as problem:
        return _offers_page(request, account, status_code=422, error=problem.message(lang))
    return portal_page(request, "my/preview.html", account=account, plan=accepted.schedule, accepted=accepted)


@router.post("/my/account/{account_no}/offers/request")
async def offers_request(request: Request, account_no: str, session: Cardholder) -> Response:
    """Anything beyond the offers: a request for a collector (and their callback); no hold."""
    form, lang = await form_fields(request), locale(request)
    # the database's work (the audit's lock included) on a worker thread, never on the event loop
    return await run_in_threadpool(_offers_request, request, account_no, session, form, lang)


def _offers_request(
    request: Request, account_no: str, session: Cardholder, form: dict[str, str], lang: str
) -> Response:
    account = _account(request, session, account_no)
    if account is None:
        return _missing(request, session, account_no)
    settings = request.app.state.settings
    try:
        with audit_transaction(request.app.state.engine) as connection:
            offers.request_plan(
                connection,
                account_id=account.id,
                customer_id=session.customer_id,
                text=form.get("text"),
                cipher=request.app.state.cipher,
                policy=request.app.state.policy,
                zone=settings.timezone,
                now=now(),
            )
    except ArrearsError as problem:
        return _offers_page(request, account, status_code=422, error=problem.message(lang))
    return RedirectResponse(f"/my/account/{account_no}/offers?done=request", status_code=303)


# --- promises -----------------------------------------------------------------------------------------


def _promise_page(
    request: Request, account: AccountRow, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    today = business_date(request)
    with reading(request) as connection:
        offer = offers.account_offer(connection, account_id=account.id)
        found = offers.open_promise(connection, account_id=account.id)
    days = 0 if offer is None else min(offer.promise_days, request.app.state.settings.promise_max_days)
    return portal_page(
        request,
        "my/promise.html",
        status_code=status_code,
        account=account,
        days=days,
        today=today,
        last=today + timedelta(days=days),
        promise=found,
        **context,
    )


@router.get("/my/account/{account_no}/promise", response_class=HTMLResponse)
def promise_page(request: Request, account_no: str, session: Cardholder) -> HTMLResponse:
    account = _account(request, session, account_no)
    if account is None:
        return _missing(request, session, account_no)
    return _promise_page(request, account, done=request.query_params.get("done"))


@router.post("/my/account/{account_no}/promise")
async def promise_make(request: Request, account_no: str, session: Cardholder) -> Response:
    form, lang = await form_fields(request), locale(request)
    # the database's work (the audit's lock included) on a worker thread, never on the event loop
    return await run_in_threadpool(_promise_make, request, account_no, session, form, lang)


def _promise_make(
    request: Request, account_no: str, session: Cardholder, form: dict[str, str], lang: str
) -> Response:
    account = _account(request, session, account_no)
    if account is None:
        return _missing(request, session, account_no)
    try:
        amount = parse_amount_fen(form.get("amount", "").strip() or "0", field="amount")
        promised = parse_day(form.get("promised_date", "").strip(), field="promised_date")
        with audit_transaction(request.app.state.engine) as connection:
            offers.promise(
                connection,
                account_id=account.id,
                customer_id=session.customer_id,
                amount_fen=amount,
                promised=promised,
                today=business_date(request),
                now=now(),
                settings_days=request.app.state.settings.promise_max_days,
            )
    except (ArrearsError, ValueError) as problem:
        message = problem.message(lang) if isinstance(problem, ArrearsError) else str(problem)
        return _promise_page(request, account, status_code=422, error=message, form=form)
    return RedirectResponse(f"/my/account/{account_no}/promise?done=promise", status_code=303)


# --- callbacks ----------------------------------------------------------------------------------------


def _callback_page(
    request: Request, account: AccountRow, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    policy = request.app.state.policy
    labels = [window_label(one) for one in offers.windows(policy)]
    days = offers.callback_days(business_date(request))
    return portal_page(
        request,
        "my/callback.html",
        status_code=status_code,
        account=account,
        windows=labels,
        days=days,
        **context,
    )


@router.get("/my/account/{account_no}/callback", response_class=HTMLResponse)
def callback_page(request: Request, account_no: str, session: Cardholder) -> HTMLResponse:
    account = _account(request, session, account_no)
    if account is None:
        return _missing(request, session, account_no)
    return _callback_page(request, account, done=request.query_params.get("done"))


@router.post("/my/account/{account_no}/callback")
async def callback_ask(request: Request, account_no: str, session: Cardholder) -> Response:
    form, lang = await form_fields(request), locale(request)
    # the database's work (the audit's lock included) on a worker thread, never on the event loop
    return await run_in_threadpool(_callback_ask, request, account_no, session, form, lang)


def _callback_ask(
    request: Request, account_no: str, session: Cardholder, form: dict[str, str], lang: str
) -> Response:
    account = _account(request, session, account_no)
    if account is None:
        return _missing(request, session, account_no)
    policy, settings = request.app.state.policy, request.app.state.settings
    try:
        day = parse_day(form.get("day", "").strip(), field="day")
        window = parse_window(form.get("window", ""), offers.windows(policy))
        with audit_transaction(request.app.state.engine) as connection:
            offers.request_callback(
                connection,
                account_id=account.id,
                customer_id=session.customer_id,
                day=day,
                window=window,
                text=form.get("text"),
                cipher=request.app.state.cipher,
                policy=policy,
                zone=settings.timezone,
                now=now(),
            )
    except (ArrearsError, ValueError) as problem:
        message = problem.message(lang) if isinstance(problem, ArrearsError) else str(problem)
        return _callback_page(request, account, status_code=422, error=message, form=form)
    return RedirectResponse(f"/my/account/{account_no}/callback?done=callback", status_code=303)


# --- contact preferences ------------------------------------------------------------------------------


def _preferences_page(
    request: Request, session: Cardholder, *, status_code: int = 200, **context: Any
) -> HTMLResponse:
    with reading(request) as connection:
        found = offers.preferences(connection, customer_id=session.customer_id)
    hours = request.app.state.policy.hours
    allowed = (f"{hours.start:%H:%M}", f"{hours.end:%H:%M}") if hours else None
    return portal_page(
        request,
        "my/preferences.html",
        status_code=status_code,
        prefs=found,
        allowed=allowed,
        channels=("call", "sms", "email", "push"),
        **context,
    )


def _hour(text: str | None, field: str) -> time | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise ArrearsError(f"{field}: give a time as HH:MM", f"{field}：请按 HH:MM 填写时间") from None


@router.get("/my/preferences", response_class=HTMLResponse)
def preferences_page(request: Request, session: Cardholder) -> HTMLResponse:
    return _preferences_page(request, session, done=request.query_params.get("done"))


@router.post("/my/preferences")
async def preferences_save(request: Request, session: Cardholder) -> Response:
    form, lang = await form_fields(request), locale(request)
    raw = await request.form()
    # the database's work (the audit's lock included) on a worker thread, never on the event loop
    return await run_in_threadpool(_preferences_save, request, session, form, lang, raw)


def _preferences_save(
    request: Request, session: Cardholder, form: dict[str, str], lang: str, raw: Any
) -> Response:
    channels = [str(one) for one in raw.getlist("channels")]
    try:
        opt_out = [int(str(one)) for one in raw.getlist("opt_out")]
        start, end = _hour(form.get("hours_from"), "hours_from"), _hour(form.get("hours_to"), "hours_to")
        with audit_transaction(request.app.state.engine) as connection:
            offers.save_preferences(
                connection,
                customer_id=session.customer_id,
                hours_from=start,
                hours_to=end,
                channels=channels,
                opt_out=opt_out,
                policy=request.app.state.policy,
                now=now(),
            )
    except (ArrearsError, ValueError) as problem:
        message = problem.message(lang) if isinstance(problem, ArrearsError) else str(problem)
        return _preferences_page(request, session, status_code=422, error=message)
    return RedirectResponse("/my/preferences?done=saved", status_code=303)
