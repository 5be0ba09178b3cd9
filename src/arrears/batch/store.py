"""Store mode's SQL: the book as the daily run reads it, and what the run writes. Callers own the
connection and its transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import polars as pl
from sqlalchemy import (
    Connection,
    Integer,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from arrears.accounts.repository import payment_stands
from arrears.arrangements import settlement
from arrears.batch.portfolio import UTC_DATETIME
from arrears.bulk import read_frame
from arrears.debtsale.exclusion import unsold
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
# calls count when logged, messages when sent (the dispatcher logs SMS, e-mails and notices, the
# letters' rendering logs letters): never as planned
COUNTED_WHEN_SENT = ("call", "sms", "email", "push", "letter")
RECENT_DAYS = 9  # contacts older than this cannot matter to any rule or cadence of the default strategy


def reached_point(kind: str) -> Any:
    """customer_id and ``point_id``: each customer's point of ``kind`` that the run contacts. A point
    marked invalid (``invalid_at``: it failed permanently too often) is never picked; of the others the
    primary one comes first, then the oldest (the lowest id)."""
    c = _POINT
    primary = func.min(case((c.c.is_primary, c.c.id), else_=None))
    return (
        select(c.c.customer_id, func.coalesce(primary, func.min(c.c.id)).label("point_id"))
        .where(c.c.kind == kind, c.c.invalid_at.is_(None))
        .group_by(c.c.customer_id)
        .subquery()
    )


def _grouped(rows: Sequence[Any], key: str) -> dict[int, list[Any]]:
    found: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        found[getattr(row, key)].append(row)
    return found


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

    # --- promises and plans: read the payments, settle (arrangements.settlement), write the outcome --

    def settle_promises(self, run_date: date) -> dict[str, int]:
        """Settles the open promises whose date has passed: each fen of a payment is credited to one
        promise only, from the day the promise was taken (:func:`settlement.allocate_promises`)."""
        p = _PROMISE
        due = and_(p.c.status == "open", p.c.promised_date < run_date)
        accounts = select(p.c.account_id).where(due).distinct()
        columns = (p.c.id, p.c.account_id, p.c.taken_on, p.c.promised_date, p.c.amount_fen,
                   p.c.created_at, p.c.status)  # fmt: skip
        rows = self._connection.execute(select(*columns).where(p.c.account_id.in_(accounts))).all()
        by_account = _grouped(rows, "account_id")
        since = min((row.taken_on for row in rows), default=run_date)
        payments = self._payments(list(by_account), since=since, until=run_date - timedelta(days=1))
        counts, updates = {"kept": 0, "partly_kept": 0, "broken": 0}, []
        for account_id, promises in by_account.items():
            terms = [settlement.Promised(r.id, r.taken_on, r.promised_date, r.amount_fen, r.created_at)
                     for r in promises]  # fmt: skip
            credited = settlement.allocate_promises(terms, payments.get(account_id, ()))
            for row in promises:
                if row.status == "open" and row.promised_date < run_date:
                    status = settlement.promise_status(amount_fen=row.amount_fen, paid_fen=credited[row.id])
                    updates.append({"_id": row.id, "paid_fen": credited[row.id], "status": status,
                                    "settled_on": run_date})  # fmt: skip
                    counts[status] += 1
        self._write(p, updates)
        return counts

    def settle_plans(self, run_date: date) -> dict[str, int]:
        """Settles the active plans by running totals (:func:`settlement.settle_plan`): the instalments
        that fall due or are paid in full ahead are settled (a settled instalment keeps its status; its
        ``paid_fen`` follows the payments), and the plan is completed or broken when it is. Returns the
        instalments settled today by status."""
        i, plan = _INSTALMENT, _PLAN
        query = (
            select(plan.c.id.label("plan_id"), plan.c.account_id, plan.c.agreed_on, i.c.id, i.c.number,
                   i.c.due_date, i.c.amount_fen, i.c.paid_fen, i.c.status)
            .join(i, i.c.plan_id == plan.c.id)
            .where(plan.c.status == "active")
        )  # fmt: skip
        rows = self._connection.execute(query).all()
        since = min((row.agreed_on for row in rows), default=run_date)
        payments = self._payments(sorted({row.account_id for row in rows}), since=since, until=run_date)
        counts = {"kept": 0, "partly_kept": 0, "broken": 0}
        settled, paid, ended = [], [], []
        for plan_id, instalments in _grouped(rows, "plan_id").items():
            first = instalments[0]
            dues = [settlement.Due(r.number, r.due_date, r.amount_fen) for r in instalments]
            found = settlement.settle_plan(instalments=dues, payments=payments.get(first.account_id, ()),
                                           agreed_on=first.agreed_on, as_of=run_date)  # fmt: skip
            stored = {row.number: row for row in instalments}
            for one in found.instalments:
                row = stored[one.number]
                if row.status == "due" and one.status != "due":
                    settled.append({"_id": row.id, "paid_fen": one.paid_fen, "status": one.status,
                                    "settled_on": run_date})  # fmt: skip
                    counts[one.status] += 1
                elif row.paid_fen != one.paid_fen:
                    paid.append({"_id": row.id, "paid_fen": one.paid_fen})
            if found.status != "active":
                ended.append({"_id": plan_id, "status": found.status})
        for table, changes in ((i, settled), (i, paid), (plan, ended)):
            self._write(table, changes)
        return counts

    def _payments(self, accounts: list[int], *, since: date, until: date) -> dict[int, list[settlement.Paid]]:
        """The accounts' payments made from ``since`` to ``until`` (both included) that still stand, by
        account: a reversal (a negative entry) and the payment it takes back both count for nothing, as
        when a payment is settled the moment it arrives (``payments.effects_repository``)."""
        pay, found = _PAYMENT, defaultdict(list)
        for start in range(0, len(accounts), 5_000):
            query = select(pay.c.account_id, pay.c.paid_date, pay.c.amount_fen).where(
                pay.c.account_id.in_(accounts[start : start + 5_000]),
                pay.c.paid_date >= since,
                pay.c.paid_date <= until,
                payment_stands(pay),
            )
            for row in self._connection.execute(query):
                found[row.account_id].append(settlement.Paid(row.paid_date, row.amount_fen))
        return found

    def _write(self, table: Any, rows: list[dict[str, Any]]) -> None:
        """Updates the rows by id (``_id``); all the rows carry the same columns."""
        if rows:
            values: dict[str, Any] = {name: bindparam(name) for name in rows[0] if name != "_id"}
            self._connection.execute(update(table).where(table.c.id == bindparam("_id")).values(values), rows)

    # --- the book -------------------------------------------------------------------------------

    def accounts(self, run_date: date) -> pl.DataFrame:
        """The accounts' delinquency on the run date, with customer, product, the phone (``point_id``)
        with its consents and opt-out, and the e-mail address (``email_id``) with its opt-out. Each is
        the customer's valid point of its kind (:func:`reached_point`)."""
        s, a, c = _SNAPSHOT, _ACCOUNT, _POINT
        phone, email = reached_point("mobile"), reached_point("email")
        mail = c.alias("mail")
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
                email.c.point_id.label("email_id"),
                cast(mail.c.opted_out, Integer).label("email_opted_out"),
            )
            .join(a, a.c.id == s.c.account_id)
            .outerjoin(phone, phone.c.customer_id == a.c.customer_id)
            .outerjoin(c, c.c.id == phone.c.point_id)
            .outerjoin(email, email.c.customer_id == a.c.customer_id)
            .outerjoin(mail, mail.c.id == email.c.point_id)
            .where(s.c.as_of_date == run_date, unsold(s.c.account_id))  # a sold account: not the bank's
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
            "email_id": pl.Int64(),
            "email_opted_out": pl.Int8(),
        }
        # booleans travel as 0/1
        flags = ["consent_outside_hours", "consent_extra_calls", "opted_out", "email_opted_out"]
        return read_frame(self._connection, query, schema).with_columns(pl.col(flags).cast(pl.Boolean))

    def holds(self, run_date: date) -> pl.DataFrame:
        """customer_id, account_id (null: all the customer's accounts), kind of the active holds."""
        return BookRepository(self._connection).held(as_of=run_date)

    def recent_contacts(self, run_date: date) -> pl.DataFrame:
        """The contacts of the last days that the caps and cadences count: the contacts logged (calls,
        the SMS, e-mails and notices the dispatcher sent, the letters rendered for the post), and the
        other actions of earlier runs (visits, hand-overs, taken as done). A message the run only
        queued counts once it went out, never before."""
        x, e = _ACTION, _EVENT
        since = run_date - timedelta(days=RECENT_DAYS)
        start, end = (
            datetime.combine(since, time(0), UTC),
            datetime.combine(run_date + timedelta(days=1), time(0), UTC),
        )
        planned = select(
            x.c.account_id,
            x.c.customer_id,
            x.c.channel,
            x.c.scheduled_at.label("at"),
            literal(None).label("point_id"),
            literal("debtor").label("party"),
            literal(False).label("connected"),
            literal(False).label("conversation"),
        ).where(x.c.run_date >= since, x.c.run_date < run_date, x.c.channel.not_in(COUNTED_WHEN_SENT))
        logged = select(
            e.c.account_id,
            e.c.customer_id,
            e.c.channel,
            e.c.at,
            e.c.contact_point_id,
            e.c.party,
            e.c.connected,
            e.c.conversation,
        ).where(e.c.at >= start, e.c.at < end)
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
