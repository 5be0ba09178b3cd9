"""What a cardholder owes on one account, as the portal shows it: the overdue amount and its items,
the minimum that brings the account current, the full payoff, the due dates, the plan and its
instalments, an open promise, the last payments, and the messages and letters sent.

The amounts are those the rest of Arrears uses: the overdue amount is the account's (kept by the daily
run and by every posted payment); the minimum and the payoff are the letters' (``Owed`` of
``messaging.letters.rules``: the minimum is the overdue amount, at most the balance; the payoff is the
balance); the overdue amount is split into items in the order payments are applied
(``settings.payment_order``: fees, interest, principal); the date the oldest unpaid minimum fell due
comes from the same delinquency maths as the daily run (``accounts.rules.delinquency_state``), over the
same statements and payments. Messages show what was sent, already masked (bodies hold masked data
only; a sign-in code is never shown). SQL and pure arithmetic; read only.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select

from arrears.accounts.rules import Installment, Payment, delinquency_state
from arrears.messaging.letters.rules import Owed as LetterOwed
from arrears.models import (
    CardAccount,
    OutboxMessage,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    Statement,
    table_of,
)
from arrears.models import Payment as PaymentRow
from arrears.portal.accounts import AccountRow

DEFAULT_ORDER = ("fee", "interest", "principal")
LAST_PAYMENTS = 5
LAST_STATEMENTS = 3
LAST_MESSAGES = 20
SENT = ("sending", "sent", "delivered")
_A, _S, _P = table_of(CardAccount), table_of(Statement), table_of(PaymentRow)
_PLAN, _INST, _PROMISE = table_of(RepaymentPlan), table_of(PlanInstalment), table_of(PromiseToPay)
_MSG = table_of(OutboxMessage)


@dataclass(frozen=True, slots=True)
class Instalment:
    number: int
    due_date: date
    amount_fen: int
    paid_fen: int
    status: str

    @property
    def left_fen(self) -> int:
        return max(0, self.amount_fen - self.paid_fen)


@dataclass(frozen=True, slots=True)
class Plan:
    id: int
    kind: str
    status: str
    agreed_on: date
    total_fen: int
    waived_fen: int
    instalments: tuple[Instalment, ...]

    @property
    def next_instalment(self) -> Instalment | None:
        """The first instalment not yet paid in full."""
        return next((one for one in self.instalments if one.left_fen > 0 and one.status != "kept"), None)


@dataclass(frozen=True, slots=True)
class Owed:
    account_id: int
    account_no: str
    dpd: int
    bucket: str
    principal_fen: int
    interest_fen: int
    fee_fen: int
    overdue_fen: int
    overdue_items: dict[str, int]  # fee, interest, principal: the overdue amount split in payment order
    minimum_fen: int  # brings the account current
    payoff_fen: int  # settles it in full
    overdue_since: date | None  # the due date of the oldest unpaid minimum
    next_due_date: date | None  # the next statement's due date (or the account's due day)
    statements: tuple[dict[str, Any], ...]  # statement_date, due_date, minimum_fen, balance_fen
    plan: Plan | None
    promise: dict[str, Any] | None  # amount_fen, promised_date, paid_fen
    payments: tuple[dict[str, Any], ...]  # paid_date, amount_fen, channel, source
    messages: tuple[dict[str, Any], ...]  # channel, template, sent_on, body, subject

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fee_fen


def split(overdue_fen: int, items: dict[str, int], order: Sequence[str] = DEFAULT_ORDER) -> dict[str, int]:
    """The overdue amount split into the account's items in payment order (pure)."""
    left, found = max(0, overdue_fen), {}
    for item in order:
        found[item] = min(left, max(0, items.get(item, 0)))
        left -= found[item]
    return found


def next_due_day(today: date, due_day: int) -> date:
    """The next date (today or later) on the account's due day of the month (pure)."""
    year, month = today.year, today.month
    for _ in range(2):
        day = min(due_day, monthrange(year, month)[1])
        candidate = date(year, month, day)
        if candidate >= today:
            return candidate
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return candidate


def owed(
    connection: Connection,
    *,
    account_id: int,
    today: date,
    order: Sequence[str] = DEFAULT_ORDER,
    row: AccountRow | None = None,
) -> Owed:
    """What is owed on the account on ``today`` (the cardholders' day). The account must exist. ``row``:
    the account as the page has just read it (``portal.accounts``), not read again."""
    account: dict[str, Any]
    if row is not None and row.id == account_id:
        account = asdict(row)
    else:
        account = dict(connection.execute(select(_A).where(_A.c.id == account_id)).mappings().one())
    letter = LetterOwed(
        int(account["principal_fen"]),
        int(account["interest_fen"]),
        int(account["fee_fen"]),
        int(account["overdue_fen"]),
    )
    items = {"fee": letter.fee_fen, "interest": letter.interest_fen, "principal": letter.principal_fen}
    statements = _statements(connection, account)
    return Owed(
        account_id=account_id,
        account_no=account["account_no"],
        dpd=int(account["dpd"]),
        bucket=account["bucket"],
        principal_fen=letter.principal_fen,
        interest_fen=letter.interest_fen,
        fee_fen=letter.fee_fen,
        overdue_fen=letter.overdue_fen,
        overdue_items=split(letter.overdue_fen, items, order),
        minimum_fen=letter.minimum_fen,
        payoff_fen=letter.payoff_fen,
        overdue_since=_overdue_since(connection, account, statements, today)
        if letter.overdue_fen > 0
        else None,
        next_due_date=_next_due(statements, account, today),
        statements=tuple(statements[-LAST_STATEMENTS:][::-1]),
        plan=_plan(connection, account_id),
        promise=_promise(connection, account_id),
        payments=_payments(connection, account_id),
        messages=_messages(connection, account_id, int(account["customer_id"])),
    )


