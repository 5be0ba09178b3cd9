"""Paying from the portal: the choices offered, the amount a cardholder types, and what the receipt page
shows about an order (``docs/portal.md``, "Paying").

- Choices: the overdue amount, the minimum that brings the account current (when it differs from the
  overdue amount), the active plan's next unpaid instalment (or the one ``?instalment=N`` names), and
  an amount of one's own from 0.01 yuan to the payoff. Amounts are always worked out again here when
  the form comes back: the browser names a choice, never the amount of one.
- An amount of one's own is plain yuan, at most two decimals (``arrears.kit.money.parse_amount_fen``:
  no sign, no exponent, no NaN), above zero and at most the payoff.
- The receipt: an order is read only together with its customer (another customer's order is not
  found, like an unknown one); once paid, the posted payment's split over the items and what changed
  (the account current, a promise kept, an instalment paid).

SQL and pure decisions; the caller owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, or_, select

from arrears.kit.errors import ArrearsError
from arrears.kit.money import InvalidAmount, format_fen, parse_amount_fen
from arrears.models import CardAccount, Payment, PlanInstalment, PromiseToPay, RepaymentPlan, table_of
from arrears.models.payments import PaymentOrder
from arrears.portal.accounts import plausible_key

PURPOSES = ("overdue", "minimum", "instalment", "custom")
_ORDER, _PAYMENT, _ACCOUNT = table_of(PaymentOrder), table_of(Payment), table_of(CardAccount)
_PLAN, _INSTALMENT, _PROMISE = table_of(RepaymentPlan), table_of(PlanInstalment), table_of(PromiseToPay)


class AmountRefused(ArrearsError):
    """An amount of one's own that cannot be paid (the message says why, in Chinese and English)."""


@dataclass(frozen=True, slots=True)
class Instalment:
    id: int
    number: int
    due_date: date
    left_fen: int  # what is still to pay of it


@dataclass(frozen=True, slots=True)
class Choice:
    purpose: str  # overdue, minimum, instalment
    amount_fen: int
    instalment: Instalment | None = None


@dataclass(frozen=True, slots=True)
class Figures:
    """What the account owes now, as the pay page offers it."""

    overdue_fen: int
    minimum_fen: int
    payoff_fen: int
    instalments: tuple[Instalment, ...]  # the active plan's unpaid instalments, in order


def unpaid_instalments(connection: Connection, account_id: int) -> tuple[Instalment, ...]:
    """The account's active plan's instalments not yet paid in full and not yet settled, in order."""
    i, p = _INSTALMENT, _PLAN
    rows = connection.execute(
        select(i.c.id, i.c.number, i.c.due_date, i.c.amount_fen, i.c.paid_fen)
        .join(p, p.c.id == i.c.plan_id)
        .where(p.c.account_id == account_id, p.c.status == "active", i.c.status == "due")
        .order_by(i.c.number)
    ).all()
    return tuple(
        Instalment(int(row.id), int(row.number), row.due_date, int(row.amount_fen) - int(row.paid_fen))
        for row in rows
        if int(row.amount_fen) > int(row.paid_fen)
    )


def choices(figures: Figures, *, instalment_number: int | None = None) -> list[Choice]:
    """The amounts offered (nothing of zero; the minimum only when it differs from the overdue
    amount, the instalment that ``instalment_number`` names when it is unpaid, else the next one), none
    above the payoff."""
    found: list[Choice] = []
    if figures.overdue_fen > 0:
        found.append(Choice("overdue", min(figures.overdue_fen, figures.payoff_fen)))
    if 0 < figures.minimum_fen != figures.overdue_fen:
        found.append(Choice("minimum", min(figures.minimum_fen, figures.payoff_fen)))
    chosen = next_instalment(figures, instalment_number)
    if chosen is not None:
        found.append(Choice("instalment", min(chosen.left_fen, figures.payoff_fen), chosen))
    return [choice for choice in found if choice.amount_fen > 0]


def next_instalment(figures: Figures, number: int | None = None) -> Instalment | None:
    """The unpaid instalment ``number`` names, else the next unpaid one."""
    if number is not None:
        for instalment in figures.instalments:
            if instalment.number == number:
                return instalment
    return figures.instalments[0] if figures.instalments else None


def own_amount(text: str, *, payoff_fen: int) -> int:
    """An amount of one's own in fen; AmountRefused saying why (not an amount, zero, above the payoff)."""
    try:
        fen = parse_amount_fen(text)
    except InvalidAmount:
        raise AmountRefused(
            "Enter the amount in yuan, with at most two decimals (for example 120.50).",
            "请输入以元为单位的金额，最多两位小数（例如 120.50）。",
        ) from None
    if fen <= 0:
        raise AmountRefused("The amount must be at least 0.01 yuan.", "金额至少为 0.01 元。")
    if fen > payoff_fen:
        shown = format_fen(payoff_fen)
        raise AmountRefused(
            f"The amount is more than everything the account owes ({shown} yuan).",
            f"金额超过了该账户的全部欠款（{shown} 元）。",
        )
    return fen


