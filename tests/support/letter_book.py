"""The letter tests' book (integration and e2e): cardholders with Chinese names and mailing addresses
(their clear values known), overdue accounts with a statement, and letter messages queued for the day
as the daily run leaves them (seeded directly, no run)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    CardAccount,
    ContactPoint,
    Customer,
    OutboxEvent,
    OutboxMessage,
    Statement,
    table_of,
)

DAY = date(2026, 11, 24)
NOW = datetime(2026, 11, 24, 1, tzinfo=UTC)  # 09:00 in Shanghai
NAMES = ("张伟", "王秀英", "欧阳娜娜", "李#强$[x]")
ADDRESS = "广东省中山市石岐区悦来南路{n}号\n{n}栋1502房"


@dataclass(frozen=True)
class Holder:
    customer_id: int
    account_id: int
    account_no: str
    name: str
    address: str | None
    address_id: int | None
    message_id: int


def settings_for(tmp: Any, **values: Any) -> Settings:
    return Settings(data_dir=tmp, pay_url="https://bank.example/my/pay", bank_name="示例银行", **values)


def _point(connection: Connection, cipher: FieldCipher, customer_id: int, kind: str, value: str) -> int:
    table = table_of(ContactPoint)
    row = {"customer_id": customer_id, "kind": kind, "value_enc": cipher.encrypt(value),
           "value_hash": cipher.lookup_hash(value), "value_masked": value[:6] + "****",
           "created_at": NOW}  # fmt: skip
    return int(connection.execute(insert(table).values(row).returning(table.c.id)).scalar_one())


def _holder(
    connection: Connection, cipher: FieldCipher, n: int, name: str, with_address: bool, values: dict[str, Any]
) -> Holder:
    c, a = table_of(Customer), table_of(CardAccount)
    customer_id = connection.execute(insert(c).values(
        customer_no=f"C{n}", name=name, national_id_enc=cipher.encrypt(f"ID{n}"),
        national_id_hash=cipher.lookup_hash(f"ID{n}"), national_id_masked="****", created_at=NOW,
        updated_at=NOW,
    ).returning(c.c.id)).scalar_one()  # fmt: skip
    account_no = f"6222021234{n:06d}"
    account_id = connection.execute(insert(a).values(
        account_no=account_no, customer_id=customer_id, product="standard", currency="CNY",
        credit_limit_fen=5_000_000, principal_fen=1_234_567 + n, interest_fen=45_600, fee_fen=5_000,
        open_date=date(2020, 1, 1), cycle_day=1, due_day=20, status="active", dpd=65, bucket="M3",
        overdue_fen=321_000 + n, created_at=NOW, updated_at=NOW,
    ).returning(a.c.id)).scalar_one()  # fmt: skip
    connection.execute(insert(table_of(Statement)).values(
        account_id=account_id, statement_date=date(2026, 9, 1), due_date=date(2026, 9, 20),
        balance_fen=1_200_000, minimum_due_fen=120_000,
    ))  # fmt: skip
    _point(connection, cipher, customer_id, "mobile", f"1380000{n:04d}")
    address = ADDRESS.format(n=n) if with_address else None
    address_id = _point(connection, cipher, customer_id, "home_address", address) if address else None
    message_id = queue_letter(connection, account_id=account_id, customer_id=customer_id, n=n, **values)
    return Holder(int(customer_id), int(account_id), account_no, name, address, address_id, message_id)


def queue_letter(connection: Connection, *, account_id: int, customer_id: int, n: int, **values: Any) -> int:
    m = table_of(OutboxMessage)
    row = {
        "idempotency_key": f"run:{DAY}:letter:{account_id}:demand:{n}", "channel": "letter",
        "source": "run", "account_id": account_id, "customer_id": customer_id, "run_date": DAY,
        "template": "demand", "locale": "zh", "created_at": NOW - timedelta(hours=1),
        "not_before": NOW - timedelta(hours=1), "deadline_at": NOW + timedelta(hours=15),
        "status": "queued", "next_attempt_at": NOW - timedelta(hours=1),
    } | values  # fmt: skip
    return int(connection.execute(insert(m).values(row).returning(m.c.id)).scalar_one())


def seed(
    engine: Engine,
    cipher: FieldCipher,
    *,
    count: int = 3,
    without_address: tuple[int, ...] = (),
    **values: Any,
) -> list[Holder]:
    """``count`` cardholders (names from NAMES), each with one queued letter (``values`` set on its
    message); those whose index is in ``without_address`` have no mailing address."""
    with engine.begin() as connection:
        return [
            _holder(connection, cipher, n, NAMES[n % len(NAMES)], n not in without_address, values)
            for n in range(count)
        ]


def message(engine: Engine, message_id: int) -> dict[str, Any]:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        return dict(connection.execute(select(m).where(m.c.id == message_id)).mappings().one())


def events(engine: Engine, message_id: int) -> list[tuple[str, str | None]]:
    e = table_of(OutboxEvent)
    with engine.connect() as connection:
        query = select(e.c.status, e.c.detail).where(e.c.message_id == message_id).order_by(e.c.id)
        return [(row.status, row.detail) for row in connection.execute(query)]
