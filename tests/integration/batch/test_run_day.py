"""Store mode on SQLite and PostgreSQL: a day over the UCI sample, idempotent, forward only, resumable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from sqlalchemy import Engine, insert, select

from arrears.batch.run_day import RunInputs, RunRefused, run_day
from arrears.batch.store import RunRepository
from arrears.compliance import load_policy
from arrears.contacts.calls import CallLog, log_call
from arrears.models import (
    CollectionAction,
    DailyRun,
    DelinquencySnapshot,
    Payment,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    StrategyVersion,
    table_of,
)
from arrears.scoring.model import ScoringModel
from arrears.strategy.load import load_strategy

AS_OF = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, tzinfo=UTC)


def run(engine: Engine, model: ScoringModel, when: date = AS_OF) -> Any:
    inputs = RunInputs(load_strategy("default"), model, "m1", load_policy("cn"), "Asia/Shanghai", lambda: NOW)
    return run_day(engine, when, inputs)


def actions(engine: Engine) -> pl.DataFrame:
    a = table_of(CollectionAction)
    columns = [column for column in a.c if column.name != "id"]
    with engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(a.c.account_id, a.c.channel)).all()
    return pl.DataFrame(rows, schema=[column.name for column in columns], orient="row")


def test_a_day_writes_its_actions_and_a_second_run_changes_nothing(
    store: Engine, model: ScoringModel
) -> None:
    result = run(store, model)
    first = actions(store)
    assert first.height == sum(c["actions"] for c in result.report["chosen"].values()) > 0
    assert result.steps_run == ("snapshot", "promises", "decide")
    assert first["account_id"].is_unique().all()
    again = run(store, model)
    assert again.already_completed and again.steps_run == () and again.report == result.report
    assert actions(store).equals(first)
    with store.connect() as connection:
        assert connection.execute(select(table_of(StrategyVersion).c.name)).scalars().all() == ["default"]
    with pytest.raises(RunRefused, match="before the last completed run"):
        run(store, model, date(2005, 9, 30))


def test_a_run_stopped_between_steps_completes_like_a_clean_one(
    store: Engine, model: ScoringModel, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: RunRepository, run_date: date) -> None:
        raise RuntimeError("killed")

    with monkeypatch.context() as patched:
        patched.setattr(RunRepository, "settle_promises", fail)
        with pytest.raises(RuntimeError, match="killed"):
            run(store, model)
    with store.connect() as connection:
        record = connection.execute(select(table_of(DailyRun))).mappings().one()
    assert (record["status"], record["steps_done"]) == ("running", "snapshot")
    assert actions(store).is_empty()
    resumed = run(store, model)
    assert resumed.steps_run == ("promises", "decide")
    finished = actions(store)
    # a clean run of the same day on a fresh copy of the book gives the same actions
    with store.begin() as connection:
        connection.execute(table_of(CollectionAction).delete())
        connection.execute(table_of(DailyRun).delete())
    run(store, model)
    assert actions(store).equals(finished)


def test_promises_are_settled_and_a_broken_one_escalates(store: Engine, model: ScoringModel) -> None:
    snapshot = table_of(DelinquencySnapshot)
    with store.begin() as connection:
        late = connection.execute(
            select(snapshot.c.account_id, snapshot.c.dpd)
            .where(snapshot.c.dpd.between(16, 30), snapshot.c.balance_fen > 1_000_000)
            .order_by(snapshot.c.account_id)
            .limit(3)
        ).all()
        assert len(late) == 3
        # the sample's own September payments are all dated 20 September: before these promises
        promise = {"taken_on": date(2005, 9, 21), "promised_date": date(2005, 9, 28), "created_at": NOW}
        for (account_id, _), amount in zip(late, (10_000, 10_000, 10_000), strict=True):
            connection.execute(
                insert(table_of(PromiseToPay)).values(account_id=account_id, amount_fen=amount, **promise)
            )
        pay = {"paid_date": date(2005, 9, 25), "channel": "bank_transfer"}
        for number, (account_id, amount) in enumerate(((late[0][0], 10_000), (late[1][0], 4_000))):
            values = {
                "payment_ref": f"PTP-TEST-{number}",
                "account_id": account_id,
                "amount_fen": amount,
                **pay,
            }
            connection.execute(insert(table_of(Payment)).values(**values))
    run(store, model)
    with store.connect() as connection:
        statuses = connection.execute(
            select(table_of(PromiseToPay).c.account_id, table_of(PromiseToPay).c.status)
        ).all()
    assert dict(statuses) == {late[0][0]: "kept", late[1][0]: "partly_kept", late[2][0]: "broken"}
    treated = actions(store).filter(pl.col("account_id") == late[2][0])
    assert treated["treatment"].to_list() == ["phone_m2"]  # late_m1 escalates to M2 calls


def test_plan_instalments_are_settled_and_a_broken_plan_escalates(store: Engine, model: ScoringModel) -> None:
    snapshot = table_of(DelinquencySnapshot)
    plan, instalment = table_of(RepaymentPlan), table_of(PlanInstalment)
    with store.begin() as connection:
        kept, broken = connection.execute(
            select(snapshot.c.account_id)
            .where(snapshot.c.dpd.between(16, 30), snapshot.c.balance_fen > 1_000_000)
            .order_by(snapshot.c.account_id.desc())
            .limit(2)
        ).scalars()
        ids = []
        for account_id in (kept, broken):
            values = {
                "account_id": account_id,
                "kind": "instalment",
                "agreed_on": date(2005, 9, 21),
                "created_at": NOW,
            }
            ids.append(connection.execute(insert(plan).values(**values).returning(plan.c.id)).scalar_one())
            for number, due in enumerate((date(2005, 9, 25), date(2005, 9, 28), date(2005, 10, 25)), start=1):
                connection.execute(
                    insert(instalment).values(plan_id=ids[-1], number=number, due_date=due, amount_fen=5_000)
                )
        # the kept plan's first two instalments are paid on time; the other plan gets nothing
        for number, paid in enumerate((date(2005, 9, 24), date(2005, 9, 27))):
            values = {
                "payment_ref": f"PLAN-{number}",
                "account_id": kept,
                "amount_fen": 5_000,
                "paid_date": paid,
            }
            connection.execute(insert(table_of(Payment)).values(channel="bank_transfer", **values))
    run(store, model)
    with store.connect() as connection:
        plans = dict(connection.execute(select(plan.c.account_id, plan.c.status)).all())
        statuses = connection.execute(
            select(plan.c.account_id, instalment.c.number, instalment.c.status)
            .join(instalment, instalment.c.plan_id == plan.c.id)
            .order_by(plan.c.account_id, instalment.c.number)
        ).all()
    assert plans == {kept: "active", broken: "broken"}
    by_account = {(a, n): s for a, n, s in statuses}
    assert [by_account[(kept, n)] for n in (1, 2, 3)] == ["kept", "kept", "due"]
    assert [by_account[(broken, n)] for n in (1, 2, 3)] == ["broken", "broken", "due"]
    assert actions(store).filter(pl.col("account_id") == broken)["treatment"].to_list() == ["phone_m2"]


def test_logged_calls_count_against_the_caps(store: Engine, model: ScoringModel) -> None:
    """Seven unanswered calls in the week before the run: calls are due again by the cadence (the
    last was two days ago), and the us policy's 7-in-7-days rule blocks them."""
    snapshot = table_of(DelinquencySnapshot)
    with store.begin() as connection:
        account = connection.execute(
            select(snapshot.c.account_id)
            .where(snapshot.c.dpd.between(31, 60), snapshot.c.balance_fen > 1_000_000)
            .order_by(snapshot.c.account_id)
            .limit(1)
        ).scalar_one()
        for number, days_ago in enumerate((2, 2, 3, 3, 4, 5, 6)):
            at = datetime(2005, 10, 1, 10, number, tzinfo=ZoneInfo("Asia/Shanghai")) - timedelta(
                days=days_ago
            )
            log_call(connection, account_id=account, user_id=None, call=CallLog(outcome="no_answer"), now=at)
    inputs = RunInputs(load_strategy("default"), model, "m1", load_policy("us"), "Asia/Shanghai", lambda: NOW)
    result = run_day(store, AS_OF, inputs)
    assert result.report["blocked_by_rule"].get("US-7IN7", 0) >= 1
    assert "call" not in actions(store).filter(pl.col("account_id") == account)["channel"].to_list()


