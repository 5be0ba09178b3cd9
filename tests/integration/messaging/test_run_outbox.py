"""The daily run's messages on SQLite and PostgreSQL: one outbox row per message action, filled from the
template in use, sent from the action's time until the end of the run day's window; a template that
cannot be filled fails that message alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from outbox_seed import seed_cardholders
from sqlalchemy import Engine, insert, select

from arrears.batch.store import RunRepository
from arrears.compliance import load_policy
from arrears.contacts.repository import ContactRepository
from arrears.kit.crypto import FieldCipher
from arrears.messaging.from_run import RunTexts, enqueue_run, run_key
from arrears.models import CollectionAction, ContactEvent, OutboxEvent, OutboxMessage, table_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
RUN = date(2026, 11, 24)
SMS_AT = datetime.combine(RUN, time(10), SHANGHAI).astimezone(UTC)
NOW = datetime(2026, 11, 24, 0, 30, tzinfo=UTC)
POLICY = load_policy("cn")


def _actions(engine: Engine, rows: list[tuple[int, int, str, str]]) -> None:
    values = [{"run_date": RUN, "account_id": account, "customer_id": customer, "channel": channel,
               "template": template, "segment": "m2", "arm": "champion", "treatment": "phone_m2",
               "value_fen": 100, "deadline_day": 5, "scheduled_at": SMS_AT, "status": "planned"}
              for customer, account, channel, template in rows]  # fmt: skip
    with engine.begin() as connection:
        connection.execute(insert(table_of(CollectionAction)), values)


def _queue(engine: Engine) -> dict[str, Any]:
    with engine.begin() as connection:
        queued = enqueue_run(connection, run_date=RUN, zone="Asia/Shanghai", policy=POLICY, now=NOW,
                             texts=RunTexts(hotline="95588", pay_link="https://pay.example"))  # fmt: skip
    return queued.report()


def _rows(engine: Engine) -> dict[str, dict[str, Any]]:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        return {row["idempotency_key"]: dict(row) for row in connection.execute(select(m)).mappings()}


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> list[tuple[int, int, int]]:
    return seed_cardholders(engine, cipher, count=3)


def test_each_message_action_is_queued_once_with_its_text_and_window(
    engine: Engine, book: list[tuple[int, int, int]]
) -> None:
    (c1, a1, p1), (c2, a2, _), (c3, a3, _) = book
    _actions(engine, [(c1, a1, "sms", "overdue"), (c3, a3, "letter", "demand"),
                      (c2, a2, "push", "wechat_overdue"), (c1, a1, "call", "-")])  # fmt: skip

    report = _queue(engine)
    again = _queue(engine)

    rows = _rows(engine)
    sms = rows[run_key(run_date=RUN, channel="sms", account_id=a1, template="overdue")]
    assert report == {"queued": 3, "by_channel": {"sms": 1, "letter": 1, "push": 1}, "failed": {}}
    assert len(rows) == 3 and again["queued"] == 3  # counted again, queued once
    assert (sms["status"], sms["contact_point_id"], sms["template_version"], sms["source"]) == (
        "queued",
        p1,
        1,
        "run",
    )
    assert sms["not_before"] == SMS_AT and sms["deadline_at"] == datetime.combine(RUN, time(22), SHANGHAI)
    assert "王*" in sms["body"] and "95588" in sms["body"] and "王五" not in sms["body"]
    letter = rows[run_key(run_date=RUN, channel="letter", account_id=a3, template="demand")]
    assert letter["body"] is None and letter["deadline_at"] == datetime.combine(
        date(2026, 11, 25), time(0), SHANGHAI
    )
    push = rows[run_key(run_date=RUN, channel="push", account_id=a2, template="wechat_overdue")]
    assert (push["target"], push["contact_point_id"]) == ("wechat", None) and "https://pay.example" in push[
        "body"
    ]


def test_a_template_that_cannot_be_filled_fails_that_message_alone(
    engine: Engine, book: list[tuple[int, int, int]]
) -> None:
    (c1, a1, _), (c2, a2, _), _ = book
    _actions(
        engine, [(c1, a1, "sms", "promise_reminder"), (c2, a2, "sms", "overdue"), (c2, a2, "sms", "nosuch")]
    )

    report = _queue(engine)

    rows = _rows(engine)
    failed = rows[run_key(run_date=RUN, channel="sms", account_id=a1, template="promise_reminder")]
    assert report["queued"] == 1 and sum(report["failed"].values()) == 2
    assert failed["status"] == "failed" and "promise" in failed["last_error"]
    assert (
        "nosuch" in rows[run_key(run_date=RUN, channel="sms", account_id=a2, template="nosuch")]["last_error"]
    )
    e = table_of(OutboxEvent)
    with engine.connect() as connection:
        statuses = sorted(connection.execute(select(e.c.status)).scalars())
    assert statuses == ["failed", "failed", "queued"]


def test_the_next_run_counts_what_was_sent_not_what_was_planned(
    engine: Engine, book: list[tuple[int, int, int]]
) -> None:
    (c1, a1, p1), _, _ = book
    yesterday = SMS_AT - timedelta(days=1)
    with engine.begin() as connection:
        connection.execute(
            insert(table_of(CollectionAction)),
            [
                {
                    "run_date": RUN - timedelta(days=1),
                    "account_id": a1,
                    "customer_id": c1,
                    "channel": channel,
                    "template": "t",
                    "segment": "m2",
                    "arm": "champion",
                    "treatment": "phone_m2",
                    "value_fen": 1,
                    "scheduled_at": yesterday,
                    "status": "planned",
                }
                for channel in ("sms", "letter", "email", "visit")
            ],
        )
        connection.execute(insert(table_of(ContactEvent)), [
            {"account_id": a1, "customer_id": c1, "at": yesterday, "channel": channel,
             "contact_point_id": point, "party": "debtor", "connected": False, "conversation": False,
             "outcome": "sent"}
            for channel, point in (("sms", p1), ("letter", None))])  # fmt: skip

    with engine.connect() as connection:
        found = RunRepository(connection).recent_contacts(RUN)
        seen = ContactRepository(connection).recent_contacts(customer_id=c1, at=SMS_AT)

    # the planned SMS, letter and e-mail do not count; the sent SMS and letter do, the visit as planned
    assert sorted(found.get_column("channel").to_list()) == ["letter", "sms", "visit"]
    assert sorted(contact.channel for contact in seen) == ["letter", "sms", "visit"]
