"""A legal case's lawyer's letter (律师函): a ``letter`` message in the outbox that carries its case
(``outbox_message.legal_case_id``), rendered with the day's letters by the letters engine (``arrears
letters render``) from the governed template ``lawyer_letter`` in the case's law firm's name, signed by
the person who issued it, and tracked by the post like every letter.

The case's own litigation hold does not stop it: when the letters engine re-checks it, that one hold is
left out of the cardholder's holds (every other hold, a dispute say, still blocks it), and the rulebook
decides as for any letter (decision 0035). It is a collection letter: it carries the disclosures of
CBRC 2011 Art. 69 (the template's check) and counts as a contact once sent.

A case has one live letter at a time (queued, being printed, sent or delivered); one that failed,
expired or was cancelled may be issued again. Its reference (``FW-000012-L1``) is what the case's
``lawyer_letter`` step records as its document. Nothing commits: the caller's transaction must be an
audit transaction (``legal_case.letter``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.kit.errors import NotFound
from arrears.legal.case_repository import CaseRepository
from arrears.legal.case_rules import StepRefused, case_number
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.repository import OutboxRepository
from arrears.messaging.templates import approved
from arrears.users.service import StaffUser

TEMPLATE = "lawyer_letter"
LETTER_DAYS = 30  # a letter not printed within 30 days expires (it may be issued again)
LIVE = ("queued", "sending", "sent", "delivered")  # a letter on its way or arrived
ISSUING_STAGES = ("review", "lawyer_letter")  # before the case is filed
_KEY = re.compile(r"legal:(\d+):letter:(\d+)\Z")


@dataclass(frozen=True, slots=True)
class Issued:
    message_id: int
    reference: str


def reference(case_id: int, number: int) -> str:
    """The letter's reference: the case's number and the letter's: ``FW-000012-L1``."""
    return f"{case_number(case_id)}-L{number}"


def _key(case_id: int, number: int) -> str:
    return f"legal:{case_id}:letter:{number}"


def letters(connection: Connection, case_id: int) -> list[dict[str, Any]]:
    """The case's lawyer's letters, oldest first, each with its ``reference`` and whether it is
    ``live``: its status, run date, letter number (``provider_id``), tracking number and dates."""
    return [row | {"reference": reference(case_id, _number(row)), "live": row["status"] in LIVE}
            for row in CaseRepository(connection).letters(case_id)]  # fmt: skip


def live_letter(connection: Connection, case_id: int) -> dict[str, Any] | None:
    return next((one for one in letters(connection, case_id) if one["live"]), None)


def issue(
    connection: Connection, *, case_id: int, by: StaffUser, today: date, now: datetime, locale: str = "zh"
) -> Issued:
    """Queues the case's lawyer's letter for the print run of ``today`` (the business date); NotFound
    for no case, StepRefused with the reason when the case is past the letter, has no law firm or has
    a live letter already, TemplateError when ``lawyer_letter`` has no approved version."""
    repository = CaseRepository(connection)
    case = repository.case(case_id, lock=True)  # one letter at a time: a colleague's issue waits
    if case is None:
        raise NotFound(f"no legal case {case_id}", f"没有法律案件 {case_id}")
    return issue_for(connection, case, by=by, today=today, now=now, locale=locale)


def issue_for(
    connection: Connection, case: dict[str, Any], *, by: StaffUser, today: date, now: datetime,
    locale: str = "zh",
) -> Issued:  # fmt: skip
    """:func:`issue` for a case already read and locked."""
    case_id = int(case["id"])
    if case["stage"] not in ISSUING_STAGES:
        raise StepRefused("a lawyer's letter goes out before the case is filed", "律师函须在起诉立案之前发出")
    if case["firm_team_id"] is None:
        raise StepRefused(
            "a lawyer's letter goes out in a law firm's name: assign the case to a law firm first",
            "律师函以律师事务所名义发出，请先将案件分配给律师事务所",
        )
    found = letters(connection, case_id)
    live = next((one for one in found if one["live"]), None)
    if live is not None:
        raise StepRefused(
            f"the case's lawyer's letter {live['reference']} is {live['status']} already",
            f"本案律师函 {live['reference']} 已在发送中或已寄出",
        )
    stored = approved(connection, name=TEMPLATE, channel="letter")  # none approved: TemplateError
    number = max((_number(one) for one in found), default=0) + 1
    key = _key(case_id, number)
    message = NewMessage(
        key=key, channel="letter", source="workspace", not_before=now,
        deadline_at=now + timedelta(days=LETTER_DAYS), kind="collection", account_id=int(case["account_id"]),
        customer_id=int(case["customer_id"]), run_date=today, user_id=by.id, template=TEMPLATE,
        template_version=stored.version, locale="en" if locale.startswith("en") else "zh",
        legal_case_id=case_id,
    )  # fmt: skip
    enqueue(connection, messages=[message], now=now)
    queued = OutboxRepository(connection).message_by_key(key)
    assert queued is not None
    issued = Issued(int(queued["id"]), reference(case_id, number))
    details = {"account_id": int(case["account_id"]), "message_id": issued.message_id,
               "reference": issued.reference, "template_version": stored.version}  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=by.username, action="legal_case.letter", subject_type="legal_case",
        subject_id=str(case_id), details=details,
    )  # fmt: skip
    return issued


def _number(letter: dict[str, Any]) -> int:
    matched = _KEY.match(letter["idempotency_key"] or "")
    return int(matched.group(2)) if matched else 0


def document_for_step(
    connection: Connection, case: dict[str, Any], *, by: StaffUser, today: date, now: datetime
) -> str:
    """The document of a ``lawyer_letter`` step recorded without one: the case's live letter, or one
    issued now (refused as :func:`issue_for` refuses)."""
    live = live_letter(connection, int(case["id"]))
    if live is not None:
        return str(live["reference"])
    return issue_for(connection, case, by=by, today=today, now=now).reference
