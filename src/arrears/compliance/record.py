"""Compliance decisions and manual overrides, appended to the audit chain (``arrears.audit``)."""

from __future__ import annotations

from datetime import datetime

from arrears.audit.chain import AuditEntry
from arrears.audit.repository import AuditLog
from arrears.compliance.check import Decision
from arrears.compliance.policy import Policy
from arrears.kit.errors import ArrearsError

DECISION = "compliance.decision"
OVERRIDE = "compliance.override"


class OverrideError(ArrearsError):
    """A manual override that cannot be recorded (no reason, no person)."""


def _subject(identifier: object) -> str | None:
    return None if identifier is None else str(identifier)[:64]


def record_decision(
    log: AuditLog, decision: Decision, *, policy: Policy, actor: str, at: datetime
) -> AuditEntry:
    """Appends a decision the system acts on: its outcome, rules and reasons (no personal data)."""
    details = decision.to_dict() | {"policy": policy.name}
    return log.append(
        at=at,
        actor=actor,
        action=DECISION,
        subject_type="action",
        subject_id=_subject(decision.id),
        details=details,
    )


def record_override(
    log: AuditLog, *, subject: str, decision: str, by: str, why: str, at: datetime
) -> AuditEntry:
    """Appends a person's override of a decision: who, why, and what they decided instead."""
    if decision not in ("allow", "block"):
        raise OverrideError(
            f'an override decides "allow" or "block", not "{decision}"', "人工干预只能是允许或阻止"
        )
    if not by.strip():
        raise OverrideError("an override names the person who makes it", "人工干预必须注明操作人")
    if not why.strip():
        raise OverrideError("an override needs a reason", "人工干预必须说明理由")
    return log.append(
        at=at,
        actor=by,
        action=OVERRIDE,
        subject_type="action",
        subject_id=_subject(subject),
        details={"decision": decision, "why": why},
    )
