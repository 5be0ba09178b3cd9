"""The every-code book's debt sales: pools in every status (their criteria naming every reason an account
was left out), sales in every status (one approved with its account sold and payments to forward of
every source); rows written as the services leave them, on the book's last account."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from arrears.debtsale.rules import EXCLUSIONS
from arrears.models import (
    DebtSale,
    DebtSalePool,
    DebtSalePoolAccount,
    SoldAccount,
    SoldPaymentForward,
    table_of,
)
from web_book import RUN

POOL_NAMES = {"sold": "一", "proposed": "二", "open": "三"}

BUYER = {"buyer_name": "东方资产管理股份有限公司", "buyer_licence": "911100007109254543",
         "buyer_contact": "400-610-0000", "buyer_pay_to": "户名 东方资产 账号 0200 0012 3456 789",
         "buyer_collects_itself": True}  # fmt: skip


def _pool(connection: Connection, account: Any, status: str, at: datetime, user_id: int) -> int:
    criteria = {"min_dpd": 181, "regulatory_class": "loss", "entry_point": "DEBT-SALE",
                "excluded": {reason: 1_234 for reason in EXCLUSIONS}}  # fmt: skip
    p = table_of(DebtSalePool)
    name = f"2005年四季度损失类资产包（{POOL_NAMES[status]}）"
    pool_id = int(connection.execute(insert(p).values(
        name=name, as_of_date=RUN, min_dpd=181, status=status, criteria=json.dumps(criteria), accounts=1,
        balance_fen=1_234_567, expected_fen=45_678, created_by_id=user_id, created_at=at,
    ).returning(p.c.id)).scalar_one())  # fmt: skip
    connection.execute(insert(table_of(DebtSalePoolAccount)).values(
        pool_id=pool_id, account_id=account.id, customer_id=account.customer_id, dpd=400, bucket="M7+",
        regulatory_class="loss", balance_fen=1_234_567, overdue_fen=1_000_000, p_pay_bp=2_500, months_paid=2,
        paid_12m_fen=20_000, expected_fen=45_678,
    ))  # fmt: skip
    return pool_id


def _sale(connection: Connection, pool_id: int, status: str, users: dict[str, int], at: datetime) -> int:
    s = table_of(DebtSale)
    decided = status != "proposed"
    return int(connection.execute(insert(s).values(
        pool_id=pool_id, status=status, **BUYER, price_fen=123_456, sold_on=RUN, accounts=1,
        balance_fen=1_234_567, proposed_by_id=users["legal1"], proposed_at=at,
        decided_by_id=users["manager1"] if decided else None, decided_at=at if decided else None,
        decision_note="价格偏低" if status == "rejected" else None,
        file_path="debt-sale/sale-0.csv" if status == "approved" else None,
        file_sha256="0" * 64 if status == "approved" else None, file_rows=1 if status == "approved" else None,
    ).returning(s.c.id)).scalar_one())  # fmt: skip


def add_debt_sales(
    connection: Connection, account: Any, users: dict[str, int], at: datetime
) -> tuple[int, ...]:
    """A pool sold (its sale approved, the account sold, payments of every source to forward), one with a
    sale proposed and one open again after a rejection; the sales' ids, the approved one first."""
    sold_pool = _pool(connection, account, "sold", at, users["legal1"])
    approved = _sale(connection, sold_pool, "approved", users, at)
    proposed = _sale(
        connection, _pool(connection, account, "proposed", at, users["manager1"]), "proposed", users, at
    )
    rejected = _sale(
        connection, _pool(connection, account, "open", at, users["legal1"]), "rejected", users, at
    )
    connection.execute(insert(table_of(SoldAccount)).values(
        account_id=account.id, customer_id=account.customer_id, sale_id=approved, sold_on=RUN, cutoff_on=RUN,
        created_at=at,
    ))  # fmt: skip
    connection.execute(insert(table_of(SoldPaymentForward)), [
        {"payment_id": 900_000 + n, "sale_id": approved, "account_id": account.id,
         "paid_date": RUN + timedelta(days=n + 1), "amount_fen": -1_234 if source == "reversal" else 12_345,
         "source": source, "flagged_at": at}
        for n, source in enumerate(("gateway", "extract", "reconcile", "reversal"))
    ])  # fmt: skip
    return approved, proposed, rejected
