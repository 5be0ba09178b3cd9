"""Paying from the cardholder portal (``docs/portal.md``, "Paying").

- ``GET /my/account/{account_no}/pay``: the choices (overdue amount, the minimum that brings the
  account current, the plan's next instalment, ``?instalment=N`` preselecting instalment N, or an
  amount of one's own).
- ``POST`` the same path (CSRF): the amount is worked out again from the choice, the order is created
  (``arrears.payments.orders.create_order``, ``via='portal'``) and the browser is sent (303) to the
  gateway's checkout page. A refused amount shows the page again (422) with the reason.
- ``GET /my/pay/{out_trade_no}/done``: the receipt once the gateway's notification has posted the
  payment; "processing" while it has not, refreshing itself (an HTTP ``Refresh`` header, no script)
  every few seconds for a few minutes; "not completed" once the order is closed or ran out.
  Another customer's order answers 404, like an unknown one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import Connection

from arrears.audit.repository import audit_transaction
from arrears.debtsale.sold import sold_to
from arrears.kit import clock
from arrears.kit.errors import ArrearsError, NotFound
from arrears.messaging.letters.rules import Owed as LetterOwed
from arrears.payments.orders import create_order
from arrears.portal import paying
from arrears.portal.accounts import AccountRow, owned_account
from arrears.portal.deps import Cardholder, PortalSession, portal_error, portal_page, reading
from arrears.web.deps import locale
from arrears.web.labels import N_
from arrears.web.pages.workspace import form_fields

router = APIRouter(include_in_schema=False)

REFRESH_SECONDS = 5
REFRESH_TRIES = 60  # five minutes of refreshing, then a link to look again
_NOT_FOUND = (N_("Not found"), N_("No such account, or it is not yours to open."))
_NO_ORDER = (N_("Not found"), N_("No such payment."))


def _figures(connection: Connection, account: AccountRow) -> paying.Figures:
    """The amounts from the account's row just read (the same sums ``owed`` shows: the letters' rules),
    without the rest of what ``owed`` reads (statements, plan, payments, messages)."""
    found = LetterOwed(account.principal_fen, account.interest_fen, account.fee_fen, account.overdue_fen)
    return paying.Figures(
        overdue_fen=int(found.overdue_fen),
        minimum_fen=int(found.minimum_fen),
        payoff_fen=int(found.payoff_fen),
        instalments=paying.unpaid_instalments(connection, account.id),
    )


def _number(text: str | None) -> int | None:
    """An instalment number from the query or the form (None when it is not one)."""
    return int(text) if text and text.isdigit() and len(text) <= 4 else None


@dataclass(frozen=True, slots=True)
class _Asked:
    """The amount asked for: a choice's, or one's own."""

    purpose: str
    amount_fen: int
    instalment_id: int | None = None


def _asked(form: dict[str, str], figures: paying.Figures) -> _Asked:
    """The amount of the posted choice, worked out again (AmountRefused saying why)."""
    choice, typed = form.get("choice", ""), form.get("amount", "").strip()
    if choice == "custom" or (not choice and typed):
        return _Asked("custom", paying.own_amount(typed, payoff_fen=figures.payoff_fen))
    offered = paying.choices(figures, instalment_number=_number(form.get("instalment")))
    for one in offered:
        if one.purpose == choice:
            instalment = one.instalment.id if one.instalment is not None else None
            return _Asked(one.purpose, one.amount_fen, instalment)
    raise paying.AmountRefused(
        "Choose an amount to pay, or enter one of your own.", "请选择要还款的金额，或输入自定义金额。"
    )


def _pay_page(
    request: Request,
    connection: Connection,
    account: AccountRow,
    *,
    selected: str | None,
    instalment_number: int | None,
    typed: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    figures = _figures(connection, account)
    offered = paying.choices(figures, instalment_number=instalment_number)
    purposes = [one.purpose for one in offered]
    if selected not in (*purposes, "custom"):
        selected = "instalment" if instalment_number is not None and "instalment" in purposes else None
    if selected is None:
        selected = purposes[0] if purposes else "custom"
    return portal_page(request, "my/pay.html", status_code=status_code, account=account, figures=figures,
                       choices=offered, selected=selected, typed=typed, error=error)  # fmt: skip


@router.get("/my/account/{account_no}/pay", response_class=HTMLResponse)
def pay_page(
    request: Request, account_no: str, session: Cardholder, instalment: str | None = None
) -> Response:
    """The choices of what to pay."""
    with reading(request) as connection:
        try:
            account = owned_account(connection, customer_id=session.customer_id, account_no=account_no)
        except NotFound:
            return portal_error(request, 404, *_NOT_FOUND)
        if (sold := sold_to(connection, account.id)) is not None:  # pay the buyer (debt sale)
            return portal_page(request, "my/sold.html", status_code=409, account=account, sold=sold)
        return _pay_page(request, connection, account, selected=None, instalment_number=_number(instalment))


@router.post("/my/account/{account_no}/pay")
async def pay(request: Request, account_no: str, session: Cardholder) -> Response:
    """Creates the order for the chosen amount and sends the browser to the gateway's checkout. The
    database work runs on a worker thread: on the event loop, waiting for a connection or for the audit
    log's lock would hold up every other request."""
    form = await form_fields(request)
    return await run_in_threadpool(_pay, request, account_no, session, form)


