"""The account's facts for the assistant, read from the store for a verified session: what the portal's
pages show (``portal.owed.owed`` for the amounts, the due date, the plan and the last payment;
``portal.offers.plan_state`` for the offers). Read only; the caller owns the connection.

``facts_for`` is the portal's call: the session's customer and one of their account numbers (another's
account is NotFound, as on the pages). ``operator_facts`` is the CLI's: an operator with database access
names an account, standing in for a verified session.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection, select

from arrears.assistant.engine import Facts, OfferFacts, PlanFacts
from arrears.kit.errors import NotFound
from arrears.models import CardAccount, table_of
from arrears.portal import offers
from arrears.portal.accounts import AccountRow, owned_account, plausible_key
from arrears.portal.owed import DEFAULT_ORDER, Owed, owed

_ACCOUNT = table_of(CardAccount)


def facts_for(
    connection: Connection,
    *,
    customer_id: int,
    account_no: str,
    today: date,
    order: Sequence[str] = DEFAULT_ORDER,
) -> Facts:
    """The facts of the session's account ``account_no`` on ``today`` (the cardholders' day)."""
    account = owned_account(connection, customer_id=customer_id, account_no=account_no)
    return _facts(connection, account, today, order)


def operator_facts(
    connection: Connection, *, account_no: str, today: date, order: Sequence[str] = DEFAULT_ORDER
) -> Facts:
    """The facts of the account ``account_no``, whoever holds it; NotFound when there is none."""
    customer_id = (
        connection.execute(select(_ACCOUNT.c.customer_id).where(_ACCOUNT.c.account_no == account_no)).scalar()
        if plausible_key(account_no)
        else None
    )
    if customer_id is None:
        raise NotFound(f"no account {account_no!r}", f"没有账户 {account_no!r}")
    return facts_for(
        connection, customer_id=int(customer_id), account_no=account_no, today=today, order=order
    )


def _facts(connection: Connection, account: AccountRow, today: date, order: Sequence[str]) -> Facts:
    found = owed(connection, account_id=account.id, today=today, order=order, row=account)
    state = offers.plan_state(connection, account_id=account.id, today=today)
    return Facts(
        overdue_fen=found.overdue_fen,
        minimum_fen=found.minimum_fen,
        balance_fen=found.balance_fen,
        due_date=found.next_due_date,
        last_payment=_last_payment(found),
        plan=_plan(found),
        offers=_offers(state),
    )


def _last_payment(found: Owed) -> tuple[date, int] | None:
    if not found.payments:
        return None
    last = found.payments[0]
    return last["paid_date"], int(last["amount_fen"])


def _plan(found: Owed) -> PlanFacts | None:
    plan = found.plan
    if plan is None:
        return None
    upcoming = plan.next_instalment
    return PlanFacts(
        kind=plan.kind,
        status=plan.status,
        total_fen=plan.total_fen,
        next_due_date=upcoming.due_date if upcoming else None,
        next_left_fen=upcoming.left_fen if upcoming else 0,
    )


def _offers(state: offers.PlanState) -> OfferFacts:
    """The offers page's reading of the state, in its order: a blocking hold, an open plan, the offer."""
    if state.blocked is not None:
        return OfferFacts("blocked")
    if state.open_plan is not None:
        return OfferFacts("has_plan")
    offer = state.offer
    if offer is None or not offer.plans:
        return OfferFacts("none")
    return OfferFacts(
        "offered",
        max_instalments=offer.max_instalments,
        waiver_bp=offer.waiver_bp,
        min_down_payment_bp=offer.min_down_payment_bp,
        deferral_days=offer.deferral_days,
    )
