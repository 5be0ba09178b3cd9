"""The every-code book's agency commissions: agency X's schedule, and its statements of three months, one
in each status (draft, reviewed, approved), one provisional and with unposted payments, their breakdowns
naming every reason a payment earns nothing. Rows written directly, as the services leave them (the
files are not written: the pages do not read them)."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import Connection, insert

from arrears.agencies.commission_rules import UNRATED
from arrears.models import COMMISSION_STATUSES, AgencyCommissionRate, CommissionStatement, table_of

MONTHS = (date(2005, 7, 1), date(2005, 8, 1), date(2005, 9, 1))


def _breakdown() -> str:
    rated = {
        "age_band": "M1-M3",
        "min_dpd": 1,
        "max_dpd": 90,
        "min_overdue_fen": 0,
        "max_overdue_fen": 5_000_000,
        "amount_band": "0.00-50,000.00",
        "rate_bp": 1_500,
        "unrated": None,
        "payments": 1_234,
        "collected_fen": 98_765_43,
        "commission_fen": 14_814_81,
    }
    unrated = [
        {
            "age_band": None,
            "amount_band": None,
            "rate_bp": 0,
            "unrated": reason,
            "payments": 2,
            "collected_fen": 300_00,
            "commission_fen": 0,
        }
        for reason in UNRATED
    ]
    return json.dumps([rated, *unrated], ensure_ascii=False)


def add_commissions(connection: Connection, users: dict[str, int], at: datetime) -> None:
    """X's schedule and its statements (a manager reviewed, another approved)."""
    connection.execute(
        insert(table_of(AgencyCommissionRate)),
        [
            {
                "agency_code": "X",
                "effective_from": date(2005, 1, 1),
                "age_band": "M1-M3",
                "min_dpd": 1,
                "max_dpd": 90,
                "min_overdue_fen": 0,
                "max_overdue_fen": 5_000_000,
                "rate_bp": 1_500,
                "created_by": "manager1",
                "created_at": at,
            },
            {
                "agency_code": "X",
                "effective_from": date(2005, 1, 1),
                "age_band": "M4+",
                "min_dpd": 91,
                "max_dpd": None,
                "min_overdue_fen": 0,
                "max_overdue_fen": None,
                "rate_bp": 2_500,
                "created_by": "manager1",
                "created_at": at,
            },
        ],
    )
    rows = []
    for month, status in zip(MONTHS, COMMISSION_STATUSES, strict=True):
        last = month == MONTHS[-1]
        rows.append(
            {
                "agency_code": "X",
                "month": month,
                "status": status,
                "version": 2 if last else 1,
                "provisional": last,
                "as_of": date(2005, 9, 28) if last else date(2005, 10, 1),
                "payments": 1_240,
                "collected_fen": 98_767_23,
                "commission_fen": 14_814_81,
                "clawback_fen": -1_500_00,
                "unrated_payments": 6,
                "breakdown": _breakdown(),
                "unposted": 3 if last else 0,
                "unposted_detail": json.dumps(
                    {"notifications": 2, "notification_ids": [1, 2], "unreconciled_days": ["2005-09-03"]}
                    if last
                    else {}
                ),
                "csv_path": f"agencies/commissions/{month:%Y-%m}/X-v1.csv",
                "csv_sha256": "0" * 64,
                "pdf_path": f"agencies/commissions/{month:%Y-%m}/X-v1.pdf",
                "pdf_sha256": "0" * 64,
                "made_by": "manager1",
                "created_at": at,
                "updated_at": at,
                "reviewed_by_id": users["manager1"] if status != "draft" else None,
                "reviewed_at": at if status != "draft" else None,
                "approved_by_id": users["admin1"] if status == "approved" else None,
                "approved_at": at if status == "approved" else None,
            }
        )
    connection.execute(insert(table_of(CommissionStatement)), rows)
