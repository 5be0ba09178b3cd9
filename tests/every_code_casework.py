"""The every-code book's rows on the case itself (see tests/every_code_book.py): every kind of contact
point, contacts with every outcome, party and reason, promises, plans and instalments in every status,
approvals waiting and decided, holds of every kind, callbacks, case requests, payments of every channel
and source, planned actions of every channel, and 1,200 more calls waiting in the queue.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from arrears.kit.crypto import FieldCipher
from arrears.models import (
    ACTION_CHANNELS,
    CALL_OUTCOMES,
    CONTACT_KINDS,
    DELINQUENCY_REASONS,
    HOLD_KINDS,
    Callback,
    CaseRequest,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    Hold,
    Payment,
    PlanApproval,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    table_of,
)
from web_book import RUN

PAYMENT_CHANNELS = ("bank_transfer", "app", "wechat_pay", "alipay", "auto_debit", "counter")
TREATMENTS = {
    "sms": "sms_reminders",
    "call": "phone_m1",
    "letter": "phone_m3",
    "visit": "field_visit",
    "legal_review": "legal",
    "agency_placement": "agency",
    "email": "sms_reminders",
    "push": "sms_reminders",
}


def add_points(connection: Connection, cipher: FieldCipher, customer_id: int, at: datetime) -> None:
    values = {
        "mobile": "13800138000",
        "home_phone": "02088886666",
        "work_phone": "02066668888",
        "email": "wang@example.com",
        "home_address": "广州市天河区体育西路1号",
        "work_address": "广州市越秀区中山五路2号",
        "other": "微信 wang2005",
    }
    p = table_of(ContactPoint)
    have = set(connection.execute(select(p.c.kind).where(p.c.customer_id == customer_id)).scalars())
    rows = [
        {
            "customer_id": customer_id,
            "kind": kind,
            "value_enc": cipher.encrypt(values[kind]),
            "value_hash": cipher.lookup_hash(values[kind]),
            "value_masked": values[kind][:3] + "****",
            "is_primary": True,
            "created_at": at,
        }
        for kind in CONTACT_KINDS
        if kind not in have
    ]
    if rows:
        connection.execute(insert(p), rows)


def add_contacts(connection: Connection, account: Any, users: dict[str, int], at: datetime) -> None:
    reasons = [*DELINQUENCY_REASONS] * 2
    rows = [
        {
            "account_id": account.id,
            "customer_id": account.customer_id,
            "user_id": users["collector1"],
            "at": at - timedelta(hours=number + 1),
            "channel": "visit" if number == 3 else "call",
            "party": "third_party" if outcome == "third_party" else "debtor",
            "connected": outcome not in ("no_answer", "busy", "wrong_number"),
            "conversation": outcome in ("right_party", "refused", "promise", "callback"),
            "outcome": outcome,
            "reason": reasons[number],
            "notes": "客户说下周发工资",
        }
        for number, outcome in enumerate(CALL_OUTCOMES)
    ]
    connection.execute(insert(table_of(ContactEvent)), rows)


def add_promises(connection: Connection, account_id: int, users: dict[str, int], at: datetime) -> None:
    rows = [
        {
            "account_id": account_id,
            "amount_fen": 123_456_00,
            "taken_on": RUN - timedelta(days=10),
            "promised_date": RUN - timedelta(days=number),
            "status": status,
            "paid_fen": 0,
            "created_at": at,
        }
        for number, status in enumerate(("open", "kept", "partly_kept", "broken"))
    ]
    rows[0]["promised_date"] = RUN
    connection.execute(insert(table_of(PromiseToPay)), rows)


def _plan(connection: Connection, account_id: int, kind: str, status: str, at: datetime, **more: Any) -> int:
    plan = table_of(RepaymentPlan)
    values = {
        "account_id": account_id,
        "kind": kind,
        "agreed_on": RUN - timedelta(days=30),
        "status": status,
        "created_at": at,
        "total_fen": 1_200_000_00,
    } | more
    return int(connection.execute(insert(plan).values(values).returning(plan.c.id)).scalar_one())


def add_plans(connection: Connection, account_id: int, users: dict[str, int], at: datetime) -> None:
    active = _plan(connection, account_id, "instalment", "active", at)
    instalments = [
        {
            "plan_id": active,
            "number": number,
            "due_date": RUN + timedelta(days=30 * (number - 2)),
            "amount_fen": 300_000_00,
            "paid_fen": 0,
            "status": status,
        }
        for number, status in enumerate(("kept", "partly_kept", "broken", "due"), start=1)
    ]
    connection.execute(insert(table_of(PlanInstalment)), instalments)
    for status in ("completed", "broken"):
        _plan(connection, account_id, "deferral", status, at)
    approvals = []
    for role, status in (
        ("team_lead", "pending"),
        ("manager", "pending"),
        ("team_lead", "approved"),
        ("manager", "rejected"),
    ):
        plan_status = {"pending": "proposed", "approved": "active", "rejected": "rejected"}[status]
        plan_id = _plan(
            connection,
            account_id,
            "instalment" if role == "team_lead" else "deferral",
            plan_status,
            at,
            waived_fen=5_000_00,
            proposed_by_id=users["collector1"],
        )
        decided = (
            {}
            if status == "pending"
            else {"decided_by_id": users[f"{role}1"], "decided_at": at, "comment": "可以"}
        )
        approvals.append(
            {
                "plan_id": plan_id,
                "account_id": account_id,
                "required_role": role,
                "amount_fen": 1_200_000_00,
                "waived_fen": 5_000_00,
                "status": status,
                "requested_by_id": users["collector1"],
                "requested_at": at,
                **decided,
            }
        )
    connection.execute(insert(table_of(PlanApproval)), approvals)


def add_holds(connection: Connection, account: Any, users: dict[str, int], at: datetime) -> None:
    rows = [
        {
            "customer_id": account.customer_id,
            "account_id": account.id,
            "kind": kind,
            "reason": "客户来电说明情况",
            "placed_by_id": users["customer_service1"],
            "placed_at": at,
            "lifted_at": at if number % 2 else None,
            "lifted_by_id": users["team_lead1"] if number % 2 else None,
            "lift_reason": "已核实" if number % 2 else None,
        }
        for number, kind in enumerate(HOLD_KINDS)
    ]
    connection.execute(insert(table_of(Hold)), rows)


def add_work(connection: Connection, account: Any, users: dict[str, int], at: datetime) -> None:
    """Callbacks of collector1 (one open, due now), case requests, payments, actions of every channel."""
    ids = {"account_id": account.id, "customer_id": account.customer_id}
    connection.execute(
        insert(table_of(Callback)),
        [
            {
                **ids,
                "user_id": users["collector1"],
                "due_at": at + timedelta(minutes=minutes),
                "note": "下午回电",
                "status": status,
                "created_at": at,
            }
            for minutes, status in ((5, "open"), (-60, "done"), (-120, "cancelled"))
        ],
    )
    connection.execute(
        insert(table_of(CaseRequest)),
        [
            {
                **ids,
                "kind": kind,
                "reason": "多次联系不上",
                "status": status,
                "requested_by_id": users["collector1"],
                "requested_at": at,
            }
            for kind in ("visit", "legal_review")
            for status in ("open", "accepted", "declined", "done")
        ],
    )
    connection.execute(
        insert(table_of(Payment)),
        [
            {
                "payment_ref": f"PAY-{number}",
                "account_id": account.id,
                "paid_date": RUN - timedelta(days=number),
                "amount_fen": 1_234_56,
                "channel": channel,
                "source": source,
                "posted_at": at,
            }
            for number, (channel, source) in enumerate(
                zip(
                    PAYMENT_CHANNELS,
                    ("extract", "gateway", "reconcile", "reversal", "extract", "extract"),
                    strict=True,
                )
            )
        ],
    )
    x = table_of(CollectionAction)
    connection.execute(
        update(x).where(x.c.account_id == account.id).values(treatment="phone_m1", segment="late_m1")
    )
    connection.execute(
        insert(x),
        [
            {
                **ids,
                "run_date": RUN - timedelta(days=number + 1),
                "channel": channel,
                "segment": "m2",
                "arm": "champion",
                "treatment": TREATMENTS[channel],
                "value_fen": 1_000_00,
                "scheduled_at": at,
                "status": status,
            }
            for number, (channel, status) in enumerate(
                zip(
                    ACTION_CHANNELS,
                    ("done", "done", "sent", "blocked", "cancelled", "done", "planned", "sent"),
                    strict=True,
                )
            )
        ],
    )


def add_busy_queue(connection: Connection, accounts: list[Any], at: datetime) -> None:
    """1,200 more calls of the business date in the queue, on the accounts with nothing else on them."""
    rows = [
        {
            "run_date": RUN,
            "account_id": accounts[number % len(accounts)].id,
            "customer_id": accounts[number % len(accounts)].customer_id,
            "channel": "call",
            "segment": "m2",
            "arm": "champion",
            "treatment": "phone_m2",
            "value_fen": 100,
            "priority": 1_000 + number,
            "scheduled_at": at,
            "status": "planned",
        }
        for number in range(1_200)
    ]
    connection.execute(insert(table_of(CollectionAction)), rows)