# --- the receipt page -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrderFacts:
    out_trade_no: str
    account_id: int
    account_no: str
    account_tail: str
    amount_fen: int
    purpose: str
    status: str  # created, paid, closed, refunded
    created_at: datetime
    expires_at: datetime
    paid_at: datetime | None
    trade_no: str | None
    payment_id: int | None
    plan_instalment_id: int | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class Settled:
    """What a posted payment paid and what it changed."""

    fee_fen: int
    interest_fen: int
    principal_fen: int
    paid_date: date
    current: bool  # the account owes nothing overdue any more
    overdue_fen: int  # what is still overdue
    instalments: tuple[tuple[int, str, int], ...]  # (number, status, fen left): the order's, those kept
    promises: tuple[tuple[int, str], ...]  # (amount fen, kept or partly_kept) settled by it


def order_of(connection: Connection, *, out_trade_no: str, customer_id: int) -> OrderFacts | None:
    """The order when it is the customer's (None for another customer's, like an unknown one, or for a
    value no order number can be)."""
    if not plausible_key(out_trade_no):
        return None
    o, a = _ORDER, _ACCOUNT
    row = connection.execute(
        select(
            o.c.out_trade_no, o.c.account_id, a.c.account_no, a.c.account_tail, o.c.amount_fen, o.c.purpose,
            o.c.status, o.c.created_at, o.c.expires_at, o.c.paid_at, o.c.trade_no, o.c.payment_id,
            o.c.plan_instalment_id, o.c.closed_at,
        )
        .join(a, a.c.id == o.c.account_id)
        .where(o.c.out_trade_no == out_trade_no, o.c.customer_id == customer_id,
               a.c.customer_id == customer_id)
    ).first()  # fmt: skip
    if row is None:
        return None
    values = row._asdict()
    values["account_tail"] = row.account_tail or row.account_no[-4:]
    return OrderFacts(**values)


def settled(connection: Connection, order: OrderFacts) -> Settled | None:
    """What the order's posted payment paid and changed; None while no payment is posted."""
    if order.payment_id is None:
        return None
    p, a = _PAYMENT, _ACCOUNT
    payment = connection.execute(
        select(p.c.paid_date, p.c.applied_fee_fen, p.c.applied_interest_fen, p.c.applied_principal_fen).where(
            p.c.id == order.payment_id
        )
    ).first()
    if payment is None:
        return None
    overdue = int(connection.execute(select(a.c.overdue_fen).where(a.c.id == order.account_id)).scalar_one())
    return Settled(
        fee_fen=int(payment.applied_fee_fen or 0),
        interest_fen=int(payment.applied_interest_fen or 0),
        principal_fen=int(payment.applied_principal_fen or 0),
        paid_date=payment.paid_date,
        current=overdue <= 0,
        overdue_fen=max(overdue, 0),
        instalments=_instalments(connection, order, payment.paid_date),
        promises=_promises(connection, order.account_id, payment.paid_date),
    )


def _instalments(
    connection: Connection, order: OrderFacts, paid_date: date
) -> tuple[tuple[int, str, int], ...]:
    """(number, status, fen still to pay) of the instalment the order was for, whatever became of it,
    and of the account's plans' instalments kept on the payment's day."""
    i, p = _INSTALMENT, _PLAN
    kept = and_(i.c.status.in_(("kept", "partly_kept")), i.c.settled_on == paid_date)
    named = i.c.id == order.plan_instalment_id if order.plan_instalment_id is not None else None
    rows = connection.execute(
        select(i.c.number, i.c.status, i.c.amount_fen, i.c.paid_fen)
        .join(p, p.c.id == i.c.plan_id)
        .where(p.c.account_id == order.account_id, or_(kept, named) if named is not None else kept)
        .order_by(i.c.number)
    ).all()
    return tuple(
        (int(row.number), row.status, max(0, int(row.amount_fen) - int(row.paid_fen))) for row in rows
    )


def _promises(connection: Connection, account_id: int, paid_date: date) -> tuple[tuple[int, str], ...]:
    t = _PROMISE
    rows = connection.execute(
        select(t.c.amount_fen, t.c.status)
        .where(
            t.c.account_id == account_id, t.c.settled_on == paid_date, t.c.status.in_(("kept", "partly_kept"))
        )
        .order_by(t.c.id)
    ).all()
    return tuple((int(row.amount_fen), row.status) for row in rows)
