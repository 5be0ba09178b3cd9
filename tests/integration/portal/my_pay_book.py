"""The pay pages' book: two cardholders with a mobile and an account each, the first with interest and
fees and an active plan; a portal client signed in as one of them; the gateway's notification."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from outbox_seed import seed_cardholders
from sqlalchemy import Engine, func, insert, select, update

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, PaymentOrder, PlanInstalment, RepaymentPlan, table_of
from arrears.payments.gateway import SIGN_TYPE, gateway_time, sign, yuan_text
from arrears.payments.notifications import receive_notification
from arrears.portal import sessions
from arrears.portal.deps import PORTAL_COOKIE
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

SECRET = "a-gateway-secret-of-32-bytes-ok!"
PUBLIC_URL = "https://pay.bank.example"


@dataclass(frozen=True)
class Holder:
    customer_id: int
    account_id: int
    account_no: str


def settings_for(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, encryption_key=base64.b64encode(TEST_KEY).decode(),
                    gateway_secret=SECRET, public_url=PUBLIC_URL, sms_hotline="95500")  # fmt: skip


def seed(engine: Engine, cipher: FieldCipher) -> list[Holder]:
    """Two cardholders: accounts 62220000000001 and ...0002 (principal 5,000.00, 1,200.00 overdue);
    the first owes 30.00 of interest and 20.00 of fees too."""
    found = seed_cardholders(engine, cipher, count=2)
    a = table_of(CardAccount)
    holders = []
    with engine.begin() as connection:
        for number, (customer, account, _) in enumerate(found, start=1):
            account_no = f"6222{number:010d}"
            connection.execute(update(a).where(a.c.id == account).values(account_tail=account_no[-4:]))
            holders.append(Holder(customer, account, account_no))
        connection.execute(
            update(a).where(a.c.id == holders[0].account_id).values(interest_fen=3_000, fee_fen=2_000)
        )
    return holders


def add_plan(engine: Engine, account_id: int, *, today: date, first_paid_fen: int = 15_000) -> list[int]:
    """An active plan of three instalments of 400.00 a month from ``today``, ``first_paid_fen`` of the
    first paid."""
    p, i = table_of(RepaymentPlan), table_of(PlanInstalment)
    with engine.begin() as connection:
        plan = connection.execute(
            insert(p).values(account_id=account_id, kind="instalment", agreed_on=today, total_fen=120_000,
                             status="active", created_at=clock.now()).returning(p.c.id)
        ).scalar_one()  # fmt: skip
        return [
            int(connection.execute(
                insert(i).values(plan_id=plan, number=n, due_date=today + timedelta(days=30 * (n - 1)),
                                 amount_fen=40_000, paid_fen=first_paid_fen if n == 1 else 0, status="due")
                .returning(i.c.id)
            ).scalar_one())
            for n in (1, 2, 3)
        ]  # fmt: skip


def portal_client(engine: Engine, tmp_path: Path, customer_id: int) -> tuple[TestClient, str]:
    """A client signed in to the portal as the customer, and its CSRF token."""
    client = TestClient(create_app(settings_for(tmp_path), engine=engine), base_url="https://testserver")
    with engine.begin() as connection:
        token = sessions.start(connection, customer_id=customer_id, now=clock.now())
        found = sessions.find(connection, token=token, now=clock.now(), idle=timedelta(minutes=15))
    assert found is not None
    client.cookies.set(PORTAL_COOKIE, token, domain="testserver.local", path="/my")  # cookiejar's name of a
    # host without a dot
    return client, found.csrf_token


def orders(engine: Engine) -> list[dict[str, Any]]:
    o = table_of(PaymentOrder)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(o).order_by(o.c.id)).mappings()]


def order_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(PaymentOrder))).scalar_one())


def notify(
    engine: Engine,
    tmp_path: Path,
    order: dict[str, Any],
    *,
    status: str = "TRADE_SUCCESS",
    trade_no: str = "2026120522001400001",
    paid_at: datetime | None = None,
) -> str:
    """The gateway's signed notification of the order, handed to the notify handler; its answer."""
    fields = {"out_trade_no": order["out_trade_no"], "trade_no": trade_no,
              "total_amount": yuan_text(int(order["amount_fen"])), "trade_status": status,
              "gmt_payment": gateway_time(paid_at or clock.now()), "sign_type": SIGN_TYPE}  # fmt: skip
    fields["sign"] = sign(fields, SECRET.encode())
    with audit_transaction(engine) as connection:
        received = receive_notification(connection, fields, secret=SECRET.encode(), now=clock.now(),
                                        settings=settings_for(tmp_path))  # fmt: skip
    return received.answer
