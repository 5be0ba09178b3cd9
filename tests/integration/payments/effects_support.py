"""The payment-effects tests' book and helpers (no conftest.py here: its module name would shadow the
suite's): the web tests' book (accounts with a completed run's calls planned), a payment posted by
hand (the row, the account's items and overdue) and what it stopped."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select, update

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.models import (
    CardAccount,
    CollectionAction,
    OutboxEvent,
    OutboxMessage,
    Payment,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    table_of,
)
from arrears.payments.effects import after_posting

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 10, 30, tzinfo=SHANGHAI)
TODAY = NOW.date()
SETTINGS = Settings(sms_hotline="95500")
_ACCOUNT, _ACTION, _MESSAGE = table_of(CardAccount), table_of(CollectionAction), table_of(OutboxMessage)


def accounts(engine: Engine) -> list[dict[str, Any]]:
    a = _ACCOUNT
    with engine.connect() as connection:
        query = select(a.c.id, a.c.customer_id, a.c.account_no, a.c.overdue_fen).order_by(a.c.id)
        return [dict(row) for row in connection.execute(query).mappings()]


def set_overdue(engine: Engine, account_id: int, overdue_fen: int) -> None:
    with engine.begin() as connection:
        connection.execute(
            update(_ACCOUNT).where(_ACCOUNT.c.id == account_id).values(overdue_fen=overdue_fen)
        )


def post_by_hand(
    engine: Engine,
    account_id: int,
    amount_fen: int,
    *,
    overdue_after: int,
    now: datetime = NOW,
    ref: str = "T1",
) -> int:
    """A gateway payment as posting writes it (all of it to principal), the account's overdue set to
    ``overdue_after``, then :func:`after_posting` in the same transaction; the payment's id."""
    with audit_transaction(engine) as connection:
        payment_id = int(
            connection.execute(
                insert(table_of(Payment))
                .values(payment_ref=ref, account_id=account_id, paid_date=now.astimezone(SHANGHAI).date(),
                        amount_fen=amount_fen, channel="gateway", source="gateway", trade_no=ref,
                        posted_at=now, applied_fee_fen=0, applied_interest_fen=0,
                        applied_principal_fen=amount_fen)
                .returning(table_of(Payment).c.id)
            ).scalar_one()
        )  # fmt: skip
        a = _ACCOUNT
        connection.execute(
            update(a)
            .where(a.c.id == account_id)
            .values(principal_fen=a.c.principal_fen - amount_fen, overdue_fen=overdue_after)
        )
        after_posting(connection, account_id=account_id, payment_id=payment_id, now=now, settings=SETTINGS)
    return payment_id


def queue_sms(
    engine: Engine, account_id: int, customer_id: int, *, key: str, kind: str = "collection"
) -> int:
    at = NOW.astimezone(UTC) - timedelta(hours=1)
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(_MESSAGE)
                .values(idempotency_key=key, channel="sms", kind=kind, source="run", account_id=account_id,
                        customer_id=customer_id, template="overdue", body="...", created_at=at, not_before=at,
                        deadline_at=at + timedelta(days=1), status="queued", next_attempt_at=at)
                .returning(_MESSAGE.c.id)
            ).scalar_one()
        )  # fmt: skip


def message(engine: Engine, message_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(_MESSAGE).where(_MESSAGE.c.id == message_id)).mappings().one()
        events = connection.execute(
            select(table_of(OutboxEvent).c.status, table_of(OutboxEvent).c.detail).where(
                table_of(OutboxEvent).c.message_id == message_id
            )
        ).all()
    return dict(row) | {"events": [tuple(one) for one in events]}


def calls(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    x = _ACTION
    with engine.connect() as connection:
        query = select(x).where(x.c.account_id == account_id, x.c.channel == "call").order_by(x.c.id)
        return [dict(row) for row in connection.execute(query).mappings()]


def claim(engine: Engine, account_id: int, user_id: int) -> None:
    x = _ACTION
    with engine.begin() as connection:
        connection.execute(
            update(x)
            .where(x.c.account_id == account_id, x.c.channel == "call")
            .values(
                status="claimed",
                claimed_by_id=user_id,
                claimed_at=NOW,
                lease_until=datetime(2100, 1, 1, tzinfo=UTC),
            )
        )


def add_promise(
    engine: Engine, account_id: int, amount_fen: int, *, promised: date, taken: date = TODAY
) -> int:
    p = table_of(PromiseToPay)
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(p)
                .values(account_id=account_id, amount_fen=amount_fen, taken_on=taken, promised_date=promised,
                        created_at=NOW)
                .returning(p.c.id)
            ).scalar_one()
        )  # fmt: skip


def add_plan(engine: Engine, account_id: int, amounts: list[int], *, first_due: date, agreed: date) -> int:
    plan, i = table_of(RepaymentPlan), table_of(PlanInstalment)
    with engine.begin() as connection:
        plan_id = int(
            connection.execute(
                insert(plan)
                .values(account_id=account_id, kind="instalment", agreed_on=agreed, total_fen=sum(amounts),
                        status="active", created_at=NOW)
                .returning(plan.c.id)
            ).scalar_one()
        )  # fmt: skip
        connection.execute(
            insert(i),
            [{"plan_id": plan_id, "number": n + 1, "due_date": first_due + timedelta(days=30 * n),
              "amount_fen": amount} for n, amount in enumerate(amounts)],
        )  # fmt: skip
    return plan_id


def row(engine: Engine, table: Any, row_id: int) -> dict[str, Any]:
    t = table_of(table)
    with engine.connect() as connection:
        return dict(connection.execute(select(t).where(t.c.id == row_id)).mappings().one())


def rows(engine: Engine, table: Any, **where: Any) -> list[dict[str, Any]]:
    t = table_of(table)
    with engine.connect() as connection:
        query = select(t).where(*(t.c[name] == value for name, value in where.items())).order_by(t.c.id)
        return [dict(one) for one in connection.execute(query).mappings()]
