"""The book as segmentation reads it, from the store on a date. SQL only; callers own the
connection and its transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import polars as pl
from sqlalchemy import Connection, and_, func, or_, select, union

from arrears.bulk import read_frame
from arrears.contacts.hold_scope import unscoped
from arrears.debtsale.exclusion import unsold
from arrears.models import (
    AccountScore,
    CardAccount,
    DelinquencySnapshot,
    Hold,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    table_of,
)

_ACCOUNT, _SNAPSHOT, _HOLD = table_of(CardAccount), table_of(DelinquencySnapshot), table_of(Hold)


class BookRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def latest_snapshot_date(self) -> date | None:
        return self._connection.execute(select(func.max(_SNAPSHOT.c.as_of_date))).scalar_one_or_none()

    def accounts(self, *, as_of: date) -> pl.DataFrame:
        """Each account's delinquency on ``as_of``, its product, and whether it was late before (a
        past-due day on an earlier snapshot with a current one after it)."""
        s, a = _SNAPSHOT, _ACCOUNT
        query = (
            select(
                s.c.account_id,
                a.c.account_no,
                s.c.dpd,
                s.c.bucket,
                s.c.balance_fen,
                a.c.product,
                a.c.customer_id,
            )
            .join(a, a.c.id == s.c.account_id)
            .where(s.c.as_of_date == as_of, unsold(s.c.account_id))  # a sold account: not the bank's
        )
        schema = {
            "account_id": pl.Int64(),
            "account_no": pl.String(),
            "dpd": pl.Int64(),
            "bucket": pl.String(),
            "balance_fen": pl.Int64(),
            "product": pl.String(),
            "customer_id": pl.Int64(),
        }
        book = read_frame(self._connection, query, schema)
        return book.join(self.cured_before(as_of), on="account_id", how="left").with_columns(
            was_late_before=pl.col("was_late_before").fill_null(False)
        )

    def cured_before(self, as_of: date) -> pl.DataFrame:
        s = _SNAPSHOT
        late = (
            select(s.c.account_id, func.min(s.c.as_of_date).label("first_late"))
            .where(s.c.dpd > 0, s.c.as_of_date < as_of)
            .group_by(s.c.account_id)
            .subquery()
        )
        query = (
            select(s.c.account_id)
            .join(late, late.c.account_id == s.c.account_id)
            .where(s.c.dpd == 0, s.c.as_of_date > late.c.first_late, s.c.as_of_date < as_of)
            .distinct()
        )
        cured = read_frame(self._connection, query, {"account_id": pl.Int64()})
        return cured.with_columns(was_late_before=pl.lit(True))

    def broken_promises(self, run_date: date, *, days: int = 30) -> pl.DataFrame:
        """The accounts with a promise, or a plan instalment, broken in the last ``days`` days."""
        i, plan = table_of(PlanInstalment), table_of(RepaymentPlan)
        since = run_date - timedelta(days=days)
        took_effect = plan.c.status.not_in(("proposed", "rejected"))  # only those are ever settled
        instalments = (
            select(plan.c.account_id)
            .join(i, i.c.plan_id == plan.c.id)
            .where(i.c.status == "broken", i.c.due_date >= since, took_effect)
        )
        p = table_of(PromiseToPay)
        promises = select(p.c.account_id).where(p.c.status == "broken", p.c.promised_date >= since)
        query = union(promises, instalments)
        return read_frame(self._connection, query, {"account_id": pl.Int64()})

    def stored_scores(self) -> pl.DataFrame:
        """Each account's latest score as the daily run kept it: score, risk_tier and ability."""
        s = table_of(AccountScore)
        query = select(s.c.account_id, s.c.score, s.c.risk_tier, s.c.ability)
        schema = {
            "account_id": pl.Int64(),
            "score": pl.Int64(),
            "risk_tier": pl.String(),
            "ability": pl.Int64(),
        }
        return read_frame(self._connection, query, schema)

    def held(self, *, as_of: date) -> pl.DataFrame:
        """customer_id, account_id (null: every account of the customer) and kind of the holds active
        on ``as_of``."""
        h = _HOLD
        moment = datetime.combine(as_of, time.max, UTC)
        query = select(h.c.customer_id, h.c.account_id, h.c.kind).where(
            unscoped(h),  # a hold naming one collector or agency stops only them, not the run
            h.c.placed_at <= moment,
            or_(h.c.lifted_at.is_(None), h.c.lifted_at > moment),
            or_(h.c.expires_at.is_(None), and_(h.c.expires_at > moment)),
        )
        schema = {"customer_id": pl.Int64(), "account_id": pl.Int64(), "kind": pl.String()}
        return read_frame(self._connection, query, schema)


def book(connection: Connection, *, as_of: date) -> pl.DataFrame:
    """The accounts on ``as_of`` with a ``hold`` flag and ``promise_broken`` (a promise or plan
    instalment broken in the last 30 days)."""
    repository = BookRepository(connection)
    accounts = repository.accounts(as_of=as_of)
    holds = repository.held(as_of=as_of)
    by_customer = holds.filter(pl.col("account_id").is_null()).select("customer_id").unique()
    by_account = holds.drop_nulls("account_id").select("account_id").unique()
    broken = repository.broken_promises(as_of).get_column("account_id")
    return accounts.with_columns(
        hold=pl.col("customer_id").is_in(by_customer.get_column("customer_id").implode())
        | pl.col("account_id").is_in(by_account.get_column("account_id").implode()),
        promise_broken=pl.col("account_id").is_in(broken.implode()),
    )
