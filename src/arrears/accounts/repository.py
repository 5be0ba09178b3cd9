"""All SQL about card accounts and their delinquency."""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import ColumnElement, Connection, Table, and_, func, or_, select, union_all
from sqlalchemy.sql.selectable import SelectBase

from arrears.bulk import BulkLoader, Target, read_frame
from arrears.models import CardAccount, DelinquencySnapshot, ImportRun, Payment, Statement, table_of

_ACCOUNT = table_of(CardAccount)
_STATEMENT = table_of(Statement)
_PAYMENT = table_of(Payment)
_SNAPSHOT = table_of(DelinquencySnapshot)

TARGETS = {
    "delinquency_snapshot": Target(_SNAPSHOT, ("account_id", "as_of_date"), update=True),
    "card_account": Target(_ACCOUNT, ("id",), update=True),
}


def payment_stands(payment: Table = _PAYMENT) -> ColumnElement[bool]:
    """The payments that still stand: a reversal (a negative entry) and the payment it takes back both
    count for nothing, wherever payments are counted (delinquency, settlement, scoring). One uncorrelated
    subquery (the reversed ids, read once), not a lookup per payment."""
    reversal = _PAYMENT.alias("reversal")
    reversed_ids = select(reversal.c.reverses_id).where(
        reversal.c.source == "reversal", reversal.c.reverses_id.is_not(None)
    )
    return and_(payment.c.source != "reversal", payment.c.id.not_in(reversed_ids))


def _frame(connection: Connection, query: SelectBase, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    return read_frame(connection, query, schema)


class DelinquencyRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def installments(self) -> pl.DataFrame:
        """Minimum payments still relevant: statements due after the arrears date, plus the arrears."""
        account, statement = _ACCOUNT, _STATEMENT
        after_arrears = or_(
            account.c.arrears_as_of_date.is_(None), statement.c.due_date > account.c.arrears_as_of_date
        )
        from_statements = (
            select(statement.c.account_id, statement.c.due_date, statement.c.minimum_due_fen)
            .join(account, account.c.id == statement.c.account_id)
            .where(after_arrears)
        )
        from_arrears = select(account.c.id, account.c.arrears_due_date, account.c.arrears_fen).where(
            and_(account.c.arrears_fen > 0, account.c.arrears_due_date.is_not(None))
        )
        schema = {"account_id": pl.Int64(), "due_date": pl.Date(), "minimum_fen": pl.Int64()}
        return _frame(self._connection, union_all(from_statements, from_arrears), schema)

    def payments(self, *, as_of: date) -> pl.DataFrame:
        account, payment = _ACCOUNT, _PAYMENT
        query = (
            select(payment.c.account_id, payment.c.paid_date, payment.c.amount_fen)
            .join(account, account.c.id == payment.c.account_id)
            .where(payment.c.paid_date <= as_of, payment_stands(payment))
            .where(
                or_(
                    account.c.arrears_as_of_date.is_(None), payment.c.paid_date > account.c.arrears_as_of_date
                )
            )
        )
        schema = {"account_id": pl.Int64(), "paid_date": pl.Date(), "amount_fen": pl.Int64()}
        return _frame(self._connection, query, schema)

    def balances(self) -> pl.DataFrame:
        account = _ACCOUNT
        query = select(account.c.id, account.c.principal_fen + account.c.interest_fen + account.c.fee_fen)
        return _frame(self._connection, query, {"account_id": pl.Int64(), "balance_fen": pl.Int64()})

    def save_snapshot(self, frame: pl.DataFrame, *, as_of: date, chunk_rows: int = 200_000) -> int:
        """Writes the snapshot rows for ``as_of`` and the accounts' current state; returns rows changed."""
        loader = BulkLoader(self._connection, TARGETS)
        snapshot_columns = [
            "account_id",
            "dpd",
            "bucket",
            "regulatory_class",
            "overdue_fen",
            "balance_fen",
            "oldest_unpaid_due_date",
        ]
        written = 0
        states = []
        for start in range(0, frame.height, chunk_rows):
            chunk = frame.slice(start, chunk_rows)
            rows = chunk.select(snapshot_columns).with_columns(pl.lit(as_of).alias("as_of_date"))
            written += loader.merge("delinquency_snapshot", rows, now=None)
            states.append(
                chunk.select(
                    pl.col("account_id").alias("id"), "dpd", "bucket", "regulatory_class", "overdue_fen"
                )
            )
        loader.update("card_account", states, key="id")
        loader.drop_staging()
        return written

    def latest_import_date(self) -> date | None:
        value = self._connection.execute(select(func.max(ImportRun.as_of_date))).scalar_one_or_none()
        return value if isinstance(value, date) else None

    def has_import(self, *, checksum: str, as_of: date) -> bool:
        query = (
            select(ImportRun.id).where(ImportRun.checksum == checksum, ImportRun.as_of_date == as_of).limit(1)
        )
        return self._connection.execute(query).first() is not None

    def latest_snapshot_date(self) -> date | None:
        value = self._connection.execute(select(func.max(_SNAPSHOT.c.as_of_date))).scalar_one_or_none()
        return value if isinstance(value, date) else None

    def summary(self, *, as_of: date) -> pl.DataFrame:
        """Accounts, balance and overdue amount per bucket and regulatory class on ``as_of``."""
        snap = _SNAPSHOT
        query = (
            select(
                snap.c.bucket,
                snap.c.regulatory_class,
                func.count(),
                func.coalesce(func.sum(snap.c.balance_fen), 0),
                func.coalesce(func.sum(snap.c.overdue_fen), 0),
            )
            .where(snap.c.as_of_date == as_of)
            .group_by(snap.c.bucket, snap.c.regulatory_class)
        )
        schema = {
            "bucket": pl.String(),
            "regulatory_class": pl.String(),
            "accounts": pl.Int64(),
            "balance_fen": pl.Int64(),
            "overdue_fen": pl.Int64(),
        }
        return _frame(self._connection, query, schema)


def accounts_numbered(connection: Connection, typed: str) -> list[int]:
    """The ids of the accounts numbered ``typed``, trimmed and in any letter case; the one spelt
    exactly as typed first. Numbers are stored as the bank's extract spells them: the unique index on
    the number answers the usual spellings (as typed, upper case, lower case); a number of mixed case
    typed in another mix is found by comparing lower-case forms, a scan made only when those miss."""
    text = typed.strip()
    if not text:
        return []
    a = _ACCOUNT
    query = select(a.c.id, a.c.account_no)
    rows = connection.execute(query.where(a.c.account_no.in_({text, text.upper(), text.lower()}))).all()
    if not rows:
        rows = connection.execute(query.where(func.lower(a.c.account_no) == text.lower())).all()
    return [row.id for row in sorted(rows, key=lambda row: (row.account_no != text, row.id))]
