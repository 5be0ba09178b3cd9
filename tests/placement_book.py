"""Seeds for the placement-batch tests: agencies on the register, the run's hand-overs (agency_placement
actions), placements made before, payments. Shared by tests/integration/agencies and the web tests."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select, update

from arrears.models import (
    Agency,
    AgencyPlacement,
    AppUser,
    CardAccount,
    CollectionAction,
    ContactPoint,
    DebtSale,
    DebtSalePool,
    DelinquencySnapshot,
    Payment,
    SoldAccount,
    table_of,
)

RUN = date(2005, 10, 1)
NOW = datetime(2005, 10, 1, 4, tzinfo=UTC)


def agency(engine: Engine, code: str, *, capacity: int = 100, territories: tuple[str, ...] = (),
           inspected: date | None = date(2005, 3, 1), contract_ends: date = date(2006, 12, 31),
           status: str = "active", whitelisted: bool = True) -> None:  # fmt: skip
    """An agency on the register, eligible on RUN unless told otherwise."""
    row = {"code": code, "name": f"委外机构 {code}", "licence_no": f"LIC-{code}", "whitelisted": whitelisted,
           "contract_starts_on": date(2005, 1, 1), "contract_ends_on": contract_ends, "terms_signed": True,
           "last_inspection_on": inspected, "status": status, "capacity": capacity,
           "territories": json.dumps(list(territories), ensure_ascii=False), "contacts": "[]",
           "created_at": NOW, "updated_at": NOW}  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table_of(Agency)).values(row))


def hand_over(engine: Engine, account_ids: list[int], *, run_date: date = RUN) -> None:
    """The run's ``agency_placement`` actions on these accounts."""
    a = table_of(CardAccount)
    with engine.begin() as connection:
        customers = dict(
            connection.execute(select(a.c.id, a.c.customer_id).where(a.c.id.in_(account_ids))).all()
        )
        rows = [{"run_date": run_date, "account_id": account, "customer_id": customers[account],
                 "channel": "agency_placement", "segment": "m7", "arm": "champion", "treatment": "agency",
                 "value_fen": 0, "scheduled_at": NOW, "status": "planned"}
                for account in account_ids]  # fmt: skip
        connection.execute(insert(table_of(CollectionAction)), rows)


def owing(engine: Engine, account_id: int, overdue_fen: int, *, bucket: str = "M7+", dpd: int = 200) -> None:
    a = table_of(CardAccount)
    with engine.begin() as connection:
        values = {"overdue_fen": overdue_fen, "bucket": bucket, "dpd": dpd}
        connection.execute(update(a).where(a.c.id == account_id).values(**values))


def region(engine: Engine, account_id: int, district: str) -> None:
    """The holder's home and work addresses in ``district``."""
    a, p = table_of(CardAccount), table_of(ContactPoint)
    with engine.begin() as connection:
        customer = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar_one()
        connection.execute(update(p).where(p.c.customer_id == customer, p.c.kind.in_(("home_address",
                                                                                      "work_address")))
                           .values(district=district))  # fmt: skip


def placed(engine: Engine, account_id: int, code: str, *, placed_on: date, ends_on: date,
           recalled_on: date | None = None, snapshot_fen: int | None = None) -> None:  # fmt: skip
    """A placement made before (by hand), with the account's snapshot on its first day if given."""
    with engine.begin() as connection:
        connection.execute(insert(table_of(AgencyPlacement)).values(
            account_id=account_id, agency_code=code, placed_on=placed_on, ends_on=ends_on, created_at=NOW,
            recalled_on=recalled_on, recall_reason=None if recalled_on is None else "manual"))  # fmt: skip
        if snapshot_fen is not None:
            connection.execute(insert(table_of(DelinquencySnapshot)).values(
                account_id=account_id, as_of_date=placed_on, dpd=200, bucket="M7+", regulatory_class="loss",
                overdue_fen=snapshot_fen, balance_fen=snapshot_fen, oldest_unpaid_due_date=None))  # fmt: skip


def paid(engine: Engine, account_id: int, on: date, amount_fen: int, *, ref: str) -> None:
    with engine.begin() as connection:
        values = {"payment_ref": ref, "account_id": account_id, "paid_date": on, "amount_fen": amount_fen,
                  "channel": "bank"}  # fmt: skip
        connection.execute(insert(table_of(Payment)).values(**values))


def placements(engine: Engine) -> list[dict[str, Any]]:
    p = table_of(AgencyPlacement)
    with engine.connect() as connection:
        return [dict(row) for row in connection.execute(select(p).order_by(p.c.id)).mappings()]


def day(offset: int) -> date:
    return RUN + timedelta(days=offset)


def sold(engine: Engine, account_id: int) -> None:
    """The account sold (a pool, a sale approved, the sold account's row)."""
    a, u = table_of(CardAccount), table_of(AppUser)
    with engine.begin() as connection:
        customer = connection.execute(select(a.c.customer_id).where(a.c.id == account_id)).scalar_one()
        user = connection.execute(select(u.c.id).order_by(u.c.id).limit(1)).scalar_one()
        pool = connection.execute(insert(table_of(DebtSalePool)).values(
            name="pool", as_of_date=RUN, min_dpd=181, status="sold", criteria="{}", accounts=1, balance_fen=1,
            expected_fen=0, created_at=NOW).returning(table_of(DebtSalePool).c.id)).scalar_one()  # fmt: skip
        sale = connection.execute(insert(table_of(DebtSale)).values(
            pool_id=pool, status="approved", buyer_name="AMC", buyer_licence="L", buyer_contact="c",
            buyer_pay_to="p", price_fen=1, sold_on=RUN, accounts=1, balance_fen=1, proposed_by_id=user,
            proposed_at=NOW).returning(table_of(DebtSale).c.id)).scalar_one()  # fmt: skip
        connection.execute(insert(table_of(SoldAccount)).values(
            account_id=account_id, customer_id=customer, sale_id=sale, sold_on=RUN, cutoff_on=RUN,
            created_at=NOW))  # fmt: skip
