"""The response letter (复函) of a resolved service case: a ``letter`` message in the outbox (kind
``service``: the holds the case placed do not stop it, and it carries no collection content), rendered
with the day's letters by the letters engine (``arrears letters render``) from the governed template
``service_response``, which states the case's number, when it was received, what it was about, the
outcome, the decision and its reasons (decrypted at rendering), the remedies, and how to ask for a
review. Queued once per case (its key ``service:<case>:response``); audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.repository import OutboxRepository
from arrears.servicedesk.repository import ServiceRepository
from arrears.servicedesk.rules import CaseStateError
from arrears.servicedesk.work import found_case
from arrears.users.service import StaffUser

TEMPLATE = "service_response"
LETTER_DAYS = 30  # a response letter not printed within 30 days expires (it is queued again by hand)


def queue_response_letter(
    connection: Connection, *, case_id: int, by: StaffUser, zone: ZoneInfo, now: datetime, locale: str = "zh"
) -> int:
    """Queues the case's response letter for today's print run (the cardholders' local date); answers
    the message's id. CaseStateError unless the case is resolved (or closed) and has no letter yet."""
    repository = ServiceRepository(connection)
    case = found_case(repository, case_id, lock=True)
    if case["status"] not in ("resolved", "closed"):
        raise CaseStateError(
            "record the decision before the response letter", "请先记录处理决定，再发送答复函"
        )
    if case["letter_message_id"] is not None:
        raise CaseStateError("the response letter is queued already", "答复函已在发送队列中")
    key = f"service:{case_id}:response"
    message = NewMessage(
        key=key, channel="letter", source="workspace", not_before=now,
        deadline_at=now + timedelta(days=LETTER_DAYS), kind="service", account_id=case["account_id"],
        customer_id=case["customer_id"], run_date=now.astimezone(zone).date(), user_id=by.id,
        template=TEMPLATE, locale="en" if locale.startswith("en") else "zh",
    )  # fmt: skip
    enqueue(connection, messages=[message], now=now)
    queued = OutboxRepository(connection).message_by_key(key)
    assert queued is not None
    repository.move(case_id, from_statuses=("resolved", "closed"), values={"letter_message_id": queued["id"]})
    AuditLog(connection).append(
        at=now, actor=f"user:{by.id}", action="service_case.letter", subject_type="service_case",
        subject_id=str(case_id), details={"message_id": int(queued["id"]), "template": TEMPLATE},
    )  # fmt: skip
    return int(queued["id"])
