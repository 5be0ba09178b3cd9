"""Escalating the cases whose deadlines passed: to the team lead (level 1) when the acknowledgement or the
resolution is late, to the manager (level 2) when the resolution is 2 working days late, or at once for a
regulator referral (``deadlines.escalation_level``). Run by ``arrears service escalate`` (on a schedule)
and at the end of each daily run; each escalation is a ``system`` note on the case and an audit entry
(``service_case.escalated``). A level never goes down, and two runs at once raise it once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.kit.crypto import FieldCipher
from arrears.servicedesk.deadlines import escalation_level
from arrears.servicedesk.repository import OPEN, ServiceRepository
from arrears.servicedesk.setup import DeskSetup

ESCALATED = "service_case.escalated"


@dataclass(frozen=True, slots=True)
class Escalated:
    case_id: int
    level: int


def escalate_due(
    connection: Connection, *, setup: DeskSetup, cipher: FieldCipher, now: datetime, actor: str = "system"
) -> list[Escalated]:
    """Raises the level of every unresolved case whose deadline asks for it; answers what it raised."""
    repository = ServiceRepository(connection)
    raised = []
    for case in repository.escalation_candidates(now=now):
        level = escalation_level(
            now=now, acknowledged_at=case["acknowledged_at"], acknowledge_by=case["acknowledge_by"],
            resolve_by=case["resolve_by"], resolved=False, regulator=bool(case["regulator"]),
            calendar=setup.calendar, zone=setup.zone,
        )  # fmt: skip
        if level <= case["escalation_level"]:
            continue
        values = {"escalation_level": level, "escalated_at": now}
        if not repository.move_if_below(case["id"], level=level, from_statuses=OPEN, values=values):
            continue  # resolved meanwhile, or raised by another run
        text = f"escalated:{level}"  # a code: the page says it in the reader's language
        repository.add_note(
            {
                "case_id": case["id"],
                "at": now,
                "user_id": None,
                "kind": "system",
                "text_enc": cipher.encrypt(text),
            }
        )
        AuditLog(connection).append(
            at=now, actor=actor, action=ESCALATED, subject_type="service_case", subject_id=str(case["id"]),
            details={"level": level, "from": case["escalation_level"], "regulator": bool(case["regulator"])},
        )  # fmt: skip
        raised.append(Escalated(int(case["id"]), level))
    return raised
