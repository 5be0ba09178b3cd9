"""The gateway tests' book and helpers (no conftest.py here: its name would shadow the suite's): one
cardholder with an account whose items and minimums are known, the app with a gateway secret, and the
simulated gateway's signed notifications."""

from __future__ import annotations

import base64
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, insert, select

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AuditEvent,
    CardAccount,
    Customer,
    GatewayNotification,
    Payment,
    PaymentOrder,
    Statement,
    table_of,
)
from arrears.payments.gateway import TRADE_SUCCESS, signed_notification
from arrears.payments.orders import create_order
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

SECRET = "simulated-gateway-secret-0123456789"
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai
TODAY = NOW.astimezone(SHANGHAI).date()
ACCOUNT_NO = "6222000011112222"
ACCOUNT, PAYMENT, ORDER = table_of(CardAccount), table_of(Payment), table_of(PaymentOrder)
NOTIFICATION, AUDIT = table_of(GatewayNotification), table_of(AuditEvent)


def settings_for(tmp_path: Path, **more: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": tmp_path,
        "encryption_key": base64.b64encode(TEST_KEY).decode(),
        "gateway_secret": SECRET,
        "public_url": "https://pay.bank.example",
    }
    return Settings(**(values | more))


def seed_account(
    engine: Engine,
    *,
    fee: int = 50_00,
    interest: int = 120_00,
    principal: int = 3_000_00,
    minimums: tuple[tuple[date, int], ...] = ((date(2026, 10, 5), 300_00), (date(2026, 11, 5), 300_00)),
    account_no: str = ACCOUNT_NO,
) -> int:
    """A cardholder with one account: its items, and statements whose minimums fell due unpaid."""
    cipher = FieldCipher(TEST_KEY)
    with engine.begin() as connection:
        customer = connection.execute(
            insert(table_of(Customer))
            .values(
                customer_no=f"C-{account_no}",
                name="张三",
                national_id_enc=cipher.encrypt("110101199003071234"),
                national_id_hash=f"h-{account_no}",
                national_id_masked="110101********1234",
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(table_of(Customer).c.id)
        ).scalar_one()
        account = connection.execute(
            insert(ACCOUNT)
            .values(
                account_no=account_no,
                account_tail=account_no[-4:],
                customer_id=customer,
                product="standard",
                currency="CNY",
                credit_limit_fen=10_000_00,
                principal_fen=principal,
                interest_fen=interest,
                fee_fen=fee,
                open_date=date(2020, 1, 1),
                cycle_day=20,
                due_day=5,
                status="active",
                created_at=NOW,
                updated_at=NOW,
            )
            .returning(ACCOUNT.c.id)
        ).scalar_one()
        for due, minimum in minimums:
            connection.execute(
                insert(table_of(Statement)).values(
                    account_id=account,
                    statement_date=due - timedelta(days=15),
                    due_date=due,
                    balance_fen=principal + interest + fee,
                    minimum_due_fen=minimum,
                )
            )
    return int(account)


def new_order(
    engine: Engine, settings: Settings, account_id: int, amount_fen: int, *, via: str = "cli"
) -> str:
    with audit_transaction(engine) as connection:
        created = create_order(
            connection,
            account_id=account_id,
            amount_fen=amount_fen,
            purpose="custom",
            via=via,
            user_id=None,
            now=NOW,
            settings=settings,
        )
    return created.out_trade_no


def notification(
    out_trade_no: str,
    amount_fen: int,
    *,
    trade_no: str = "SIM2026112400000000000000000001",
    status: str = TRADE_SUCCESS,
    at: datetime = NOW,
    secret: str = SECRET,
) -> dict[str, str]:
    return signed_notification(
        out_trade_no=out_trade_no,
        trade_no=trade_no,
        amount=amount_fen,
        trade_status=status,
        at=at,
        secret=secret.encode(),
    )


def client(engine: Engine, settings: Settings) -> TestClient:
    return TestClient(create_app(settings, engine=engine))


def account(engine: Engine, account_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(connection.execute(select(ACCOUNT).where(ACCOUNT.c.id == account_id)).mappings().one())


def payments(engine: Engine, account_id: int) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        query = select(PAYMENT).where(PAYMENT.c.account_id == account_id).order_by(PAYMENT.c.id)
        return [dict(row) for row in connection.execute(query).mappings()]


def order(engine: Engine, out_trade_no: str) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(
            connection.execute(select(ORDER).where(ORDER.c.out_trade_no == out_trade_no)).mappings().one()
        )


def notifications(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [
            dict(row)
            for row in connection.execute(select(NOTIFICATION).order_by(NOTIFICATION.c.id)).mappings()
        ]


def audited(engine: Engine, action: str) -> int:
    with engine.connect() as connection:
        return int(
            connection.execute(
                select(func.count()).select_from(AUDIT).where(AUDIT.c.action == action)
            ).scalar_one()
        )
