"""The simulated gateway's checkout page: ``/pay/simulated/{out_trade_no}`` (docs/payments.md).

It stands in for a real gateway's cashier: it shows the order's amount and the account's last four
characters, with Pay and Cancel. The cardholder may not be signed in (a pay link from an SMS): the
form carries a double-submit token of its own (cookie ``arrears_pay_csrf``, path ``/pay/simulated``).
Pay makes a trade number, builds the signed TRADE_SUCCESS notification and hands it to the notify
address's own handler, in-process; Cancel does the same with TRADE_CLOSED. Only that notification
posts money. The browser then goes to the portal's receipt (``/my/pay/{out_trade_no}/done``) for a
portal order, else to this gateway's own receipt (``/pay/simulated/{out_trade_no}/done``).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.api.payments import notify
from arrears.kit.clock import now
from arrears.payments.gateway import (
    TRADE_CLOSED,
    TRADE_SUCCESS,
    GatewayNotConfigured,
    gateway_secret,
    new_trade_no,
    signed_notification,
)
from arrears.payments.orders import OrderView, order_view
from arrears.web.deps import locale, page, same, secure_cookies
from arrears.web.i18n import gettext
from arrears.web.labels import N_

router = APIRouter(include_in_schema=False)
PAY_CSRF_COOKIE = "arrears_pay_csrf"
COOKIE_PATH = "/pay/simulated"
OutTradeNo = Annotated[str, Path(pattern=r"^[0-9A-Za-z_-]{1,64}$")]


def done_path(order: OrderView) -> str:
    """Where the browser goes after the checkout: the portal's receipt for its orders, else ours."""
    if order.created_via == "portal":
        return f"/my/pay/{order.out_trade_no}/done"
    return f"/pay/simulated/{order.out_trade_no}/done"


def _order(request: Request, out_trade_no: str) -> OrderView | None:
    with request.app.state.engine.connect() as connection:
        return order_view(connection, out_trade_no)


def _message(request: Request, status_code: int, title: str, message: str) -> HTMLResponse:
    lang = locale(request)
    return page(request, "pay/message.html", status_code=status_code, title=gettext(lang, title),
                message=gettext(lang, message))  # fmt: skip


def _not_found(request: Request) -> HTMLResponse:
    return _message(request, 404, N_("Not found"), N_("No such payment order. Check the link you were sent."))


def _checkout(request: Request, order: OrderView, *, status_code: int = 200, **context: Any) -> HTMLResponse:
    token = request.cookies.get(PAY_CSRF_COOKIE) or secrets.token_urlsafe(32)
    answer = page(request, "pay/checkout.html", status_code=status_code, order=order,
                  state=order.state(now()), pay_csrf=token, **context)  # fmt: skip
    answer.set_cookie(PAY_CSRF_COOKIE, token, path=COOKIE_PATH, httponly=True, samesite="strict",
                      secure=secure_cookies(request))  # fmt: skip
    return answer


@router.get("/pay/simulated/{out_trade_no}", response_class=HTMLResponse)
def checkout(request: Request, out_trade_no: OutTradeNo) -> Response:
    """The cashier: the amount, the account's last four characters, Pay and Cancel."""
    order = _order(request, out_trade_no)
    if order is None:
        return _not_found(request)
    return _checkout(request, order)


@router.post("/pay/simulated/{out_trade_no}", response_class=HTMLResponse)
def pay_or_cancel(
    request: Request,
    out_trade_no: OutTradeNo,
    action: Annotated[str, Form(max_length=10)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Pay (TRADE_SUCCESS) or Cancel (TRADE_CLOSED): the signed notification handed to the handler."""
    order = _order(request, out_trade_no)
    if order is None:
        return _not_found(request)
    if not same(request.cookies.get(PAY_CSRF_COOKIE), csrf_token):
        return _message(request, 403, N_("Not allowed"), N_("The form has expired. Please reload the page."))
    if action not in ("pay", "cancel"):
        return _checkout(request, order, status_code=400)
    at = now()
    if order.state(at) != "created":  # expired, paid or closed meanwhile: the page says which
        return _checkout(request, order, status_code=409)
    try:
        secret = gateway_secret(request.app.state.settings)
    except GatewayNotConfigured:
        return _message(request, 503, N_("Payments unavailable"), N_("Online payment is not available now."))
    fields = signed_notification(
        out_trade_no=order.out_trade_no, trade_no=new_trade_no(at), amount=order.amount_fen,
        trade_status=TRADE_SUCCESS if action == "pay" else TRADE_CLOSED, at=at, secret=secret,
    )  # fmt: skip
    received = notify(request, fields, secret=secret)
    if not received.accepted:  # pragma: no cover - the order's own amount and a good signature
        return _message(request, 502, N_("Payment failed"), N_("The payment could not be completed."))
    return RedirectResponse(done_path(order), status_code=303)


@router.get("/pay/simulated/{out_trade_no}/done", response_class=HTMLResponse)
def receipt(request: Request, out_trade_no: OutTradeNo) -> Response:
    """The gateway's receipt: paid, cancelled, expired, or still processing (the page refreshes)."""
    order = _order(request, out_trade_no)
    if order is None:
        return _not_found(request)
    return page(request, "pay/done.html", order=order, state=order.state(now()))