def _plan_with_payments(connection: Any, account_id: int, payments: list[tuple[date, int]], tag: str) -> int:
    """A plan agreed on 21 Sep 2005 of three 200-yuan instalments due 24, 27 and 30 Sep (after the
    sample's own payments of 20 Sep), and the given payments."""
    plan, instalment = table_of(RepaymentPlan), table_of(PlanInstalment)
    values = {
        "account_id": account_id,
        "kind": "instalment",
        "agreed_on": date(2005, 9, 21),
        "total_fen": 600_00,
    }
    plan_id = connection.execute(
        insert(plan).values(created_at=NOW, **values).returning(plan.c.id)
    ).scalar_one()
    for number, due in enumerate((date(2005, 9, 24), date(2005, 9, 27), date(2005, 9, 30)), start=1):
        connection.execute(
            insert(instalment).values(plan_id=plan_id, number=number, due_date=due, amount_fen=200_00)
        )
    for number, (paid_on, amount) in enumerate(payments):
        connection.execute(
            insert(table_of(Payment)).values(
                payment_ref=f"{tag}-{number}", account_id=account_id, amount_fen=amount, paid_date=paid_on,
                channel="bank_transfer",
            )
        )  # fmt: skip
    return int(plan_id)


def test_plans_are_settled_by_the_running_totals(store: Engine, model: ScoringModel) -> None:
    """The three plans of issue 13: paid in full on the agreement day (completed, not broken); 400 of
    600 paid before the first due date and 200 later (completed, not broken and escalated); 1 fen
    against each instalment (broken, not completed)."""
    snapshot = table_of(DelinquencySnapshot)
    plan, instalment = table_of(RepaymentPlan), table_of(PlanInstalment)
    with store.begin() as connection:
        in_full, ahead, pennies = connection.execute(
            select(snapshot.c.account_id)
            .where(snapshot.c.dpd.between(16, 30), snapshot.c.balance_fen > 1_000_000)
            .order_by(snapshot.c.account_id)
            .limit(3)
        ).scalars()
        _plan_with_payments(connection, in_full, [(date(2005, 9, 21), 600_00)], "FULL")
        _plan_with_payments(
            connection, ahead, [(date(2005, 9, 22), 400_00), (date(2005, 9, 29), 200_00)], "AHEAD"
        )
        one_fen = [(date(2005, 9, 22), 1), (date(2005, 9, 25), 1), (date(2005, 9, 28), 1)]
        _plan_with_payments(connection, pennies, one_fen, "FEN")
    run(store, model)
    with store.connect() as connection:
        plans = dict(connection.execute(select(plan.c.account_id, plan.c.status)).all())
        rows = connection.execute(
            select(plan.c.account_id, instalment.c.number, instalment.c.status, instalment.c.paid_fen)
            .join(instalment, instalment.c.plan_id == plan.c.id)
            .order_by(plan.c.account_id, instalment.c.number)
        ).all()
    settled = {account: [(s, paid) for a, _n, s, paid in rows if a == account] for account in plans}
    assert plans == {in_full: "completed", ahead: "completed", pennies: "broken"}
    assert settled[in_full] == settled[ahead] == [("kept", 200_00)] * 3
    assert settled[pennies] == [("partly_kept", 3), ("broken", 0), ("broken", 0)]
    escalated = actions(store).filter(pl.col("treatment") == "phone_m2")["account_id"].to_list()
    assert ahead not in escalated and in_full not in escalated and pennies in escalated


