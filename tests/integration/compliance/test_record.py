"""Decisions and overrides in the audit chain, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog
from arrears.compliance import check, load_policy
from arrears.compliance.record import OverrideError, record_decision, record_override

AT = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
LINE = {
    "id": "s2",
    "now": "2026-11-23T22:50:00+08:00",
    "action": {"channel": "call", "contact_point": "m1"},
    "debtor": {"timezones": ["Asia/Shanghai"]},
}


def test_a_decision_and_its_override_are_chained(engine: Engine) -> None:
    policy = load_policy("cn")
    decision = check(policy, LINE)
    with engine.begin() as connection:
        log = AuditLog(connection)
        record_decision(log, decision, policy=policy, actor="dialer-7", at=AT)
        record_override(
            log, subject="s2", decision="allow", by="supervisor-li", why="asked to be called", at=AT
        )
    with engine.connect() as connection:
        entries = AuditLog(connection).entries()
    assert verify(entries) == []
    first, second = entries
    assert (first.action, first.actor, first.subject_id) == ("compliance.decision", "dialer-7", "s2")
    assert json.loads(first.details)["rules"] == ["CN-HOURS"]
    assert json.loads(first.details)["policy"] == "cn"
    assert (second.action, second.actor) == ("compliance.override", "supervisor-li")
    assert json.loads(second.details) == {"decision": "allow", "why": "asked to be called"}
    assert second.prev_hash == first.hash


@pytest.mark.parametrize(
    ("by", "why", "decision"), [("li", " ", "allow"), ("", "reason", "allow"), ("li", "r", "maybe")]
)
def test_an_override_names_who_why_and_what(engine: Engine, by: str, why: str, decision: str) -> None:
    with engine.begin() as connection, pytest.raises(OverrideError):
        record_override(AuditLog(connection), subject="s2", decision=decision, by=by, why=why, at=AT)
