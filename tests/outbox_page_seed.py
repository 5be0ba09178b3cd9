"""Outbox rows seeded directly (no dispatcher) for the pages' tests: a delivered SMS with its steps, a
failed one, a retry waiting, an expired one, an unknown receipt, an opted-out and an invalid point,
and two dispatchers (one alive). Shared by tests/integration/web and tests/browser."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from arrears.models import (
    CardAccount,
    ContactPoint,
    DailyRun,
    DispatcherWorker,
    InboundMessage,
    OutboxEvent,
    OutboxMessage,
    table_of,
)

FAILURE = "unknown subscriber"


@dataclass(frozen=True)
class Seeded:
    account_id: int
    delivered: int
    failed: int
    retrying: int
    expired: int


def _message(connection: Connection, account: Any, at: datetime, key: str, **values: Any) -> int:
    m = table_of(OutboxMessage)
    row = {
        "idempotency_key": key, "channel": "sms", "source": "run", "account_id": account.id,
        "customer_id": account.customer_id, "template": "overdue", "body": "masked text", "created_at": at,
        "not_before": at, "deadline_at": at + timedelta(hours=12), "status": "sent", "next_attempt_at": at,
        "transport": "smpp",
    } | values  # fmt: skip
    return int(connection.execute(insert(m).values(row).returning(m.c.id)).scalar_one())


def _steps(connection: Connection, message_id: int, steps: list[tuple[str, datetime, str | None]]) -> None:
    rows = [{"message_id": message_id, "status": status, "at": at, "provider_id": provider}
            for status, at, provider in steps]  # fmt: skip
    connection.execute(insert(table_of(OutboxEvent)), rows)


def _messages(connection: Connection, account: Any, at: datetime, now: datetime) -> tuple[int, int, int, int]:
    delivered = _message(
        connection, account, at, "seed-delivered", status="delivered", provider_id="P-100", sent_at=at,
        delivered_at=at,
    )  # fmt: skip
    _steps(connection, delivered, [("queued", at, None), ("sent", at, "P-100"), ("delivered", at, "P-100")])
    failed = _message(
        connection, account, at, "seed-failed", status="failed", attempts=1, last_error=FAILURE,
        finished_at=at, provider_id="P-101",
    )  # fmt: skip
    _steps(connection, failed, [("queued", at, None), ("failed", at, "P-101")])
    retrying = _message(
        connection, account, at, "seed-retry", channel="email", status="queued", attempts=2,
        last_error="connection timed out", next_attempt_at=now + timedelta(minutes=5),
    )  # fmt: skip
    expired = _message(
        connection, account, at, "seed-expired", status="expired", finished_at=at, blocked_rules="CN-HOURS"
    )
    return delivered, failed, retrying, expired


def seed_outbox(engine: Engine, *, now: datetime) -> Seeded:
    """The rows of ``now``'s day on the first account (``now`` a few seconds past, so they fall today)."""
    at = now - timedelta(seconds=5)
    a, p = table_of(CardAccount), table_of(ContactPoint)
    with engine.begin() as connection:
        account = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id).limit(1)).one()
        messages = _messages(connection, account, at, now)
        connection.execute(insert(table_of(InboundMessage)).values(
            received_at=at, transport="smpp", kind="receipt", provider_id="NOBODY", status="delivered",
            matched=False, outcome="unknown",
        ))  # fmt: skip
        points = (
            connection.execute(select(p.c.id).where(p.c.customer_id == account.customer_id)).scalars().all()
        )
        connection.execute(update(p).where(p.c.id == points[0]).values(opted_out=True, opted_out_at=at))
        if len(points) > 1:
            connection.execute(update(p).where(p.c.id == points[1]).values(failed_sends=3, invalid_at=at))
        workers = [
            {"name": "host:1:0", "channels": "sms", "started_at": at, "seen_at": now, "sent": 1_234,
             "failed": 5, "last_error": None},
            {"name": "host:2:0", "channels": "email,push", "started_at": at - timedelta(hours=1),
             "seen_at": now - timedelta(minutes=10), "last_error": "SMTP server unreachable", "sent": 0,
             "failed": 0},
        ]  # fmt: skip
        connection.execute(insert(table_of(DispatcherWorker)), workers)
    return Seeded(int(account.id), *messages)


def todays_run_completed(engine: Engine, *, now: datetime, zone: str = "Asia/Shanghai") -> None:
    """Today's daily run completed: the business date is today, the day the messages were seeded."""
    from zoneinfo import ZoneInfo

    today = now.astimezone(ZoneInfo(zone)).date()
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(DailyRun)).values(
                run_date=today, status="completed", started_at=now, completed_at=now
            )
        )
