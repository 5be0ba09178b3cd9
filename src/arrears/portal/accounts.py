"""The cardholder's own accounts: the portal never opens an account of another customer (an account
that is not the cardholder's answers 404, like one that does not exist). SQL only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, select

from arrears.kit.errors import NotFound
from arrears.models import CardAccount, table_of

_ACCOUNT = table_of(CardAccount)
_COLUMNS = (
    _ACCOUNT.c.id,
    _ACCOUNT.c.account_no,
    _ACCOUNT.c.account_tail,
    _ACCOUNT.c.customer_id,
    _ACCOUNT.c.dpd,
    _ACCOUNT.c.bucket,
    _ACCOUNT.c.overdue_fen,
    _ACCOUNT.c.principal_fen,
    _ACCOUNT.c.interest_fen,
    _ACCOUNT.c.fee_fen,
    _ACCOUNT.c.status,
    _ACCOUNT.c.due_day,
    _ACCOUNT.c.arrears_fen,
    _ACCOUNT.c.arrears_due_date,
    _ACCOUNT.c.arrears_as_of_date,
)


@dataclass(frozen=True, slots=True)
class AccountRow:
    id: int
    account_no: str
    account_tail: str | None
    customer_id: int
    dpd: int
    bucket: str
    overdue_fen: int
    principal_fen: int
    interest_fen: int
    fee_fen: int
    status: str
    due_day: int | None  # the rest: what ``portal.owed`` works from, so it need not read the row again
    arrears_fen: int
    arrears_due_date: date | None
    arrears_as_of_date: date | None

    @property
    def tail(self) -> str:
        """The last four characters, for showing the account masked (``****1234``)."""
        return self.account_tail or self.account_no[-4:]

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fee_fen


def plausible_key(value: str, *, longest: int = 64) -> bool:
    """Whether a number from a URL may be looked up: at most ``longest`` characters, all printable."""
    return 0 < len(value) <= longest and value.isprintable()


def accounts_of(connection: Connection, customer_id: int) -> list[AccountRow]:
    """The customer's accounts, most overdue first."""
    rows = connection.execute(
        select(*_COLUMNS)
        .where(_ACCOUNT.c.customer_id == customer_id)
        .order_by(_ACCOUNT.c.dpd.desc(), _ACCOUNT.c.account_no)
    ).all()
    return [AccountRow(**row._asdict()) for row in rows]


def owned_account(connection: Connection, *, customer_id: int, account_no: str) -> AccountRow:
    """The account ``account_no`` when it is the customer's; NotFound otherwise (the same answer for
    an account of another customer as for one that does not exist). A value no account number can be
    (too long, a NUL, which PostgreSQL refuses in a query) is not looked up."""
    if not plausible_key(account_no):
        raise NotFound("No such account.", "没有这个账户。")
    row = connection.execute(
        select(*_COLUMNS).where(_ACCOUNT.c.account_no == account_no, _ACCOUNT.c.customer_id == customer_id)
    ).first()
    if row is None:
        raise NotFound("No such account.", "没有这个账户。")
    return AccountRow(**row._asdict())
