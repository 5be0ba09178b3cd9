"""A small, valid bank extract that each test copies and spoils in its own way."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from arrears.imports.identity import synthetic_identity

AS_OF = date(2026, 11, 23)
Rows = dict[str, list[dict[str, str]]]


def _customer(number: int) -> dict[str, str]:
    person = synthetic_identity(client_id=number, age=35, sex=1 + number % 2, as_of=AS_OF)
    return {
        "customer_id": f"C{number}",
        "name": person.name,
        "national_id": person.national_id,
        "birth_date": person.birth_date.isoformat(),
        "sex": str(person.sex),
        "mobile": person.mobile,
        "home_address": person.home.address,
        "home_district": person.home.district,
        "home_lat": f"{person.home.lat:.6f}",
        "home_lon": f"{person.home.lon:.6f}",
    }


def _account(number: int, **changes: str) -> dict[str, str]:
    row = {
        "account_id": f"A{number}",
        "customer_id": f"C{number}",
        "credit_limit": "20000.00",
        "principal_balance": "5000.00",
        "interest_balance": "120.50",
        "fee_balance": "0",
        "open_date": "2020-03-01",
        "cycle_day": "5",
        "due_day": "25",
        "status": "active",
    }
    return row | changes


def base_rows() -> Rows:
    """Three accounts: A1 current, A2 unpaid since 2026-09-25 (59 DPD), A3 partly paid since 2026-10-25."""
    statements = []
    for number in (1, 2, 3):
        for statement_date, due in (("2026-09-05", "2026-09-25"), ("2026-10-05", "2026-10-25")):
            statements.append(
                {
                    "account_id": f"A{number}",
                    "statement_date": statement_date,
                    "due_date": due,
                    "statement_balance": "5000.00",
                    "minimum_due": "500.00",
                }
            )
    payments = [
        {
            "payment_id": "P1",
            "account_id": "A1",
            "paid_date": "2026-09-20",
            "amount": "500.00",
            "channel": "app",
        },
        {
            "payment_id": "P2",
            "account_id": "A1",
            "paid_date": "2026-10-20",
            "amount": "600.00",
            "channel": "app",
        },
        {"payment_id": "P3", "account_id": "A3", "paid_date": "2026-09-24", "amount": "500.00"},
        {"payment_id": "P4", "account_id": "A3", "paid_date": "2026-11-01", "amount": "200.00"},
    ]
    transactions = [
        {"transaction_id": "T1", "account_id": "A1", "posted_date": "2026-10-02", "amount": "88.50",
         "merchant": "美团外卖", "mcc": "5814", "category": "dining"},
        {"transaction_id": "T2", "account_id": "A2", "posted_date": "2026-09-12", "amount": "-20.00",
         "merchant": "京东商城", "mcc": "5311", "category": "online"},
    ]  # fmt: skip
    return {
        "customers": [_customer(n) for n in (1, 2, 3)],
        "accounts": [_account(n) for n in (1, 2, 3)],
        "statements": statements,
        "payments": payments,
        "transactions": transactions,
    }


def write_extract(directory: Path, rows: Rows, *, as_of: date = AS_OF) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    manifest = {"format": "arrears-extract", "version": 1, "as_of": as_of.isoformat()}
    (directory / "manifest.json").write_text(json.dumps(manifest))
    for name, records in rows.items():
        columns = list(dict.fromkeys(key for record in records for key in record))
        with (directory / f"{name}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(records)
    return directory


@pytest.fixture
def extract_dir(tmp_path: Path) -> Callable[..., Path]:
    """``extract_dir()`` writes the base extract; ``extract_dir(rows)`` writes the given rows."""
    counter = iter(range(1000))

    def make(rows: Rows | None = None, *, as_of: date = AS_OF) -> Path:
        return write_extract(tmp_path / f"extract{next(counter)}", rows or base_rows(), as_of=as_of)

    return make
