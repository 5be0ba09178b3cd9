"""What the cardholder owes (``/my``, ``/my/account/{account_no}``) and the financial-education page
(``/my/help``, open without signing in)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from arrears.debtsale.sold import sold_among, sold_to
from arrears.kit import clock
from arrears.kit.errors import NotFound
from arrears.portal.accounts import accounts_of, owned_account
from arrears.portal.deps import Cardholder, portal_error, portal_page, reading
from arrears.portal.owed import owed
from arrears.web.labels import N_

router = APIRouter(include_in_schema=False)


def cardholders_today(request: Request) -> date:
    return clock.now().astimezone(ZoneInfo(request.app.state.settings.timezone)).date()


def payment_order(request: Request) -> tuple[str, ...]:
    order = str(getattr(request.app.state.settings, "payment_order", "fee,interest,principal"))
    return tuple(part.strip() for part in order.split(",") if part.strip())


@router.get("/my", response_class=HTMLResponse)
def home(request: Request, session: Cardholder) -> HTMLResponse:
    today, order = cardholders_today(request), payment_order(request)
    with reading(request) as connection:
        accounts = accounts_of(connection, session.customer_id)
        owing = [
            (account, owed(connection, account_id=account.id, today=today, order=order, row=account))
            for account in accounts
        ]
        sold = sold_among(connection, [account.id for account in accounts])  # whom to pay instead
    return portal_page(request, "my/home.html", owing=owing, today=today, sold_accounts=sold)


@router.get("/my/account/{account_no}", response_class=HTMLResponse)
def account_page(request: Request, account_no: str, session: Cardholder) -> HTMLResponse:
    today, order = cardholders_today(request), payment_order(request)
    with reading(request) as connection:
        try:
            account = owned_account(connection, customer_id=session.customer_id, account_no=account_no)
        except NotFound:
            return portal_error(request, 404, N_("Not found"), N_("There is no such account among yours."))
        found = owed(connection, account_id=account.id, today=today, order=order, row=account)
        sold = sold_to(connection, account.id)
    return portal_page(request, "my/account.html", account=account, owed=found, today=today, sold=sold)


@router.get("/my/help", response_class=HTMLResponse)
def help_page(request: Request) -> HTMLResponse:
    return portal_page(request, "my/help.html")
