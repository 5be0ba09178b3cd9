"""The case page's payments: the account's payments and the banner of a call withdrawn by one (an htmx
fragment the page polls), and the collector's "send a pay link by SMS" (an order and its SMS)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from arrears.accounts.case_file import payments, withdrawal
from arrears.kit.clock import now
from arrears.kit.money import parse_amount_fen
from arrears.payments.pay_link_sms import send_pay_link
from arrears.users.scope import may_open
from arrears.web import sessions
from arrears.web.deps import page, signed_in
from arrears.web.pages.actions import _act
from arrears.web.pages.workspace import NotInScope, form_fields

router = APIRouter(include_in_schema=False)
Reader = Annotated[sessions.Session, Depends(signed_in("account:read"))]
Texter = Annotated[sessions.Session, Depends(signed_in("sms:send", "account:read"))]


@router.get("/cases/{account_id:id}/payments", response_class=HTMLResponse)
def payments_fragment(request: Request, account_id: int, session: Reader) -> HTMLResponse:
    """The payments section of the case page (what the page polls: a withdrawal shows without reload)."""
    with request.app.state.engine.connect() as connection:
        if not may_open(connection, session.user, account_id):
            raise NotInScope()
        case = {
            "payments": payments(connection, account_id),
            "withdrawal": withdrawal(connection, account_id),
        }
    return page(request, "_payments.html", case=case, account={"id": account_id})


@router.post("/cases/{account_id:id}/pay-link")
async def pay_link_send(request: Request, account_id: int, session: Texter) -> Response:
    """Creates an order for the amount typed (yuan) and queues its pay link by SMS; back to the case
    page (``?done=pay_link``), or the case page with the refusal (the rulebook's, or the order's)."""
    form = await form_fields(request)
    settings = request.app.state.settings
    return _act(request, session, account_id, "pay_link", lambda connection: send_pay_link(
        connection, account_id=account_id,
        amount_fen=parse_amount_fen(form.get("amount", ""), field="amount"), user_id=session.user.id,
        policy=request.app.state.policy, now=now(), settings=settings,
        request_key=form.get("request_key") or None,
    ), audited=True)  # fmt: skip
