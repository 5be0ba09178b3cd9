"""A collector's day on the web book: the agenda's and the floor's tests (integration, pages, browser)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select, update

from arrears.audit.repository import audit_transaction
from arrears.contacts.calls import CallLog, log_call
from arrears.models import (
    AppUser,
    Callback,
    CardAccount,
    CollectionAction,
    Payment,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    table_of,
)
from arrears.users.service import StaffUser
from web_book import RUN

ZONE = "Asia/Shanghai"
_ACTION, _USER, _ACCOUNT = table_of(CollectionAction), table_of(AppUser), table_of(CardAccount)


def user(engine: Engine, name: str) -> StaffUser:
    u = _USER
    with engine.connect() as connection:
        row = connection.execute(
            select(u.c.id, u.c.username, u.c.display_name, u.c.role, u.c.team_id).where(u.c.username == name)
        ).one()
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)


def calls(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(_ACTION).order_by(_ACTION.c.priority)).mappings()
        return [dict(row) for row in rows]


def seed_day(book: Engine, *, now: datetime) -> dict[str, Any]:
    """collector1's day at ``now`` (the business date is the book's run, RUN): a call with a promise
    and a payment after a right-party contact, a callback due now, one later today and one in two
    days, a promise due on the business date and one broken the day before, an instalment due."""
    one, today = user(book, "collector1"), now.astimezone(ZoneInfo(ZONE)).date()
    accounts = [row["account_id"] for row in calls(book)]
    with audit_transaction(book) as connection:
        for account in accounts[:2]:
            connection.execute(
                update(_ACTION)
                .where(_ACTION.c.account_id == account)
                .values(
                    status="claimed",
                    claimed_by_id=one.id,
                    claimed_at=now,
                    lease_until=now + timedelta(minutes=30),
                )
            )
        log_call(
            connection,
            account_id=accounts[0],
            user_id=one.id,
            now=now,
            call=CallLog(
                outcome="right_party",
                conversation=True,
                promise={
                    "amount_fen": 1_234_500,
                    "promised_date": now.astimezone(ZoneInfo(ZONE)).date() + timedelta(days=6),
                },
            ),
        )
        log_call(
            connection, account_id=accounts[1], user_id=one.id, now=now, call=CallLog(outcome="no_answer")
        )
        connection.execute(
            insert(table_of(Payment)).values(
                payment_ref="P-1",
                account_id=accounts[0],
                paid_date=today,
                amount_fen=300_000,
                channel="bank_transfer",
            )
        )
        customer = connection.execute(
            select(_ACCOUNT.c.customer_id).where(_ACCOUNT.c.id == accounts[2])
        ).scalar()
        callbacks = table_of(Callback)
        connection.execute(
            insert(callbacks),
            [
                {
                    "account_id": accounts[2],
                    "customer_id": customer,
                    "user_id": one.id,
                    "status": "open",
                    "due_at": now + timedelta(minutes=5),
                    "created_at": now,
                    "note": "call back",
                },
                {
                    "account_id": accounts[2],
                    "customer_id": customer,
                    "user_id": one.id,
                    "status": "open",
                    "due_at": now + timedelta(hours=5),
                    "created_at": now,
                    "note": None,
                },
                {
                    "account_id": accounts[2],
                    "customer_id": customer,
                    "user_id": one.id,
                    "status": "open",
                    "due_at": now + timedelta(days=2),
                    "created_at": now,
                    "note": None,
                },
            ],
        )
        promise = table_of(PromiseToPay)
        connection.execute(
            insert(promise),
            [
                {
                    "account_id": accounts[3],
                    "amount_fen": 50_000_00,
                    "taken_on": RUN - timedelta(days=5),
                    "promised_date": RUN,
                    "status": "open",
                    "created_at": now,
                    "taken_by_id": one.id,
                },
                {
                    "account_id": accounts[4],
                    "amount_fen": 80_000,
                    "taken_on": RUN - timedelta(days=5),
                    "promised_date": RUN - timedelta(days=1),
                    "status": "broken",
                    "created_at": now,
                    "taken_by_id": one.id,
                },
                {
                    "account_id": accounts[5],
                    "amount_fen": 70_000,
                    "taken_on": RUN - timedelta(days=5),
                    "promised_date": RUN - timedelta(days=1),
                    "status": "kept",
                    "created_at": now,
                    "taken_by_id": one.id,
                },
            ],
        )
        plan = connection.execute(
            insert(table_of(RepaymentPlan))
            .values(
                account_id=accounts[6],
                kind="instalment",
                agreed_on=RUN - timedelta(days=20),
                proposed_by_id=one.id,
                status="active",
                created_at=now,
            )
            .returning(table_of(RepaymentPlan).c.id)
        ).scalar_one()
        connection.execute(
            insert(table_of(PlanInstalment)),
            [
                {
                    "plan_id": plan,
                    "number": 1,
                    "due_date": RUN + timedelta(days=1),
                    "amount_fen": 40_000,
                    "status": "due",
                },
                {
                    "plan_id": plan,
                    "number": 2,
                    "due_date": RUN + timedelta(days=31),
                    "amount_fen": 40_000,
                    "status": "due",
                },
            ],
        )
    return {"user": one, "accounts": accounts}
