"""Template governance: a version saved as a draft (checked), approved by someone else with the
permission (four eyes), rejected with a note, audited; only approved versions fill."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from arrears.audit.repository import AuditLog, audit_transaction
from arrears.compliance import load_policy
from arrears.kit.errors import NotFound
from arrears.messaging.templates import (
    MessageFacts,
    TemplateDecisionError,
    TemplateError,
    TemplateRefused,
    fill,
)
from arrears.messaging.templates.governance import approve, history, reject, save_version
from arrears.messaging.templates.shipped import shipped
from arrears.users import passwords
from arrears.users.permissions import NotPermitted
from arrears.users.service import StaffUser, create_user
from web_book import FAST_HASHER, PASSWORD

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
CN = load_policy("cn")
FACTS = MessageFacts(name="张*", account_tail="0001", overdue_fen=10_000, due_date=NOW.date())
NEW_TEXT = replace(
    shipped().templates["overdue"], body_zh="{name}您好，尾号{account_tail}逾期{overdue_yuan}元。"
)


@pytest.fixture
def people(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, StaffUser]:
    monkeypatch.setattr(passwords, "_HASHER", FAST_HASHER)
    with engine.begin() as connection:
        return {name: create_user(connection, username=name, display_name=name, role=role, password=PASSWORD,
                                  now=NOW)
                for name, role in (("manager1", "manager"), ("compliance1", "compliance"),
                                   ("compliance2", "compliance"), ("collector1", "collector"))}  # fmt: skip


def test_a_saved_version_waits_and_the_shipped_one_fills_until_another_user_approves(
    engine: Engine, people: dict[str, StaffUser]
) -> None:
    with audit_transaction(engine) as connection:
        saved = save_version(connection, draft=NEW_TEXT, by=people["manager1"], policy=CN, now=NOW)
        assert (saved.version, saved.status, saved.created_by) == (2, "draft", "manager1")
        assert fill(connection, name="overdue", channel="sms", facts=FACTS, locale="zh").version == 1
    with audit_transaction(engine) as connection:
        approved = approve(connection, name="overdue", version=2, by=people["compliance1"], policy=CN,
                           now=NOW + timedelta(minutes=5))  # fmt: skip
        filled = fill(connection, name="overdue", channel="sms", facts=FACTS, locale="zh")
    assert (approved.status, approved.decided_by) == ("approved", "compliance1")
    assert (filled.version, filled.text) == (2, "张*您好，尾号0001逾期100.00元。")
    with engine.connect() as connection:
        versions = history(connection, name="overdue")
        trail = [(e.actor, e.action, e.subject_id) for e in AuditLog(connection).entries()]
    assert [(v.version, v.status) for v in versions] == [(2, "approved"), (1, "retired")]
    assert trail == [
        ("manager1", "template.saved", "overdue:2"),
        ("compliance1", "template.approved", "overdue:2"),
    ]


def test_the_author_may_not_approve_nor_a_role_without_the_permission(
    engine: Engine, people: dict[str, StaffUser]
) -> None:
    with audit_transaction(engine) as connection:
        save_version(connection, draft=NEW_TEXT, by=people["compliance1"], policy=CN, now=NOW)
    with (
        audit_transaction(engine) as connection,
        pytest.raises(TemplateDecisionError, match="other than its author"),
    ):
        approve(connection, name="overdue", version=2, by=people["compliance1"], policy=CN, now=NOW)
    for who in ("manager1", "collector1"):
        with audit_transaction(engine) as connection, pytest.raises(NotPermitted, match="template:approve"):
            approve(connection, name="overdue", version=2, by=people[who], policy=CN, now=NOW)
    with audit_transaction(engine) as connection, pytest.raises(NotPermitted, match="template:edit"):
        save_version(connection, draft=NEW_TEXT, by=people["collector1"], policy=CN, now=NOW)


def test_a_rejection_needs_a_note_and_leaves_the_version_in_use(
    engine: Engine, people: dict[str, StaffUser]
) -> None:
    with audit_transaction(engine) as connection:
        save_version(connection, draft=NEW_TEXT, by=people["manager1"], policy=CN, now=NOW)
    with audit_transaction(engine) as connection, pytest.raises(TemplateDecisionError, match="note"):
        reject(connection, name="overdue", version=2, by=people["compliance1"], note="  ", now=NOW)
    with audit_transaction(engine) as connection:
        rejected = reject(
            connection, name="overdue", version=2, by=people["compliance1"], note="请保留热线", now=NOW
        )
        assert fill(connection, name="overdue", channel="sms", facts=FACTS, locale="zh").version == 1
    assert (rejected.status, rejected.decision_note) == ("rejected", "请保留热线")
    with (
        audit_transaction(engine) as connection,
        pytest.raises(TemplateDecisionError, match="already rejected"),
    ):
        approve(connection, name="overdue", version=2, by=people["compliance2"], policy=CN, now=NOW)


def test_a_refused_version_is_not_saved(engine: Engine, people: dict[str, StaffUser]) -> None:
    threat = replace(NEW_TEXT, body_zh="{name}，不还钱就上门找你，{salary}")
    with audit_transaction(engine) as connection, pytest.raises(TemplateRefused) as refused:
        save_version(connection, draft=threat, by=people["manager1"], policy=CN, now=NOW)
    assert refused.value.reasons_en == (
        "unknown variable {salary}",
        "the template says “上门”, which threatens or misleads",
    )
    with engine.connect() as connection:
        assert [v.version for v in history(connection, name="overdue")] == [1]


def test_an_older_draft_is_not_approved_over_a_newer_version_in_use(
    engine: Engine, people: dict[str, StaffUser]
) -> None:
    with audit_transaction(engine) as connection:
        for _ in range(2):
            save_version(connection, draft=NEW_TEXT, by=people["manager1"], policy=CN, now=NOW)
        approve(connection, name="overdue", version=3, by=people["compliance1"], policy=CN, now=NOW)
    with (
        audit_transaction(engine) as connection,
        pytest.raises(TemplateDecisionError, match="newer, is in use"),
    ):
        approve(connection, name="overdue", version=2, by=people["compliance1"], policy=CN, now=NOW)


def test_a_new_template_keeps_its_channel_and_an_unknown_one_is_not_found(
    engine: Engine, people: dict[str, StaffUser]
) -> None:
    notice = replace(NEW_TEXT, name="gentle_nudge", description="new")
    with audit_transaction(engine) as connection:
        assert save_version(connection, draft=notice, by=people["manager1"], policy=CN, now=NOW).version == 1
        with pytest.raises(TemplateError, match="collection sms template: versions keep both"):
            save_version(
                connection, draft=replace(notice, channel="push"), by=people["manager1"], policy=CN, now=NOW
            )
    with engine.connect() as connection, pytest.raises(NotFound):
        history(connection, name="nothing_here")
