"""Scoring input from the store: the book on a date in the model's layout, with outcomes for training.

SQL lives in ``ScoringInputRepository``; callers own the connection and its transaction.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from sqlalchemy import Connection, select

from arrears.accounts.repository import DelinquencyRepository, payment_stands
from arrears.bulk import read_frame
from arrears.kit.errors import NotFound
from arrears.models import CardAccount, Customer, DelinquencySnapshot, Payment, Statement, table_of
from arrears.scoring.data import LABEL
from arrears.scoring.layout import layout_frame, month_ends

_ACCOUNT, _CUSTOMER = table_of(CardAccount), table_of(Customer)
_STATEMENT, _PAYMENT, _SNAPSHOT = table_of(Statement), table_of(Payment), table_of(DelinquencySnapshot)


class ScoringInputRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def accounts(self) -> pl.DataFrame:
        a, c = _ACCOUNT, _CUSTOMER
        query = select(
            a.c.id,
            a.c.account_no,
            a.c.credit_limit_fen,
            c.c.birth_date,
            c.c.sex,
            c.c.education,
            c.c.marital_status,
        ).join(c, c.c.id == a.c.customer_id)
        schema = {
            "account_id": pl.Int64(),
            "account_no": pl.String(),
            "credit_limit_fen": pl.Int64(),
            "birth_date": pl.Date(),
            "sex": pl.Int64(),
            "education": pl.Int64(),
            "marital_status": pl.Int64(),
        }
        return read_frame(self._connection, query, schema)

    def statements(self, *, after: date) -> pl.DataFrame:
        s = _STATEMENT
        query = select(s.c.account_id, s.c.statement_date, s.c.balance_fen).where(s.c.statement_date > after)
        schema = {"account_id": pl.Int64(), "statement_date": pl.Date(), "balance_fen": pl.Int64()}
        return read_frame(self._connection, query, schema)

    def payments(self, *, after: date) -> pl.DataFrame:
        p = _PAYMENT
        query = select(p.c.account_id, p.c.paid_date, p.c.amount_fen).where(
            p.c.paid_date > after, payment_stands(p)
        )
        schema = {"account_id": pl.Int64(), "paid_date": pl.Date(), "amount_fen": pl.Int64()}
        return read_frame(self._connection, query, schema)

    def days_past_due(self, *, on: date) -> pl.DataFrame:
        s = _SNAPSHOT
        query = select(s.c.account_id, s.c.dpd).where(s.c.as_of_date == on)
        return read_frame(self._connection, query, {"account_id": pl.Int64(), "dpd": pl.Int64()})


def store_accounts(connection: Connection, *, as_of: date) -> pl.DataFrame:
    """Every card account of the store in the model's input layout on ``as_of``."""
    repository = ScoringInputRepository(connection)
    delinquency = DelinquencyRepository(connection)
    accounts = repository.accounts()
    if accounts.is_empty():
        raise NotFound("the store holds no card accounts: import an extract first", "库中没有信用卡账户")
    window_start = month_ends(month_ends(as_of)[-1])[1]
    layout = layout_frame(
        accounts,
        repository.statements(after=window_start),
        repository.payments(after=window_start),
        delinquency.installments(),
        delinquency.payments(as_of=as_of),
        as_of=as_of,
    )
    return layout


def store_training_accounts(connection: Connection, *, as_of: date, outcome_date: date) -> pl.DataFrame:
    """``store_accounts`` with the outcome: ``defaulted`` = 1 when the account was past due on
    ``outcome_date`` (the day's delinquency snapshot must exist)."""
    if outcome_date <= as_of:
        raise ValueError("the outcome date must come after the scoring date")
    outcomes = ScoringInputRepository(connection).days_past_due(on=outcome_date)
    if outcomes.is_empty():
        raise NotFound(
            f"no delinquency snapshot on {outcome_date}: import or run that day first",
            f"{outcome_date} 没有逾期快照",
        )
    accounts = store_accounts(connection, as_of=as_of)
    numbers = (
        ScoringInputRepository(connection).accounts().select("account_id", pl.col("account_no").alias("ID"))
    )
    labelled = accounts.join(numbers, on="ID").join(outcomes, on="account_id", how="inner")
    return labelled.with_columns((pl.col("dpd") > 0).cast(pl.Int8).alias(LABEL)).drop("account_id", "dpd")