def _promise(connection: Any, account_id: int, *, taken_on: date, amount: int, minute: int) -> None:
    values = {"taken_on": taken_on, "promised_date": date(2005, 9, 28), "amount_fen": amount}
    created = NOW + timedelta(minutes=minute)
    connection.execute(
        insert(table_of(PromiseToPay)).values(account_id=account_id, created_at=created, **values)
    )


def test_a_payment_keeps_one_promise_once_and_none_made_after_it(store: Engine, model: ScoringModel) -> None:
    """One 33-yuan payment and two 33-yuan promises: one is kept, the other broken. A promise made the
    day after a payment is not kept by it."""
    snapshot = table_of(DelinquencySnapshot)
    promise = table_of(PromiseToPay)
    with store.begin() as connection:
        twice, late = connection.execute(
            select(snapshot.c.account_id)
            .where(snapshot.c.dpd.between(16, 30), snapshot.c.balance_fen > 1_000_000)
            .order_by(snapshot.c.account_id)
            .limit(2)
        ).scalars()
        _promise(connection, twice, taken_on=date(2005, 9, 21), amount=33_00, minute=0)
        _promise(connection, twice, taken_on=date(2005, 9, 22), amount=33_00, minute=1)
        _promise(connection, late, taken_on=date(2005, 9, 24), amount=33_00, minute=2)
        for number, account_id in enumerate((twice, late)):
            connection.execute(
                insert(table_of(Payment)).values(
                    payment_ref=f"ONCE-{number}", account_id=account_id, amount_fen=33_00,
                    paid_date=date(2005, 9, 23), channel="bank_transfer",
                )
            )  # fmt: skip
    run(store, model)
    with store.connect() as connection:
        rows = connection.execute(
            select(promise.c.account_id, promise.c.status, promise.c.paid_fen).order_by(promise.c.id)
        ).all()
    assert [tuple(row) for row in rows] == [
        (twice, "kept", 33_00),
        (twice, "broken", 0),
        (late, "broken", 0),
    ]
