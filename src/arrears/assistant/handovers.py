"""Hand-overs from a verified session's conversation to a person, when its latest answer offers one:

- a service case (complaint, fraud as a dispute of category ``fraud``, hardship): a portal request of the
  case's kind (so the cardholder follows it on ``/my/requests``, and at most
  ``requests_repository.MAX_OPEN_PER_KIND`` are open per account and kind) and its case, opened by
  ``servicedesk.intake.open_case`` with channel ``assistant`` and actor ``customer:<id>``, which fixes
  the deadlines and places the holds the desk's rules ask for. The case's summary (and the request's
  text) is the conversation, redacted (``rules.summary``);
- a callback (legal, a person asked for, an answer the assistant was unsure of): ``offers.request_callback``
  in the day and window the cardholder picks, its request's text the conversation, redacted.

Each conversation hands over once to each: the conversation row records the case or the callback. Audited
``assistant.handover`` (ids and codes, never text). The caller's transaction must be able to append
(``audit_transaction``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.assistant.conversations import handover_for_latest, kept_turn
from arrears.assistant.repository import AssistantRepository
from arrears.assistant.rules import summary
from arrears.audit.repository import AuditLog
from arrears.compliance.policy import Policy
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import MAX_TEXT
from arrears.portal import offers
from arrears.portal.accounts import owned_account
from arrears.portal.requests_repository import RequestRepository
from arrears.servicedesk.categories import case_number
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.rules import MAX_SUMMARY, Intake
from arrears.servicedesk.setup import DeskSetup

HANDED_OVER = "assistant.handover"
SUMMARY_TURNS = 50  # the latest turns the summary is made from (those that fit are kept)


@dataclass(frozen=True, slots=True)
class HandedCase:
    case_id: int
    request_id: int
    resolve_by: datetime
    hold_kinds: tuple[str, ...]


def _verified(conversation: dict[str, Any]) -> None:
    """The conversation is a verified session's (the caller found it through that session's binding)."""
    if conversation["session_hash"] is None or not conversation["verified"]:
        raise ArrearsError("sign in to hand the conversation over", "请先登录再转人工")


def _conversation_text(connection: Connection, conversation_id: int, cipher: FieldCipher, *, zone: ZoneInfo,
                       limit: int) -> str:  # fmt: skip
    rows = AssistantRepository(connection).turns(conversation_id, latest=SUMMARY_TURNS)
    return summary([kept_turn(row, cipher) for row in rows], zone=zone, limit=limit)


def _audit(connection: Connection, *, customer_id: int, conversation_id: int, now: datetime,
           details: dict[str, Any]) -> None:  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=f"customer:{customer_id}", action=HANDED_OVER, subject_type="assistant_conversation",
        subject_id=str(conversation_id), details=details,
    )  # fmt: skip


def hand_over_to_case(
    connection: Connection, *, conversation: dict[str, Any], customer_id: int, account_no: str,
    category: str | None, cipher: FieldCipher, desk: DeskSetup, now: datetime,
) -> HandedCase:  # fmt: skip
    """Opens the service case the latest answer offers, on the cardholder's account ``account_no``
    (NotFound when not theirs); ArrearsError when the conversation handed over to a case already, or
    its latest answer offers none; InvalidField (``category``) for a category the kind does not have."""
    _verified(conversation)
    if conversation["service_case_id"] is not None:
        case_no = case_number(conversation["service_case_id"])
        raise ArrearsError(f"this conversation was passed on as case {case_no} already",
                           f"本次对话已转为客服工单 {case_no}")  # fmt: skip
    kind, chosen = handover_for_latest(
        connection, conversation=conversation, to="service_case", category=category
    )
    assert kind is not None and chosen is not None
    account = owned_account(connection, customer_id=customer_id, account_no=account_no)
    text = _conversation_text(connection, conversation["id"], cipher, zone=desk.zone, limit=MAX_SUMMARY)
    requests = RequestRepository(connection)
    requests.check_room(account.id, kind)
    request_id = requests.add_request(
        {"account_id": account.id, "customer_id": customer_id, "kind": kind, "category": chosen,
         "text_enc": cipher.encrypt(text[:MAX_TEXT]), "amount_fen": None, "status": "open", "created_at": now}
    )  # fmt: skip
    opened = open_case(connection, account_id=account.id, intake=Intake(kind, chosen, "assistant", text),
                       actor=f"customer:{customer_id}", user_id=None, setup=desk, cipher=cipher, now=now,
                       portal_request_id=request_id)  # fmt: skip
    if opened.hold_ids:
        requests.set_hold(request_id, opened.hold_ids[0])
    AssistantRepository(connection).handed_over(
        conversation["id"], at=now, account_id=account.id, case_id=opened.id
    )
    _audit(connection, customer_id=customer_id, conversation_id=conversation["id"], now=now,
           details={"to": "service_case", "kind": kind, "category": chosen, "account_id": account.id,
                    "case_id": opened.id, "request_id": request_id,
                    "holds": list(opened.hold_kinds)})  # fmt: skip
    return HandedCase(opened.id, request_id, opened.resolve_by, opened.hold_kinds)


def hand_over_to_callback(
    connection: Connection, *, conversation: dict[str, Any], customer_id: int, account_no: str, day: date,
    window: tuple[time, time], cipher: FieldCipher, policy: Policy, zone: str, now: datetime,
) -> offers.Requested:  # fmt: skip
    """Asks for the callback the latest answer offers, in ``window`` on ``day``, on the cardholder's
    account ``account_no``; ArrearsError when the conversation asked for one already, or its latest
    answer offers none; the offers' refusals (a window over, a day too far) as they are."""
    _verified(conversation)
    if conversation["callback_id"] is not None:
        raise ArrearsError("this conversation asked for a call back already", "本次对话已预约回电")
    handover_for_latest(connection, conversation=conversation, to="callback", category=None)
    account = owned_account(connection, customer_id=customer_id, account_no=account_no)
    text = _conversation_text(connection, conversation["id"], cipher, zone=ZoneInfo(zone), limit=MAX_TEXT)
    requested = offers.request_callback(connection, account_id=account.id, customer_id=customer_id, day=day,
                                        window=window, text=text, cipher=cipher, policy=policy, zone=zone,
                                        now=now)  # fmt: skip
    AssistantRepository(connection).handed_over(
        conversation["id"], at=now, account_id=account.id, callback_id=requested.callback_id
    )
    _audit(connection, customer_id=customer_id, conversation_id=conversation["id"], now=now,
           details={"to": "callback", "account_id": account.id, "callback_id": requested.callback_id,
                    "request_id": requested.request_id})  # fmt: skip
    return requested
