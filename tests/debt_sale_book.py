"""The debt sale tests' book: the web book (tests/web_book.py: 12 UCI accounts, a completed run on
2005-10-01 whose calls wait in the queue, a user of every role) with its first eight accounts made loss
class on the run date (200 to 620 days past due, balances of 10,000 to 17,000 yuan), their payments
replaced by known ones, and a score for four of them: so that each account's expected recovery is known
to the fen. Shared by tests/integration/debtsale, the web tests and the every-code book."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, insert, select, update

from arrears.audit.repository import audit_transaction
from arrears.debtsale import pools, rules, sales
from arrears.kit.clock import now as clock_now
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AccountScore,
    AppUser,
    CardAccount,
    DelinquencySnapshot,
    Payment,
    table_of,
)
from arrears.users.service import StaffUser
from web_book import RUN, build_book

LOSS = 8  # the first eight accounts are loss class on RUN
P_DEFAULT = (0.6, 0.8, 0.9, 0.5)  # the scores of the first four (the others were never scored)


@dataclass(frozen=True)
class SaleBook:
    accounts: list[int]  # every account, by id; the first LOSS are loss class
    customers: dict[int, int]  # account -> customer

    @property
    def loss(self) -> list[int]:
        return self.accounts[:LOSS]


def dpd_of(rank: int) -> int:
    return 200 + 60 * rank


def balance_of(rank: int) -> int:
    return 1_000_000 + 100_000 * rank


def make_loss(
    connection: Connection, account_id: int, *, dpd: int, balance_fen: int, day: date = RUN
) -> None:
    """The account loss class on ``day`` (its snapshot and its current state)."""
    values = {"dpd": dpd, "bucket": "M7+", "regulatory_class": "loss"}
    s, a = table_of(DelinquencySnapshot), table_of(CardAccount)
    connection.execute(
        update(s).where(s.c.account_id == account_id, s.c.as_of_date == day)
        .values(**values, balance_fen=balance_fen, overdue_fen=balance_fen // 2)
    )  # fmt: skip
    connection.execute(update(a).where(a.c.id == account_id).values(**values, overdue_fen=balance_fen // 2))


def build_sale_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> SaleBook:
    build_book(engine, tmp_path, cipher)
    a, p, k = table_of(CardAccount), table_of(Payment), table_of(AccountScore)
    with engine.begin() as connection:
        rows = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id)).all()
        accounts = [int(row.id) for row in rows]
        for rank, account_id in enumerate(accounts[:LOSS]):
            make_loss(connection, account_id, dpd=dpd_of(rank), balance_fen=balance_of(rank))
        connection.execute(delete(p).where(p.c.account_id.in_(accounts[:LOSS])))
        # the first account paid in three months of the twelve, the second in one, the others never
        paid = [(accounts[0], date(2005, 1, 10), 10_000), (accounts[0], date(2005, 4, 2), 5_000),
                (accounts[0], date(2005, 9, 30), 2_000), (accounts[1], date(2004, 12, 5), 8_000)]  # fmt: skip
        connection.execute(insert(p), [
            {"payment_ref": f"BOOK-{n}", "account_id": account, "paid_date": day, "amount_fen": fen,
             "channel": "bank_transfer", "source": "extract"}
            for n, (account, day, fen) in enumerate(paid)
        ])  # fmt: skip
        connection.execute(insert(k), [
            {"account_id": account, "run_date": RUN, "model_version": "test", "p_default": p_default,
             "score": 300, "risk_tier": "D", "willingness": 100, "ability": 100}
            for account, p_default in zip(accounts, P_DEFAULT, strict=False)
        ])  # fmt: skip
    return SaleBook(accounts, {int(row.id): int(row.customer_id) for row in rows})


def expected_of(rank: int) -> int:
    """The expected recovery of the book's loss account of ``rank``, by the rule."""
    months = {0: 3, 1: 1}.get(rank, 0)
    p_bp = rules.p_pay_bp(P_DEFAULT[rank]) if rank < len(P_DEFAULT) else None
    return rules.expected_recovery(rules.Basis(balance_of(rank), dpd_of(rank), p_bp, months))


def staff(engine: Engine, username: str) -> StaffUser:
    u = table_of(AppUser)
    with engine.connect() as connection:
        row = connection.execute(select(u).where(u.c.username == username)).one()
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)


def terms(**changed: object) -> rules.Terms:
    values: dict[str, object] = {
        "buyer_name": "东方资产管理股份有限公司", "buyer_licence": "911100007109254543",
        "buyer_contact": "400-610-0000，北京市东城区朝阳门北大街9号",
        "buyer_pay_to": "户名 东方资产 开户行 工商银行北京分行 账号 0200 0012 3456 789",
        "buyer_collects_itself": True, "price_fen": 300_000, "sold_on": RUN,
    }  # fmt: skip
    return rules.Terms(**(values | changed))  # type: ignore[arg-type]


def drawn_pool(engine: Engine, *, by: str = "legal1", min_dpd: int = 181, name: str | None = None) -> int:
    with audit_transaction(engine) as connection:
        return pools.create_pool(connection, as_of=RUN, min_dpd=min_dpd, name=name, by=staff(engine, by),
                                 now=clock_now())  # fmt: skip


def proposed(engine: Engine, pool_id: int, *, by: str = "legal1", **changed: object) -> int:
    with audit_transaction(engine) as connection:
        return sales.propose(connection, pool_id=pool_id, terms=terms(**changed), by=staff(engine, by),
                             today=RUN, now=clock_now())  # fmt: skip


def approved(engine: Engine, sale_id: int, data_dir: Path, cipher: FieldCipher, *, by: str = "manager1",
             today: date = RUN) -> dict[str, int]:  # fmt: skip
    with audit_transaction(engine) as connection:
        return sales.approve(connection, sale_id=sale_id, by=staff(engine, by), today=today, now=clock_now(),
                             data_dir=data_dir, cipher=cipher)  # fmt: skip
