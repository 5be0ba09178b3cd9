"""The reconciliation and extract-matching tests' book (no conftest.py here: its module name would shadow
the suite's): a small bank extract imported as of 2026-11-23, payment orders on its accounts, gateway
payments posted through ``posting.post_payment``, settlement files written as the gateway does."""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, func, insert, select

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.imports.identity import synthetic_identity
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import AuditEvent, CardAccount, Payment, PaymentOrder, table_of
from arrears.payments.posting import post_payment

SHANGHAI = ZoneInfo("Asia/Shanghai")
AS_OF = date(2026, 11, 23)
DAY = date(2026, 11, 24)  # the day the cardholders pay online
NOW = datetime(2026, 11, 25, 9, 0, tzinfo=SHANGHAI)  # the next morning: the settlement file arrives
SETTINGS = Settings(sms_hotline="95500")
HEADER = ("trade_no", "out_trade_no", "total_amount", "trade_status", "gmt_payment")
_ACCOUNT, _ORDER, _PAYMENT = table_of(CardAccount), table_of(PaymentOrder), table_of(Payment)


def _customer(number: int) -> dict[str, str]:
    person = synthetic_identity(client_id=number, age=35, sex=1 + number % 2, as_of=AS_OF)
    return {
        "customer_id": f"C{number}", "name": person.name, "national_id": person.national_id,
        "birth_date": person.birth_date.isoformat(), "sex": str(person.sex), "mobile": person.mobile,
        "home_address": person.home.address, "home_district": person.home.district,
        "home_lat": f"{person.home.lat:.6f}", "home_lon": f"{person.home.lon:.6f}",
    }  # fmt: skip


def _account(number: int) -> dict[str, str]:
    return {
        "account_id": f"6225880{number:09d}", "customer_id": f"C{number}", "credit_limit": "20000.00",
        "principal_balance": "5000.00", "interest_balance": "120.50", "fee_balance": "50.00",
        "open_date": "2020-03-01", "cycle_day": "5", "due_day": "25", "status": "active",
    }  # fmt: skip


def extract_rows(
    accounts: int = 3, payments: Sequence[dict[str, str]] = ()
) -> dict[str, list[dict[str, str]]]:
    """``accounts`` accounts, each with two unpaid minimums of 500.00 (due 2026-09-25 and 2026-10-25):
    1,000.00 overdue, 59 days past due on 2026-11-23."""
    statements = [
        {"account_id": _account(n)["account_id"], "statement_date": s, "due_date": d,
         "statement_balance": "5000.00", "minimum_due": "500.00"}
        for n in range(1, accounts + 1)
        for s, d in (("2026-09-05", "2026-09-25"), ("2026-10-05", "2026-10-25"))
    ]  # fmt: skip
    return {
        "customers": [_customer(n) for n in range(1, accounts + 1)],
        "accounts": [_account(n) for n in range(1, accounts + 1)],
        "statements": statements,
        "payments": list(payments),
    }


def write_extract(directory: Path, rows: dict[str, list[dict[str, str]]], *, as_of: date) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"format": "arrears-extract", "version": 1, "as_of": as_of.isoformat()}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    for name, records in rows.items():
        columns = list(dict.fromkeys(key for record in records for key in record)) or ["payment_id"]
        if name == "payments":
            columns = ["payment_id", "account_id", "paid_date", "amount", "channel"]
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(records)
    return directory


def import_book(
    engine: Engine, directory: Path, cipher: FieldCipher, *, as_of: date = AS_OF, accounts: int = 3,
    payments: Sequence[dict[str, str]] = (),
) -> None:  # fmt: skip
    write_extract(directory, extract_rows(accounts, payments), as_of=as_of)
    imported_at = datetime.combine(as_of + timedelta(days=1), datetime.min.time(), SHANGHAI).replace(hour=6)
    with engine.begin() as connection:
        import_extract(connection, directory, as_of=as_of, cipher=cipher, now=imported_at.astimezone(UTC))


def account_ids(engine: Engine) -> list[int]:
    with engine.connect() as connection:
        return [int(row.id) for row in connection.execute(select(_ACCOUNT.c.id).order_by(_ACCOUNT.c.id))]


def account(engine: Engine, account_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(connection.execute(select(_ACCOUNT).where(_ACCOUNT.c.id == account_id)).mappings().one())


def add_order(
    engine: Engine, account_id: int, out_trade_no: str, amount_fen: int, *, status: str = "created",
    trade_no: str | None = None,
) -> int:  # fmt: skip
    created = datetime.combine(DAY, datetime.min.time(), SHANGHAI).replace(hour=9)
    with engine.begin() as connection:
        customer_id = connection.execute(
            select(_ACCOUNT.c.customer_id).where(_ACCOUNT.c.id == account_id)
        ).scalar_one()
        return int(
            connection.execute(
                insert(_ORDER)
                .values(out_trade_no=out_trade_no, gateway="simulated", account_id=account_id,
                        customer_id=customer_id, amount_fen=amount_fen, purpose="custom", status=status,
                        created_via="portal", created_at=created, expires_at=created + timedelta(minutes=30),
                        trade_no=trade_no)
                .returning(_ORDER.c.id)
            ).scalar_one()
        )  # fmt: skip


def paid_at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, datetime.min.time(), SHANGHAI).replace(hour=hour, minute=minute)


def post_gateway(
    engine: Engine, account_id: int, trade_no: str, amount_fen: int, *, order_id: int | None, at: datetime
) -> int:
    """A payment posted as the notification posts it (source gateway)."""
    with audit_transaction(engine) as connection:
        return post_payment(
            connection, account_id=account_id, amount_fen=amount_fen, paid_at=at, trade_no=trade_no,
            source="gateway", now=at + timedelta(seconds=2), settings=SETTINGS, order_id=order_id,
        )  # fmt: skip


def gmt(at: datetime) -> str:
    return at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def write_settlement(path: Path, rows: Sequence[Sequence[str]], *, header: Sequence[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


def payments(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(_PAYMENT).order_by(_PAYMENT.c.id)).mappings()]


def order(engine: Engine, order_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        return dict(connection.execute(select(_ORDER).where(_ORDER.c.id == order_id)).mappings().one())


def audit_actions(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        event = table_of(AuditEvent)
        return [str(row[0]) for row in connection.execute(select(event.c.action).order_by(event.c.id))]


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())
