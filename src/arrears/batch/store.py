"""Store mode's SQL: the book as the daily run reads it, and what the run writes. Callers own the
connection and its transaction."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Integer,
    and_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from arrears.batch.portfolio import UTC_DATETIME
from arrears.bulk import read_frame
from arrears.models import (
    CardAccount,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    DailyRun,
    DelinquencySnapshot,
    Hold,
    Payment,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    StrategyVersion,
    table_of,
)
from arrears.strategy.repository import BookRepository

_ACCOUNT, _SNAPSHOT, _HOLD = table_of(CardAccount), table_of(DelinquencySnapshot), table_of(Hold)
_POINT, _ACTION, _PROMISE = table_of(ContactPoint), table_of(CollectionAction), table_of(PromiseToPay)
_PAYMENT, _RUN, _STRATEGY = table_of(Payment), table_of(DailyRun), table_of(StrategyVersion)
_PLAN, _INSTALMENT = table_of(RepaymentPlan), table_of(PlanInstalment)
_EVENT = table_of(ContactEvent)
RECENT_DAYS = 9  # contacts older than this cannot matter to any rule or cadence of the default strategy


class RunRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    # --- the run record -------------------------------------------------------------------------

    def run(self, run_date: date) -> dict[str, Any] | None:
        row = self._connection.execute(select(_RUN).where(_RUN.c.run_date == run_date)).mappings().first()
        return dict(row) if row else None

    def last_completed(self) -> date | None:
        query = select(func.max(_RUN.c.run_date)).where(_RUN.c.status == "completed")
        value = self._connection.execute(query).scalar_one_or_none()
        return value if isinstance(value, date) else None

    def start(self, run_date: date, *, now: datetime) -> None:
        self._connection.execute(
            insert(_RUN).values(run_date=run_date, status="running", steps_done="", started_at=now)
        )

    def step_done(self, run_date: date, step: str) -> None:
        done = (self.run(run_date) or {}).get("steps_done") or ""
        steps = [one for one in done.split(",") if one] + [step]
        self._connection.execute(
            update(_RUN).where(_RUN.c.run_date == run_date).values(steps_done=",".join(steps))
        )

    def complete(
        self,
        run_date: date,
        *,
        strategy_id: int,
        model_version: str,
        policy: str,
        report: dict[str, Any],
        now: datetime,
    ) -> None:
        self._connection.execute(
            update(_RUN)
            .where(_RUN.c.run_date == run_date)
            .values(
                status="completed",
                strategy_version_id=strategy_id,
                model_version=model_version,
                policy=policy,
                report=json.dumps(report, ensure_ascii=False),
                completed_at=now,
            )
        )

    def strategy_id(self, *, name: str, version: int, sha256: str, text: str, now: datetime) -> int:
        """The id of the stored strategy text, storing it the first time it is used."""
        found = self._connection.execute(select(_STRATEGY.c.id).where(_STRATEGY.c.sha256 == sha256)).scalar()
        if found is not None:
            return int(found)
        values = {"name": name, "version": version, "sha256": sha256, "text": text, "registered_at": now}
        return int(
            self._connection.execute(
                insert(_STRATEGY).values(**values).returning(_STRATEGY.c.id)
            ).scalar_one()
        )

    # --- promises -------------------------------------------------------------------------------

    def settle_promises(self, run_date: date) -> dict[str, int]:
        """Settles the open promises whose date has passed from the payments made for them."""
        p, pay = _PROMISE, _PAYMENT
        paid = (
            select(func.coalesce(func.sum(pay.c.amount_fen), 0))
            .where(
                pay.c.account_id == p.c.account_id,
                pay.c.paid_date >= p.c.taken_on,
                pay.c.paid_date <= p.c.promised_date,
            )
            .scalar_subquery()
        )
        due = and_(p.c.status == "open", p.c.promised_date < run_date)
        self._connection.execute(update(p).where(due).values(paid_fen=paid, settled_on=run_date))
        settled = and_(p.c.settled_on == run_date, p.c.status == "open")
        return self._statuses(p, settled, p.c.paid_fen, p.c.amount_fen)

    def settle_plans(self, run_date: date) -> dict[str, int]:
        """Settles the plan instalments due before the date from the payments made since the previous
        instalment (or since the plan was agreed); a broken instalment breaks its plan, a plan whose
        instalments are all settled without one broken is completed."""
        i, plan, pay = _INSTALMENT, _PLAN, _PAYMENT
        query = (
            select(
                i.c.id,
                i.c.plan_id,
                i.c.number,
                i.c.due_date,
                i.c.amount_fen,
                i.c.status,
                plan.c.account_id,
                plan.c.agreed_on,
            )
            .join(plan, plan.c.id == i.c.plan_id)
            .where(plan.c.status == "active")
        )
        names = ["id", "plan_id", "number", "due_date", "amount_fen", "status", "account_id", "agreed_on"]
        instalments = pl.DataFrame(self._connection.execute(query).all(), schema=names, orient="row")
        due = (
            instalments.sort("plan_id", "number")
            .with_columns(start=pl.col("due_date").shift(1).over("plan_id").fill_null(pl.col("agreed_on")))
            .filter((pl.col("status") == "due") & (pl.col("due_date") < run_date))
        )
        counts = {"kept": 0, "partly_kept": 0, "broken": 0}
        if due.is_empty():
            return counts
        accounts = due.get_column("account_id").unique().to_list()
        paid_query = select(pay.c.account_id, pay.c.paid_date, pay.c.amount_fen).where(
            pay.c.account_id.in_(accounts)
        )
        payments = pl.DataFrame(
            self._connection.execute(paid_query).all(),
            schema=["account_id", "paid_date", "paid"],
            orient="row",
        )
        paid = (
            due.join(payments, on="account_id", how="left")
            .filter((pl.col("paid_date") > pl.col("start")) & (pl.col("paid_date") <= pl.col("due_date")))
            .group_by("id")
            .agg(paid_fen=pl.col("paid").sum())
        )
        settled = due.join(paid, on="id", how="left").with_columns(pl.col("paid_fen").fill_null(0))
        settled = settled.with_columns(
            status=pl.when(pl.col("paid_fen") >= pl.col("amount_fen"))
            .then(pl.lit("kept"))
            .when(pl.col("paid_fen") > 0)
            .then(pl.lit("partly_kept"))
            .otherwise(pl.lit("broken"))
        )
        self._connection.execute(
            update(i).where(i.c.id == bindparam("_id")),
            [
                {
                    "_id": row["id"],
                    "paid_fen": row["paid_fen"],
                    "status": row["status"],
                    "settled_on": run_date,
                }
                for row in settled.iter_rows(named=True)
            ],
        )
        counts |= dict(settled.group_by("status").len().iter_rows())
        broken = select(i.c.plan_id).where(i.c.status == "broken")
        open_ = select(i.c.plan_id).where(i.c.status == "due")
        active = plan.c.status == "active"
        self._connection.execute(update(plan).where(active, plan.c.id.in_(broken)).values(status="broken"))
        self._connection.execute(
            update(plan).where(active, plan.c.id.not_in(open_)).values(status="completed")
        )
        return counts

    def _statuses(self, table: Any, settled: Any, paid: Any, amount: Any) -> dict[str, int]:
        counts = {}
        for status, test in (
            ("kept", paid >= amount),
            ("partly_kept", and_(paid > 0, paid < amount)),
            ("broken", paid <= 0),
        ):
            counts[status] = self._connection.execute(
                update(table).where(settled, test).values(status=status)
            ).rowcount
        return counts

    # --- the book -------------------------------------------------------------------------------

    def accounts(self, run_date: date) -> pl.DataFrame:
        """The accounts' delinquency on the run date, with customer, product and primary phone."""
        s, a, c = _SNAPSHOT, _ACCOUNT, _POINT
        phone = (
            select(c.c.customer_id, func.min(c.c.id).label("point_id"))
            .where(c.c.kind == "mobile", c.c.is_primary)
            .group_by(c.c.customer_id)
            .subquery()
        )
        query = (
            select(
                s.c.account_id,
                a.c.account_no,
                a.c.customer_id,
                a.c.product,
                s.c.dpd,
                s.c.balance_fen,
                phone.c.point_id,
                cast(c.c.consent_outside_hours, Integer).label("consent_outside_hours"),
                cast(c.c.consent_extra_calls, Integer).label("consent_extra_calls"),
                cast(c.c.opted_out, Integer).label("opted_out"),
            )
            .join(a, a.c.id == s.c.account_id)
            .outerjoin(phone, phone.c.customer_id == a.c.customer_id)
            .outerjoin(c, c.c.id == phone.c.point_id)
            .where(s.c.as_of_date == run_date)
        )
        schema = {
            "account_id": pl.Int64(),
            "account_no": pl.String(),
            "customer_id": pl.Int64(),
            "product": pl.String(),
            "dpd": pl.Int32(),
            "balance_fen": pl.Int64(),
            "point_id": pl.Int64(),
            "consent_outside_hours": pl.Int8(),
            "consent_extra_calls": pl.Int8(),
            "opted_out": pl.Int8(),
        }
        flags = ["consent_outside_hours", "consent_extra_calls", "opted_out"]  # booleans travel as 0/1
        return read_frame(self._connection, query, schema).with_columns(pl.col(flags).cast(pl.Boolean))

    def holds(self, run_date: date) -> pl.DataFrame:
        """customer_id, account_id (null: all the customer's accounts), kind of the active holds."""
        return BookRepository(self._connection).held(as_of=run_date)

    def recent_contacts(self, run_date: date) -> pl.DataFrame:
        """The contacts of the last days that the caps and cadences count: the calls logged, and the
        other actions of earlier runs (SMS, letters, visits, hand-overs, taken as done)."""
        x, e = _ACTION, _EVENT
        since = run_date - timedelta(days=RECENT_DAYS)
        planned = select(
            x.c.account_id,
            x.c.customer_id,
            x.c.channel,
            x.c.scheduled_at.label("at"),
            literal(None).label("point_id"),
            literal("debtor").label("party"),
            literal(False).label("connected"),
            literal(False).label("conversation"),
        ).where(x.c.run_date >= since, x.c.run_date < run_date, x.c.channel != "call")
        logged = select(
            e.c.account_id,
            e.c.customer_id,
            e.c.channel,
            e.c.at,
            e.c.contact_point_id,
            e.c.party,
            e.c.connected,
            e.c.conversation,
        ).where(
            e.c.at >= datetime.combine(since, time(0), UTC),
            e.c.at < datetime.combine(run_date + timedelta(days=1), time(0), UTC),
        )
        schema = {
            "account_id": pl.Int64(),
            "customer_id": pl.Int64(),
            "channel": pl.String(),
            "at": UTC_DATETIME,
            "point_id": pl.Int64(),
            "party": pl.String(),
            "connected": pl.Boolean(),
            "conversation": pl.Boolean(),
        }
        # through SQLAlchemy's types: the instants come back aware on both backends
        rows = [*self._connection.execute(planned).all(), *self._connection.execute(logged).all()]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def broken_promises(self, run_date: date) -> pl.DataFrame:
        return BookRepository(self._connection).broken_promises(run_date)

    def cured_before(self, run_date: date) -> pl.DataFrame:
        return BookRepository(self._connection).cured_before(run_date)

    # --- outputs --------------------------------------------------------------------------------

    def replace_actions(self, run_date: date, rows: list[dict[str, Any]]) -> int:
        self._connection.execute(delete(_ACTION).where(_ACTION.c.run_date == run_date))
        for start in range(0, len(rows), 5_000):
            self._connection.execute(insert(_ACTION), rows[start : start + 5_000])
        return len(rows)
