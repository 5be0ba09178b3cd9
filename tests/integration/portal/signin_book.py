"""The sign-in tests' book: cardholders with a real (encrypted) national ID, an account each (the
account tail filled), a mobile; a portal client; reading the one-time code from the outbox."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, insert, select

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, ContactPoint, Customer, OutboxMessage, table_of
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

SEEDED = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Holder:
    customer_id: int
    account_id: int
    account_no: str
    national_id: str
    mobile_id: int | None


def settings_for(tmp_path: Path, **overrides: Any) -> Settings:
    return Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode(), **overrides)


def add_holder(
    engine: Engine,
    cipher: FieldCipher,
    n: int,
    *,
    national_id: str | None = None,
    account_no: str | None = None,
    mobile: bool = True,
) -> Holder:
    c, a, p = table_of(Customer), table_of(CardAccount), table_of(ContactPoint)
    national_id = national_id or f"1101011990{n:07d}X"[-18:]
    account_no = account_no or f"62220200{n:08d}"
    with engine.begin() as connection:
        customer_id = connection.execute(
            insert(c)
            .returning(c.c.id)
            .values(
                customer_no=f"P{n}",
                name="李四",
                national_id_enc=cipher.encrypt(national_id),
                national_id_hash=cipher.lookup_hash(national_id),
                national_id_masked=national_id[:6] + "********" + national_id[-4:],
                created_at=SEEDED,
                updated_at=SEEDED,
            )
        ).scalar_one()
        account_id = connection.execute(
            insert(a)
            .returning(a.c.id)
            .values(
                account_no=account_no,
                account_tail=account_no[-4:],
                customer_id=customer_id,
                product="standard",
                currency="CNY",
                credit_limit_fen=1_000_000,
                principal_fen=500_000,
                interest_fen=30_000,
                fee_fen=5_000,
                open_date=date(2020, 1, 1),
                cycle_day=1,
                due_day=20,
                status="open",
                dpd=40,
                bucket="M2",
                overdue_fen=120_000,
                arrears_fen=120_000,
                arrears_due_date=date(2026, 10, 20),
                created_at=SEEDED,
                updated_at=SEEDED,
            )
        ).scalar_one()
        mobile_id = None
        if mobile:
            number = f"139{n:08d}"
            mobile_id = connection.execute(
                insert(p)
                .returning(p.c.id)
                .values(
                    customer_id=customer_id,
                    kind="mobile",
                    value_enc=cipher.encrypt(number),
                    value_hash=cipher.lookup_hash(number),
                    value_masked=number[:3] + "****" + number[-4:],
                    is_primary=True,
                    created_at=SEEDED,
                )
            ).scalar_one()
    return Holder(int(customer_id), int(account_id), account_no, national_id, mobile_id)


def client_for(engine: Engine, tmp_path: Path, **overrides: Any) -> TestClient:
    return TestClient(create_app(settings_for(tmp_path, **overrides), engine=engine))


def csrf(client: TestClient, path: str = "/my/login") -> str:
    page = client.get(path, follow_redirects=False)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, page.text
    return found.group(1)


def details(client: TestClient, account_digits: str, id_tail: str) -> Any:
    return client.post(
        "/my/login",
        data={"account_digits": account_digits, "id_tail": id_tail, "csrf_token": csrf(client)},
        follow_redirects=False,
    )


def enter(client: TestClient, code: str) -> Any:
    return client.post("/my/code", data={"code": code, "csrf_token": csrf(client)}, follow_redirects=False)


def otp_messages(engine: Engine, customer_id: int) -> list[Any]:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(
                    m.c.id,
                    m.c.body,
                    m.c.status,
                    m.c.kind,
                    m.c.source,
                    m.c.channel,
                    m.c.contact_point_id,
                    m.c.idempotency_key,
                    m.c.deadline_at,
                )
                .where(m.c.customer_id == customer_id, m.c.template == "otp")
                .order_by(m.c.id)
            )
        )


def last_code(engine: Engine, customer_id: int) -> str:
    body = otp_messages(engine, customer_id)[-1].body
    found = re.search(r"\d{6}", body)
    assert found, body
    return found.group(0)


def sign_in(client: TestClient, engine: Engine, holder: Holder) -> Any:
    assert details(client, holder.account_no[-4:], holder.national_id[-6:]).status_code == 303
    return enter(client, last_code(engine, holder.customer_id))