def _pay(request: Request, account_no: str, session: PortalSession, form: dict[str, str]) -> Response:
    lang = locale(request)
    engine, settings = request.app.state.engine, request.app.state.settings
    account: AccountRow | None = None
    try:
        with audit_transaction(engine) as connection:  # the account read on the order's connection
            try:
                account = owned_account(connection, customer_id=session.customer_id, account_no=account_no)
            except NotFound:
                return portal_error(request, 404, *_NOT_FOUND)
            if (sold := sold_to(connection, account.id)) is not None:  # pay the buyer (debt sale)
                return portal_page(request, "my/sold.html", status_code=409, account=account, sold=sold)
            asked = _asked(form, _figures(connection, account))
            created = create_order(
                connection, account_id=account.id, amount_fen=asked.amount_fen, purpose=asked.purpose,
                via="portal", user_id=None, now=clock.now(), settings=settings,
                plan_instalment_id=asked.instalment_id,
            )  # fmt: skip
    except ArrearsError as problem:
        if account is None:
            raise
        with reading(request) as connection:
            return _pay_page(request, connection, account, selected=form.get("choice") or None,
                             instalment_number=_number(form.get("instalment")), typed=form.get("amount", ""),
                             error=problem.message(lang), status_code=422)  # fmt: skip
    return RedirectResponse(created.pay_url, status_code=303)


@router.get("/my/pay/{out_trade_no}/done", response_class=HTMLResponse)
def pay_done(request: Request, out_trade_no: str, session: Cardholder, wait: str | None = None) -> Response:
    """The receipt, or "processing" (refreshing itself) until the notification arrives, or "not
    completed" (closed or run out)."""
    now = clock.now()
    with reading(request) as connection:
        order = paying.order_of(connection, out_trade_no=out_trade_no[:64], customer_id=session.customer_id)
        if order is None:
            return portal_error(request, 404, *_NO_ORDER)
        done = paying.settled(connection, order) if order.status in ("paid", "refunded") else None
    state = _state(order, done, now=now)
    tries = _number(wait) or 0
    refreshing = state == "processing" and tries < REFRESH_TRIES
    response = portal_page(request, "my/pay_done.html", order=order, settled=done, state=state,
                           refreshing=refreshing, refresh_seconds=REFRESH_SECONDS)  # fmt: skip
    if refreshing:
        target = f"/my/pay/{quote(order.out_trade_no)}/done?wait={tries + 1}"
        response.headers["Refresh"] = f"{REFRESH_SECONDS}; url={target}"
    return response


def _state(order: paying.OrderFacts, done: paying.Settled | None, *, now: datetime) -> str:
    """paid, refunded, processing (no notification yet), closed (closed or run out unpaid)."""
    if order.status == "paid":
        return "paid" if done is not None else "processing"
    if order.status == "refunded":
        return "refunded"
    if order.status == "closed":
        return "closed"
    # created: the gateway has not told us yet; past its expiry (and a margin) it will not be paid
    return "processing" if now < order.expires_at + timedelta(minutes=5) else "closed"
