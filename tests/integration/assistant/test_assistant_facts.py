"""The assistant's account facts read from the store as the portal shows them (the amounts, the next due
date, the last payment, the plan and the offers), only for the session's own account; and the answer
composed from them."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from outbox_seed import seed_cardholders
from sqlalchemy import Engine, insert, update

from arrears.assistant.engine import OfferFacts, PlanFacts
from arrears.assistant.facts import facts_for, operator_facts
from arrears.assistant.service import ask
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.models import (
    CardAccount,
    DailyRun,
    Hold,
    Payment,
    PlanInstalment,
    RepaymentPlan,
    Statement,
    StrategyVersion,
    table_of,
)
from arrears.strategy.load import load_strategy

TODAY = date(2026, 11, 24)
AT = datetime(2026, 11, 23, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Book:
    customers: list[int]
    accounts: list[int]
    numbers: list[str]


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> Book:
    """Three M2 cardholders (5,000.00 principal, 300.00 interest, 200.00 fees, 1,200.00 overdue) after a
    completed run of the default strategy (segment m2 offers plans online). The first has two
    statements, a payment and an active instalment plan; the third a bankruptcy hold."""
    found = seed_cardholders(engine, cipher, count=3, first=71)
    customers, accounts = [c for c, _, _ in found], [a for _, a, _ in found]
    text = load_strategy("default").text
    with engine.begin() as connection:
        connection.execute(update(table_of(CardAccount)).values(interest_fen=300_00, fee_fen=200_00))
        version = connection.execute(
            insert(table_of(StrategyVersion)).values(name="default", version=1, text=text, registered_at=AT,
                   sha256=hashlib.sha256(text.encode()).hexdigest()).returning(table_of(StrategyVersion).c.id)
        ).scalar_one()  # fmt: skip
        connection.execute(insert(table_of(DailyRun)).values(run_date=date(2026, 11, 23), status="completed",
                           strategy_version_id=version, started_at=AT, completed_at=AT))  # fmt: skip
        connection.execute(insert(table_of(Statement)), [
            {"account_id": accounts[0], "statement_date": date(2026, 10, 1), "due_date": date(2026, 10, 20),
             "balance_fen": 550_000, "minimum_due_fen": 60_000},
            {"account_id": accounts[0], "statement_date": date(2026, 11, 1), "due_date": date(2026, 11, 26),
             "balance_fen": 550_000, "minimum_due_fen": 60_000},
        ])  # fmt: skip
        connection.execute(insert(table_of(Payment)), [
            {"payment_ref": "a1", "account_id": accounts[0], "paid_date": date(2026, 10, 5),
             "amount_fen": 5_000, "channel": "app"},
            {"payment_ref": "a2", "account_id": accounts[0], "paid_date": date(2026, 10, 25),
             "amount_fen": 10_000, "channel": "bank_transfer"},
        ])  # fmt: skip
        plan = connection.execute(
            insert(table_of(RepaymentPlan)).returning(table_of(RepaymentPlan).c.id).values(
                account_id=accounts[0], kind="instalment", agreed_on=date(2026, 10, 26), total_fen=120_000,
                status="active", created_at=AT)
        ).scalar_one()  # fmt: skip
        connection.execute(insert(table_of(PlanInstalment)), [
            {"plan_id": plan, "number": 1, "due_date": date(2026, 10, 30), "amount_fen": 40_000,
             "paid_fen": 40_000, "status": "kept"},
            {"plan_id": plan, "number": 2, "due_date": date(2026, 11, 30), "amount_fen": 40_000,
             "paid_fen": 15_000, "status": "due"},
        ])  # fmt: skip
        connection.execute(insert(table_of(Hold)).values(customer_id=customers[2], account_id=accounts[2],
                           kind="bankruptcy", reason="court notice", placed_at=AT))  # fmt: skip
    return Book(customers, accounts, [f"6222{n:010d}" for n in (71, 72, 73)])


def test_the_facts_are_those_the_portal_shows(engine: Engine, book: Book) -> None:
    with engine.connect() as connection:
        found = facts_for(connection, customer_id=book.customers[0], account_no=book.numbers[0], today=TODAY)
    assert (found.overdue_fen, found.minimum_fen, found.balance_fen) == (120_000, 120_000, 550_000)
    assert found.due_date == date(2026, 11, 26)  # the next statement's due date
    assert found.last_payment == (date(2026, 10, 25), 10_000)
    assert found.plan == PlanFacts("instalment", "active", 120_000, date(2026, 11, 30), 25_000)
    assert found.offers == OfferFacts("has_plan")  # one plan at a time


def test_the_offers_are_those_of_the_strategy_and_the_authority(engine: Engine, book: Book) -> None:
    with engine.connect() as connection:
        second = facts_for(connection, customer_id=book.customers[1], account_no=book.numbers[1], today=TODAY)
        held = operator_facts(connection, account_no=book.numbers[2], today=TODAY)
    assert second.plan is None and second.last_payment is None
    assert second.due_date == date(2026, 12, 20)  # no statement: the account's due day
    assert (second.offers.state, second.offers.max_instalments, second.offers.waiver_bp) == (
        "offered",
        10,
        2_000,
    )
    assert second.offers.deferral_days == 20
    assert held.offers == OfferFacts("blocked")


def test_another_customer_s_account_is_not_found(engine: Engine, book: Book) -> None:
    with engine.connect() as connection, pytest.raises(NotFound):
        facts_for(connection, customer_id=book.customers[1], account_no=book.numbers[0], today=TODAY)


@pytest.mark.parametrize("account_no", ["6222999999999999", "", "62\x0022", "9" * 200])
def test_an_unknown_account_is_not_found(engine: Engine, book: Book, account_no: str) -> None:
    with engine.connect() as connection, pytest.raises(NotFound) as refused:
        operator_facts(connection, account_no=account_no, today=TODAY)
    assert "no account" in refused.value.message_en


def test_the_answer_carries_the_cardholder_s_own_figures(engine: Engine, book: Book) -> None:
    with engine.connect() as connection:
        first = facts_for(connection, customer_id=book.customers[0], account_no=book.numbers[0], today=TODAY)
        second = facts_for(connection, customer_id=book.customers[1], account_no=book.numbers[1], today=TODAY)
    balance = ask("我现在一共欠多少钱？", facts=first)
    assert "逾期金额：¥1,200.00" in balance.text and "欠款总额：¥5,500.00" in balance.text
    assert "/my：" not in balance.text  # signed in: no need to explain how
    due = ask("When is my payment due?", facts=first)
    assert "Your due date: 2026-11-26" in due.text
    paid = ask("我已经还款了为什么还显示逾期", facts=first)
    assert "2026-10-25 还款 ¥100.00" in paid.text
    plan = ask("可以申请停息挂账分期还款吗", facts=second)
    assert "最多分 10 期" in plan.text and "减免利息和费用的 20%" in plan.text
    assert "暂无还款计划" in plan.text
    anonymous = ask("可以申请停息挂账分期还款吗")
    assert "最多分" not in anonymous.text and "/my" in anonymous.text
