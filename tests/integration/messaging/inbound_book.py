"""The inbound tests' book: one cardholder with a mobile and an e-mail (their clear values known), an
account, a collector, and outbox rows seeded directly (no dispatcher)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AppUser,
    CardAccount,
    ContactPoint,
    Customer,
    OutboxEvent,
    OutboxMessage,
    table_of,
)

MOBILE = "13812345678"
EMAIL = "li.si@example.com"
NAME = "李四"
NOW = datetime(2026, 11, 24, 2, tzinfo=UTC)  # 10:00 in Shanghai


@dataclass(frozen=True)
class Book:
    account_id: int
    customer_id: int
    mobile_id: int
    email_id: int
    collector_id: int


def _point(connection: Connection, cipher: FieldCipher, customer_id: int, kind: str, value: str) -> int:
    row = {"customer_id": customer_id, "kind": kind, "value_enc": cipher.encrypt(value),
           "value_hash": cipher.lookup_hash(value), "value_masked": value[:3] + "****",
           "created_at": NOW}  # fmt: skip
    table = table_of(ContactPoint)
    return int(connection.execute(insert(table).values(row).returning(table.c.id)).scalar_one())


def seed(engine: Engine, cipher: FieldCipher, *, number: int = 1) -> Book:
    """A cardholder (``C<number>``) with a mobile, an e-mail, an overdue account and a collector."""
    c, a, u = table_of(Customer), table_of(CardAccount), table_of(AppUser)
    national_id = "110101199003071234"
    with engine.begin() as connection:
        customer_id = connection.execute(insert(c).values(
            customer_no=f"C{number}", name=NAME, national_id_enc=cipher.encrypt(national_id),
            national_id_hash=cipher.lookup_hash(f"{national_id}{number}"),
            national_id_masked="110101********1234",
            created_at=NOW, updated_at=NOW,
        ).returning(c.c.id)).scalar_one()  # fmt: skip
        account_id = connection.execute(insert(a).values(
            account_no=f"62220000{number:04d}", customer_id=customer_id, product="standard", currency="CNY",
            credit_limit_fen=1_000_000, principal_fen=500_000, interest_fen=0, fee_fen=0,
            open_date=date(2020, 1, 1), cycle_day=1, due_day=20, status="open", dpd=40, bucket="M2",
            overdue_fen=120_000, created_at=NOW, updated_at=NOW,
        ).returning(a.c.id)).scalar_one()  # fmt: skip
        mobile_id = _point(
            connection, cipher, customer_id, "mobile", MOBILE if number == 1 else f"1390000{number:04d}"
        )
        email_id = _point(
            connection, cipher, customer_id, "email", EMAIL if number == 1 else f"c{number}@example.com"
        )
        collector_id = connection.execute(insert(u).values(
            username=f"collector{number}", display_name=f"collector {number}", role="collector",
            created_at=NOW, is_active=True,
        ).returning(u.c.id)).scalar_one()  # fmt: skip
    return Book(int(account_id), int(customer_id), mobile_id, email_id, int(collector_id))


def add_message(
    engine: Engine, book: Book, *, key: str, channel: str = "sms", status: str = "sent",
    provider_id: str | None = None, transport: str = "smpp", **values: Any,
) -> int:  # fmt: skip
    """An outbox row as the dispatcher leaves it after sending (``status`` sent by default)."""
    m = table_of(OutboxMessage)
    point = book.email_id if channel == "email" else book.mobile_id
    row = {
        "idempotency_key": key, "channel": channel, "source": "run", "account_id": book.account_id,
        "customer_id": book.customer_id, "contact_point_id": point, "template": "overdue", "body": "text",
        "created_at": NOW - timedelta(hours=1), "not_before": NOW - timedelta(hours=1),
        "deadline_at": NOW + timedelta(hours=10), "status": status,
        "next_attempt_at": NOW - timedelta(hours=1),
        "transport": transport, "provider_id": provider_id,
        "sent_at": NOW - timedelta(minutes=30) if status != "queued" else None,
    } | values  # fmt: skip
    with engine.begin() as connection:
        return int(connection.execute(insert(m).values(row).returning(m.c.id)).scalar_one())


def message(engine: Engine, message_id: int) -> dict[str, Any]:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        return dict(connection.execute(select(m).where(m.c.id == message_id)).mappings().one())


def events(engine: Engine, message_id: int) -> list[str]:
    e = table_of(OutboxEvent)
    with engine.connect() as connection:
        query = select(e.c.status).where(e.c.message_id == message_id).order_by(e.c.id)
        return list(connection.execute(query).scalars())


def point(engine: Engine, point_id: int) -> dict[str, Any]:
    p = table_of(ContactPoint)
    with engine.connect() as connection:
        return dict(connection.execute(select(p).where(p.c.id == point_id)).mappings().one())
