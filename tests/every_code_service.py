"""The every-code book's messages and service work (see tests/every_code_book.py): outbox messages of every
status and channel with their events and a reply, service cases of every kind and status with notes, and
portal requests of every kind and status.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert

from arrears.kit.crypto import FieldCipher
from arrears.models import (
    InboundMessage,
    OutboxEvent,
    OutboxMessage,
    PortalRequest,
    ServiceCase,
    ServiceCaseNote,
    table_of,
)
from web_book import RUN


def add_messages(connection: Connection, account: Any, at: datetime) -> None:
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


def add_service(
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
