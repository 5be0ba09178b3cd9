"""Seeds for the agency commission and league table tests: accounts, their delinquency snapshots,
agencies on the register, placements (recalled or not), payments and reversals, schedules. Rows are
written directly, as the loader, the placement batch and the posting would leave them. Shared by
tests/integration/agencies, the web tests and the every-code book."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, insert

from arrears.agencies import commission
from arrears.agencies.commission_rules import parse_band
from arrears.audit.repository import audit_transaction
from arrears.models import (
    Agency,
    AgencyPlacement,
    CardAccount,
    Customer,
    DelinquencySnapshot,
    Payment,
    PlacementBatch,
    table_of,
)
from arrears.users.service import StaffUser

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 4, 2, 2, tzinfo=UTC)
MARCH = date(2026, 3, 1)
MANAGER = StaffUser(9001, "manager9", "经理九", "manager", None)
FONTS = Path("/usr/share/fonts/opentype/noto")


def accounts(connection: Connection, count: int, *, start: int = 1) -> list[int]:
    """``count`` cardholders with one card account each (account numbers ``62000000000000NN``)."""
    made = []
    for number in range(start, start + count):
        customer = connection.execute(
            insert(table_of(Customer)).values(
                customer_no=f"CC{number:06d}", name=f"持卡人{number}", national_id_enc=b"x",
                national_id_hash=f"h{number}", national_id_masked="1101********1234", created_at=NOW,
                updated_at=NOW,
            ).returning(table_of(Customer).c.id)
        ).scalar_one()  # fmt: skip
        account_no = f"6200{number:012d}"
        made.append(int(connection.execute(
            insert(table_of(CardAccount)).values(
                account_no=account_no, account_tail=account_no[-4:], customer_id=customer, product="standard",
                currency="CNY", credit_limit_fen=5_000_000, principal_fen=1_000_000, interest_fen=0,
                fee_fen=0,
                open_date=date(2020, 1, 1), cycle_day=5, due_day=25, status="active", dpd=100, bucket="M4",
                overdue_fen=500_000, created_at=NOW, updated_at=NOW,
            ).returning(table_of(CardAccount).c.id)
        ).scalar_one()))  # fmt: skip
    return made


def agency(connection: Connection, code: str, name: str | None = None) -> None:
    connection.execute(
        insert(table_of(Agency)).values(
            code=code, name=name or f"委外机构{code}", licence_no=f"LIC-{code}", whitelisted=True,
            contract_starts_on=date(2026, 1, 1), contract_ends_on=date(2027, 12, 31), terms_signed=True,
            last_inspection_on=date(2026, 1, 10), status="active", capacity=1000, territories="[]",
            contacts="[]", created_at=NOW, updated_at=NOW,
        )
    )  # fmt: skip


def snapshot(connection: Connection, account_id: int, day: date, *, dpd: int, overdue_fen: int) -> None:
    from arrears.accounts.rules import bucket_of, regulatory_class_of

    connection.execute(
        insert(table_of(DelinquencySnapshot)).values(
            account_id=account_id, as_of_date=day, dpd=dpd, bucket=bucket_of(dpd),
            regulatory_class=regulatory_class_of(dpd), overdue_fen=overdue_fen, balance_fen=overdue_fen * 2,
        )
    )  # fmt: skip


def place(
    connection: Connection,
    account_id: int,
    code: str,
    placed_on: date,
    ends_on: date,
    *,
    recalled_on: date | None = None,
    run_date: date | None = None,
) -> int:
    """A placement (made by a batch of ``run_date``'s run when given)."""
    batch_id = None
    if run_date is not None:
        batch = table_of(PlacementBatch)
        batch_id = connection.execute(
            insert(batch).values(run_date=run_date, placed_on=placed_on, ends_on=ends_on, status="placed",
                                 summary="{}", created_at=NOW).returning(batch.c.id)
        ).scalar_one()  # fmt: skip
    p = table_of(AgencyPlacement)
    return int(
        connection.execute(
            insert(p).values(account_id=account_id, agency_code=code, placed_on=placed_on, ends_on=ends_on,
                             recalled_on=recalled_on, recall_reason="manual" if recalled_on else None,
                             batch_id=batch_id, created_at=NOW).returning(p.c.id)
        ).scalar_one()
    )  # fmt: skip


def pay(
    connection: Connection,
    account_id: int,
    day: date,
    fen: int,
    ref: str,
    *,
    reverses_id: int | None = None,
    source: str | None = None,
) -> int:
    p = table_of(Payment)
    source = source or ("reversal" if reverses_id is not None or fen < 0 else "extract")
    return int(
        connection.execute(
            insert(p).values(payment_ref=ref, account_id=account_id, paid_date=day, amount_fen=fen,
                             channel="app", source=source, reverses_id=reverses_id).returning(p.c.id)
        ).scalar_one()
    )  # fmt: skip


def schedule(engine: Engine, code: str, starts: date, *bands: str) -> None:
    with audit_transaction(engine) as connection:
        commission.set_schedule(connection, agency_code=code, effective_from=starts,
                                bands=[parse_band(one) for one in bands], by=MANAGER, now=NOW)  # fmt: skip


def make(
    engine: Engine,
    data_dir: Path,
    month: date = MARCH,
    *,
    as_of: date = date(2026, 4, 1),
    code: str | None = None,
) -> list[commission.Made]:
    """The month's statements (one agency's, given), prepared and recorded."""
    with engine.connect() as connection:
        prepared = commission.prepare(connection, month=month, as_of=as_of, zone=ZONE, data_dir=data_dir,
                                      font_dir=FONTS, made_at=NOW, agency_code=code)  # fmt: skip
    with audit_transaction(engine) as connection:
        return commission.record(connection, prepared.statements, by="arrears", now=NOW)