def _statements(connection: Connection, account: Any) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(_S.c.statement_date, _S.c.due_date, _S.c.minimum_due_fen, _S.c.balance_fen)
        .where(_S.c.account_id == account["id"])
        .order_by(_S.c.statement_date)
    ).all()
    return [
        {
            "statement_date": r.statement_date,
            "due_date": r.due_date,
            "minimum_fen": int(r.minimum_due_fen),
            "balance_fen": int(r.balance_fen),
        }
        for r in rows
    ]


def _overdue_since(
    connection: Connection, account: Any, statements: list[dict[str, Any]], today: date
) -> date | None:
    """The daily run's maths over the same inputs (statements after the arrears date, the arrears
    brought forward, the payments since)."""
    since = account["arrears_as_of_date"]
    installments = [
        Installment(s["due_date"], s["minimum_fen"])
        for s in statements
        if since is None or s["due_date"] > since
    ]
    if account["arrears_fen"] > 0 and account["arrears_due_date"] is not None:
        installments.append(Installment(account["arrears_due_date"], int(account["arrears_fen"])))
    query = select(func.coalesce(func.sum(_P.c.amount_fen), 0)).where(
        _P.c.account_id == account["id"], _P.c.paid_date <= today
    )
    if since is not None:
        query = query.where(_P.c.paid_date > since)
    paid = max(0, int(connection.execute(query).scalar_one()))
    state = delinquency_state(installments=installments, payments=[Payment(today, paid)], as_of=today)
    fallback: date | None = account["arrears_due_date"]
    return state.oldest_unpaid_due_date or fallback


def _next_due(statements: list[dict[str, Any]], account: Any, today: date) -> date | None:
    upcoming: list[date] = [s["due_date"] for s in statements if s["due_date"] >= today]
    if upcoming:
        return min(upcoming)
    return next_due_day(today, int(account["due_day"])) if account["due_day"] else None


def _plan(connection: Connection, account_id: int) -> Plan | None:
    """The account's open plan (active or proposed), else its latest."""
    row = (
        connection.execute(
            select(_PLAN)
            .where(_PLAN.c.account_id == account_id)
            .order_by(_PLAN.c.status.in_(("active", "proposed")).desc(), _PLAN.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    instalments = connection.execute(
        select(_INST.c.number, _INST.c.due_date, _INST.c.amount_fen, _INST.c.paid_fen, _INST.c.status)
        .where(_INST.c.plan_id == row["id"])
        .order_by(_INST.c.number)
    ).all()
    return Plan(
        id=int(row["id"]),
        kind=row["kind"],
        status=row["status"],
        agreed_on=row["agreed_on"],
        total_fen=int(row["total_fen"]),
        waived_fen=int(row["waived_fen"]),
        instalments=tuple(
            Instalment(int(i.number), i.due_date, int(i.amount_fen), int(i.paid_fen), i.status)
            for i in instalments
        ),
    )


def _promise(connection: Connection, account_id: int) -> dict[str, Any] | None:
    row = (
        connection.execute(
            select(_PROMISE.c.amount_fen, _PROMISE.c.promised_date, _PROMISE.c.paid_fen, _PROMISE.c.status)
            .where(_PROMISE.c.account_id == account_id, _PROMISE.c.status == "open")
            .order_by(_PROMISE.c.promised_date)
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None


def _payments(connection: Connection, account_id: int) -> tuple[dict[str, Any], ...]:
    rows = connection.execute(
        select(_P.c.paid_date, _P.c.amount_fen, _P.c.channel, _P.c.source)
        .where(_P.c.account_id == account_id)
        .order_by(_P.c.paid_date.desc(), _P.c.id.desc())
        .limit(LAST_PAYMENTS)
    ).mappings()
    return tuple(dict(row) for row in rows)


def _messages(connection: Connection, account_id: int, customer_id: int) -> tuple[dict[str, Any], ...]:
    """Messages and letters sent about the account (or to the cardholder about no account), newest
    first; sign-in codes left out."""
    m = _MSG
    about = or_(m.c.account_id == account_id, and_(m.c.account_id.is_(None), m.c.customer_id == customer_id))
    rows = connection.execute(
        select(
            m.c.channel,
            m.c.template,
            m.c.kind,
            m.c.subject,
            m.c.body,
            m.c.sent_at,
            m.c.created_at,
            m.c.status,
        )
        .where(about, m.c.status.in_(SENT), or_(m.c.template.is_(None), m.c.template != "otp"))
        .order_by(m.c.created_at.desc(), m.c.id.desc())
        .limit(LAST_MESSAGES)
    ).mappings()
    found = []
    for row in rows:
        at: datetime = row["sent_at"] or row["created_at"]
        found.append(
            {
                "channel": row["channel"],
                "template": row["template"],
                "kind": row["kind"],
                "subject": row["subject"],
                "body": row["body"],
                "sent_at": at,
                "status": row["status"],
            }
        )
    return tuple(found)
