"""A book whose pages show every kind of stored code: the web book (tests/web_book.py) plus, on its
first accounts, every kind of contact point, contacts with every outcome, party and reason, promises,
plans and instalments in every status, approvals waiting and decided, holds of every kind, callbacks,
case requests, payments of every channel and source, planned actions of every channel, messages and
replies, service cases and portal requests of every kind and status, an agency placement, and a
visitors' route on the business date with stops, alerts and follow-up tasks in every status.

Rows are written directly (as the services would leave them), so that every value of every code list
appears somewhere; 1,200 more calls wait in the queue (figures of four digits). Staff display names are
people's names: a name like ``team_lead one`` would read as a raw code. Shared by
tests/integration/web/test_no_raw_codes.py and tests/browser/test_staff_accessibility.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from arrears.kit.clock import now as clock_now
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    ACTION_CHANNELS,
    CALL_OUTCOMES,
    CONTACT_KINDS,
    DELINQUENCY_REASONS,
    HOLD_KINDS,
    AgencyPlacement,
    AppUser,
    Callback,
    CardAccount,
    CaseRequest,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    FollowUpTask,
    Hold,
    InboundMessage,
    OutboxEvent,
    OutboxMessage,
    Payment,
    PlanApproval,
    PlanInstalment,
    PortalRequest,
    PromiseToPay,
    RepaymentPlan,
    SafetyAlert,
    ServiceCase,
    ServiceCaseNote,
    Team,
    VisitPair,
    VisitRoute,
    VisitStop,
    table_of,
)
from arrears.users.service import create_user
from web_book import PASSWORD, RUN, build_book

NAMES = {
    "collector": "王芳",
    "visitor": "李强",
    "team_lead": "张伟",
    "legal": "刘洋",
    "compliance": "陈静",
    "customer_service": "杨丽",
    "manager": "赵磊",
    "admin": "黄敏",
    "agency_user": "周杰",
}
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


@dataclass(frozen=True)
class Seeded:
    """The ids the pages are opened with."""

    account_id: int  # the case with everything on it (collector1 holds an open callback on it)
    held_account_id: int  # holds of every kind
    placed_account_id: int  # placed with agency X
    stop_ids: tuple[int, ...]
    service_case_ids: tuple[int, ...]
    portal_request_ids: tuple[int, ...]


def _ids(connection: Connection) -> tuple[list[Any], dict[str, int]]:
    a, u = table_of(CardAccount), table_of(AppUser)
    accounts = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id)).all()
    users = {row.username: row.id for row in connection.execute(select(u.c.username, u.c.id))}
    return list(accounts), users


def _points(connection: Connection, cipher: FieldCipher, customer_id: int, at: datetime) -> None:
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


def _contacts(connection: Connection, account: Any, users: dict[str, int], at: datetime) -> None:
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


def _promises(connection: Connection, account_id: int, users: dict[str, int], at: datetime) -> None:
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


def _plans(connection: Connection, account_id: int, users: dict[str, int], at: datetime) -> None:
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


def _holds(connection: Connection, account: Any, users: dict[str, int], at: datetime) -> None:
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


def _work(connection: Connection, account: Any, users: dict[str, int], at: datetime) -> None:
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


def _busy_queue(connection: Connection, accounts: list[Any], at: datetime) -> None:
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


def _messages(connection: Connection, account: Any, at: datetime) -> None:
    m = table_of(OutboxMessage)
    statuses = ("queued", "sending", "sent", "delivered", "failed", "expired", "cancelled")
    for number, status in enumerate(statuses):
        channel = ("sms", "email", "push", "letter")[number % 4]
        values = {
            "idempotency_key": f"codes-{number}",
            "channel": channel,
            "source": "run",
            "account_id": account.id,
            "customer_id": account.customer_id,
            "run_date": RUN,
            "template": {
                "sms": "overdue",
                "email": "email_overdue",
                "push": "app_overdue",
                "letter": "demand",
            }[channel],
            "body": "您的信用卡已逾期，请尽快还款。",
            "created_at": at,
            "not_before": at,
            "deadline_at": at + timedelta(hours=12),
            "status": status,
            "next_attempt_at": at,
            "target": "wechat" if channel == "push" else None,
        }
        message_id = connection.execute(insert(m).values(values).returning(m.c.id)).scalar_one()
        connection.execute(insert(table_of(OutboxEvent)).values(message_id=message_id, at=at, status=status))
        if status == "delivered":
            connection.execute(
                insert(table_of(InboundMessage)).values(
                    received_at=at,
                    transport="file",
                    kind="reply",
                    message_id=message_id,
                    account_id=account.id,
                    text_masked="我明天还",
                    matched=True,
                    outcome="task",
                )
            )


def _service(
    connection: Connection, cipher: FieldCipher, account: Any, users: dict[str, int], at: datetime
) -> tuple[list[int], list[int]]:
    s, n, r = table_of(ServiceCase), table_of(ServiceCaseNote), table_of(PortalRequest)
    cases = []
    shapes = [
        ("complaint", "attitude_abuse", "call", "open", None, None),
        ("dispute", "amount", "portal", "acknowledged", None, None),
        ("hardship", "income_loss", "letter", "resolved", "partly_upheld", "apology,correction"),
        ("complaint", "frequency_hours", "regulator", "closed", "upheld", "refund,staff_action"),
        ("dispute", "fraud", "assistant", "closed", "not_upheld", None),
    ]
    for kind, category, channel, status, outcome, remedies in shapes:
        done = status in ("resolved", "closed")
        values = {
            "account_id": account.id,
            "customer_id": account.customer_id,
            "kind": kind,
            "category": category,
            "channel": channel,
            "regulator": channel == "regulator",
            "summary_enc": cipher.encrypt("客户反映催收电话太频繁"),
            "received_at": at - timedelta(days=2),
            "acknowledge_by": at + timedelta(days=1),
            "resolve_by": at + timedelta(days=13),
            "acknowledged_at": at if status != "open" else None,
            "status": status,
            "outcome": outcome,
            "remedies": remedies,
            "refund_fen": 100_00 if remedies and "refund" in remedies else None,
            "resolution_enc": cipher.encrypt("已致电客户说明") if done else None,
            "resolved_at": at if done else None,
            "resolved_by_id": users["customer_service1"] if done else None,
            "closed_at": at if status == "closed" else None,
            "created_by": "customer_service1",
            "assigned_to_id": users["customer_service1"],
        }
        case_id = int(connection.execute(insert(s).values(values).returning(s.c.id)).scalar_one())
        cases.append(case_id)
        connection.execute(
            insert(n),
            [
                {
                    "case_id": case_id,
                    "at": at,
                    "user_id": users["customer_service1"] if note != "system" else None,
                    "kind": note,
                    "text_enc": cipher.encrypt("已联系客户"),
                }
                for note in ("note", "contact", "system")
            ],
        )
    requests = []
    for number, (kind, status) in enumerate(
        zip(
            ("dispute", "complaint", "hardship", "plan", "callback"),
            ("open", "taken", "closed", "open", "taken"),
            strict=True,
        )
    ):
        values = {
            "account_id": account.id,
            "customer_id": account.customer_id,
            "kind": kind,
            "text_enc": cipher.encrypt("请联系我"),
            "status": status,
            "created_at": at - timedelta(hours=number),
        }
        requests.append(int(connection.execute(insert(r).values(values).returning(r.c.id)).scalar_one()))
    return cases, requests


def _visits(connection: Connection, accounts: list[Any], users: dict[str, int], at: datetime) -> list[int]:
    """visitor1 and visitor2 (team phone-a) on a route of the business date: a stop in each status, both
    kinds of alert, follow-up tasks in each status."""
    t, p = table_of(Team), table_of(VisitPair)
    team = connection.execute(select(t.c.id).where(t.c.code == "phone-a")).scalar_one()
    create_user(
        connection,
        username="visitor2",
        display_name="孙涛",
        role="visitor",
        password=PASSWORD,
        now=at,
        team_code="phone-a",
    )
    visitor2 = connection.execute(
        select(table_of(AppUser).c.id).where(table_of(AppUser).c.username == "visitor2")
    ).scalar_one()
    connection.execute(
        update(table_of(AppUser)).where(table_of(AppUser).c.username == "visitor1").values(team_id=team)
    )
    pair = connection.execute(
        insert(p)
        .values(
            code="pair-a",
            first_user_id=users["visitor1"],
            second_user_id=visitor2,
            team_id=team,
            is_active=True,
        )
        .returning(p.c.id)
    ).scalar_one()
    start = datetime(RUN.year, RUN.month, RUN.day, 1, 0, tzinfo=at.tzinfo)
    r, s = table_of(VisitRoute), table_of(VisitStop)
    route = connection.execute(
        insert(r)
        .values(
            plan_date=RUN,
            pair_id=pair,
            status="started",
            planned_start_at=start,
            planned_end_at=start + timedelta(hours=8),
            created_at=at,
        )
        .returning(r.c.id)
    ).scalar_one()
    stops = []
    for number, (account, status) in enumerate(
        zip(accounts, ("done", "checked_in", "skipped", "planned"), strict=True), start=1
    ):
        address = connection.execute(
            select(table_of(ContactPoint).c.id).where(
                table_of(ContactPoint).c.customer_id == account.customer_id,
                table_of(ContactPoint).c.kind == "home_address",
            )
        ).scalar()
        values = {
            "route_id": route,
            "sequence": number,
            "account_id": account.id,
            "customer_id": account.customer_id,
            "contact_point_id": address,
            "lat": 23.13 + number / 100,
            "lon": 113.32,
            "value_fen": 50_000_00,
            "planned_arrival_at": start + timedelta(hours=number),
            "service_minutes": 30,
            "status": status,
            "checked_in_at": at if status in ("done", "checked_in") else None,
            "checked_out_at": at if status == "done" else None,
            "outcome": "promise" if status == "done" else None,
        }
        stops.append(int(connection.execute(insert(s).values(values).returning(s.c.id)).scalar_one()))
    connection.execute(
        insert(table_of(SafetyAlert)),
        [
            {
                "kind": kind,
                "route_id": route,
                "stop_id": stops[1],
                "raised_by_id": users["visitor1"],
                "raised_at": at,
                "lat": 23.14,
                "lon": 113.32,
            }
            for kind in ("missed_checkout", "panic")
        ],
    )
    connection.execute(
        insert(table_of(FollowUpTask)),
        [
            {
                "account_id": accounts[0].id,
                "kind": kind,
                "due_date": RUN + timedelta(days=3),
                "source_stop_id": stops[0],
                "assigned_to_id": users["collector1"],
                "status": status,
                "created_at": at,
            }
            for kind, status in (("call", "open"), ("visit", "done"), ("call", "cancelled"))
        ],
    )
    return stops


def build_every_code_book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Seeded:
    """The web book and the rows above; the ids to open."""
    build_book(engine, tmp_path, cipher)
    return add_every_code(engine, cipher)


def add_every_code(engine: Engine, cipher: FieldCipher) -> Seeded:
    """The rows above on the web book (built already); the ids to open."""
    at = clock_now()
    with engine.begin() as connection:
        accounts, users = _ids(connection)
        u = table_of(AppUser)
        for username, role in connection.execute(select(u.c.username, u.c.role)).all():
            connection.execute(
                update(u)
                .where(u.c.username == username)
                .values(display_name=NAMES.get(role, "吴刚") + username[-1])
            )
        rich, held, placed = accounts[0], accounts[1], accounts[4]
        for account in accounts[:4]:
            _points(connection, cipher, account.customer_id, at)
        _contacts(connection, rich, users, at)
        _promises(connection, rich.id, users, at)
        _plans(connection, rich.id, users, at)
        _holds(connection, held, users, at)
        _work(connection, rich, users, at)
        _busy_queue(connection, accounts[6:], at)
        _messages(connection, rich, at)
        cases, requests = _service(connection, cipher, rich, users, at)
        connection.execute(
            insert(table_of(AgencyPlacement)).values(
                account_id=placed.id,
                agency_code="X",
                placed_on=RUN - timedelta(days=5),
                ends_on=RUN + timedelta(days=85),
                created_at=at,
            )
        )
        stops = _visits(connection, accounts[:4], users, at)
    return Seeded(rich.id, held.id, placed.id, tuple(stops), tuple(cases), tuple(requests))
