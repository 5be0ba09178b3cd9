"""The template store: shipped templates seeded once, only the newest approved version filled."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, insert, select, update

from arrears.messaging.templates import MessageFacts, TemplateError, fill, seed_shipped
from arrears.messaging.templates.shipped import shipped
from arrears.models import MessageTemplate, table_of

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
FACTS = MessageFacts(name="张*", account_tail="0001", overdue_fen=10_000, due_date=NOW.date())
T = table_of(MessageTemplate)


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(T)).scalar_one())


def test_seeding_is_idempotent(engine: Engine) -> None:
    with engine.begin() as connection:
        assert seed_shipped(connection, now=NOW) == len(shipped().templates)
        assert seed_shipped(connection, now=NOW) == 0
    with engine.connect() as connection:
        rows = connection.execute(select(T.c.version, T.c.status, T.c.decided_by_id, T.c.decision_note)).all()
    assert {tuple(row) for row in rows} == {(1, "approved", None, "shipped")}


def test_a_fresh_store_fills_at_once_seeding_the_shipped_version(engine: Engine) -> None:
    with engine.begin() as connection:
        filled = fill(connection, name="overdue", channel="sms", facts=FACTS, locale="en")
    assert (filled.version, filled.kind) == (1, "collection") and "100.00 yuan" in filled.text
    assert count(engine) == 1


def test_only_the_newest_approved_version_is_filled(engine: Engine) -> None:
    with engine.begin() as connection:
        seed_shipped(connection, now=NOW)
        base = {"name": "overdue", "channel": "sms", "body_en": "v{account_tail}", "created_at": NOW}
        rows = [{**base, "version": 2, "body_zh": "二", "status": "approved"},
                {**base, "version": 3, "body_zh": "三", "status": "draft"},
                {**base, "version": 4, "body_zh": "四", "status": "rejected"}]  # fmt: skip
        connection.execute(insert(T), rows)
        assert fill(connection, name="overdue", channel="sms", facts=FACTS, locale="zh").text == "二"
        connection.execute(update(T).where(T.c.name == "overdue", T.c.version == 3).values(status="approved"))
        assert fill(connection, name="overdue", channel="sms", facts=FACTS, locale="zh").version == 3


def test_unknown_templates_and_wrong_channels_are_refused(engine: Engine) -> None:
    with engine.begin() as connection:
        with pytest.raises(TemplateError, match="unknown SMS template final_warning"):
            fill(connection, name="final_warning", channel="sms", facts=FACTS, locale="zh")
        with pytest.raises(TemplateError, match="not a template of the letter channel"):
            fill(connection, name="overdue", channel="letter", facts=FACTS, locale="zh")
        connection.execute(update(T).where(T.c.name == "overdue").values(status="retired"))
        with pytest.raises(TemplateError, match="has no approved version") as refused:
            fill(connection, name="overdue", channel="sms", facts=FACTS, locale="zh")
    assert "没有已审批的版本" in refused.value.message_zh


def test_seeding_from_several_connections_at_once_adds_each_template_once(engine: Engine) -> None:
    barrier, errors = threading.Barrier(4), []

    def seed() -> None:
        try:
            with engine.begin() as connection:
                barrier.wait(timeout=10)
                seed_shipped(connection, now=NOW)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=seed) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors and count(engine) == len(shipped().templates)
