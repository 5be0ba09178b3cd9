"""The every-code book's agency register: agency X (whose team is agency-x, holding the book's placed
account) eligible, one suspended and one whose inspection lapsed, with contact people; and placements
of X recalled for every reason (the register's page lists the latest recalls). Rows written directly,
as the services leave them."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from arrears.models import RECALL_REASONS, Agency, AgencyPlacement, table_of
from web_book import RUN


def _agency(code: str, name: str, at: datetime, **more: Any) -> dict[str, Any]:
    contacts = [
        {"name": "王经理", "role": "客户经理", "phone": "13812345678", "email": "wang@agency.example"}
    ]
    return {
        "code": code, "name": name, "licence_no": f"沪催许 {code}-2005",
        "licence_valid_until": date(2007, 12, 31), "whitelisted": True,
        "contract_starts_on": date(2005, 1, 1), "contract_ends_on": date(2006, 12, 31),
        "terms_signed": True, "last_inspection_on": date(2005, 3, 1), "status": "active", "capacity": 1_500,
        "territories": json.dumps(["上海", "江苏"], ensure_ascii=False),
        "contacts": json.dumps(contacts, ensure_ascii=False), "created_at": at, "updated_at": at,
    } | more  # fmt: skip


def add_agencies(connection: Connection, accounts: list[Any], at: datetime) -> None:
    """Agencies X (eligible), S (suspended) and L (inspection lapsed); X's recalls, one per reason."""
    connection.execute(insert(table_of(Agency)), [
        _agency("X", "华信催收服务有限公司", at),
        _agency("S", "恒远资产管理有限公司", at, status="suspended"),
        _agency("L", "安达商务咨询有限公司", at, last_inspection_on=RUN - timedelta(days=400),
                territories="[]"),
    ])  # fmt: skip
    first = RUN - timedelta(days=120)
    rows = [{"account_id": accounts[5 + number % 6].id, "agency_code": "X", "placed_on": first,
             "ends_on": first + timedelta(days=90), "created_at": at,
             "recalled_on": first + timedelta(days=10 + number), "recalled_at": at, "recall_reason": reason}
            for number, reason in enumerate(RECALL_REASONS)]  # fmt: skip
    connection.execute(insert(table_of(AgencyPlacement)), rows)
