"""The outbox and the dispatcher on SQLite and PostgreSQL: idempotent enqueue, claims, the re-check at
sending time, retries with backoff, permanent failures, expiry, a transport that is down, and a
dispatcher that died with a batch in hand."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from outbox_seed import mobile, queue_sms, seed_cardholders, statuses, written
from sqlalchemy import Engine, func, insert, select, update

from arrears.compliance import load_policy
from arrears.kit.crypto import FieldCipher
from arrears.messaging.dispatcher import DispatchConfig, Dispatcher, Tally, run
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.outbox import NewMessage, enqueue
from arrears.messaging.repository import OutboxRepository, writer
from arrears.messaging.rules import INVALID_POINT_RULE
from arrears.messaging.transport import Inbound, Outgoing, SendResult, TransportDown
from arrears.messaging.transports.file import FileTransport, provider_id
from arrears.models import ContactEvent, ContactPoint, DispatcherWorker, Hold, OutboxEvent, table_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 11, 24, 10, tzinfo=SHANGHAI)
POLICY = load_policy("cn")
RULES = rules_of(keywords="TD", invalid_after=3)


@dataclass
class Clock:
    at: datetime = DAY

    def __call__(self) -> datetime:
        return self.at


@dataclass
class Scripted:
    """A transport answering each key as told (default sent), recording every send it was asked."""

    outcomes: dict[str, str] = field(default_factory=dict)
    down: bool = False
    asked: list[Outgoing] = field(default_factory=list)
    name: str = "scripted"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        if self.down:
            raise TransportDown("the gateway does not answer", "网关无应答")
        with self.lock:
            self.asked += batch
        results = []
        for one in batch:
            outcome = self.outcomes.get(one.key, "sent")
            reason = None if outcome == "sent" else f"{outcome} reason"
            results.append(SendResult(one.key, outcome, provider_id=f"P-{one.key}", reason=reason))  # type: ignore[arg-type]
        return results

    def inbound(self) -> list[Inbound]:
        return []

    def inbound_recorded(self) -> None:
        pass

    def close(self) -> None:
        pass


def dispatcher(
    engine: Engine, transport: object, clock: Clock, cipher: FieldCipher, name: str = "w1"
) -> Dispatcher:
    config = DispatchConfig(channel="sms", batch_size=50, max_attempts=3, backoff_seconds=30)
    return Dispatcher(engine=engine, transport=transport, config=config, policy=POLICY, cipher=cipher,  # type: ignore[arg-type]
                      name=name, inbound_rules=RULES, now=clock)  # fmt: skip


def drain(engine: Engine, transport: object, clock: Clock, cipher: FieldCipher) -> Tally:
    return run([dispatcher(engine, transport, clock, cipher)], once=True, stop=threading.Event())


def message(engine: Engine, key: str) -> dict[str, Any]:
    with engine.connect() as connection:
        found = OutboxRepository(connection).message_by_key(key)
        assert found is not None
        return found | {
            "events": [e["status"] for e in OutboxRepository(connection).events(int(found["id"]))]
        }


def count(engine: Engine, model: type, **where: object) -> int:
    table = table_of(model)
    with engine.connect() as connection:
        query = select(func.count()).select_from(table).where(*(table.c[k] == v for k, v in where.items()))
        return int(connection.execute(query).scalar_one())


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> list[tuple[int, int, int]]:
    return seed_cardholders(engine, cipher, count=3)


class TestEnqueue:
    def test_a_key_is_queued_once_with_one_event(
        self, engine: Engine, book: list[tuple[int, int, int]]
    ) -> None:
        customer, account, point = book[0]
        new = NewMessage(key="ws:1", channel="sms", source="workspace", not_before=DAY,
                         deadline_at=DAY + timedelta(hours=2), account_id=account, customer_id=customer,
                         contact_point_id=point, body="hello")  # fmt: skip
        with engine.begin() as connection:
            first = enqueue(connection, messages=[new, new], now=DAY)
        with engine.begin() as connection:
            again = enqueue(connection, messages=[new], now=DAY)

        assert (first, again) == (1, 0)
        assert message(engine, "ws:1")["events"] == ["queued"]
        assert message(engine, "ws:1")["status"] == "queued"

    def test_a_message_that_could_not_be_made_is_kept_failed_with_the_reason(
        self, engine: Engine, book: list[tuple[int, int, int]]
    ) -> None:
        new = NewMessage(key="run:x", channel="sms", source="run", not_before=DAY, deadline_at=DAY,
                         failed_reason="the template needs an open promise")  # fmt: skip
        with engine.begin() as connection:
            enqueue(connection, messages=[new], now=DAY)

        found = message(engine, "run:x")
        assert (found["status"], found["last_error"], found["events"]) == (
            "failed", "the template needs an open promise", ["failed"])  # fmt: skip


class TestDispatch:
    def test_sends_each_due_message_once_and_records_it(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher, tmp_path: Path
    ) -> None:
        keys = queue_sms(engine, book, count=120, now=DAY)
        transport = FileTransport(tmp_path, clock=Clock())

        tally = drain(engine, transport, Clock(), cipher)

        assert tally.sent == 120 and statuses(engine) == {"sent": 120}
        assert written(tmp_path) == Counter(keys)
        first = message(engine, keys[0])
        assert (first["provider_id"], first["transport"], first["attempts"]) == (
            provider_id(keys[0]),
            "file",
            1,
        )
        assert first["events"] == ["queued", "sent"]
        assert count(engine, ContactEvent, channel="sms", outcome="sent") == 120
        assert count(engine, DispatcherWorker) == 1

    def test_the_recipient_is_the_clear_mobile(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        queue_sms(engine, book[:1], count=1, now=DAY)
        transport = Scripted()

        drain(engine, transport, Clock(), cipher)

        assert [one.recipient for one in transport.asked] == [mobile(1)]

    def test_an_sms_at_22_30_waits_until_08_00_then_goes(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        late = datetime(2026, 11, 24, 22, 30, tzinfo=SHANGHAI)
        [key] = queue_sms(engine, book[:1], count=1, now=late)
        transport, clock = Scripted(), Clock(late)

        drain(engine, transport, clock, cipher)

        waiting = message(engine, key)
        assert (waiting["status"], waiting["blocked_rules"], waiting["attempts"]) == ("queued", "CN-HOURS", 0)
        assert waiting["next_attempt_at"] == datetime(2026, 11, 25, 8, tzinfo=SHANGHAI)
        assert waiting["events"] == ["queued", "waiting"] and transport.asked == []
        clock.at = datetime(2026, 11, 25, 8, tzinfo=SHANGHAI)
        drain(engine, transport, clock, cipher)
        assert message(engine, key)["status"] == "sent"

    def test_a_service_message_at_23_00_goes_and_counts_for_no_cap(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        night = datetime(2026, 11, 24, 23, tzinfo=SHANGHAI)
        [key] = queue_sms(engine, book[:1], count=1, now=night, kind="service")

        drain(engine, Scripted(), Clock(night), cipher)

        assert message(engine, key)["status"] == "sent"
        assert count(engine, ContactEvent) == 0

    def test_a_hold_placed_after_queueing_cancels_naming_the_rule(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        [key] = queue_sms(engine, book[:1], count=1, now=DAY)
        with engine.begin() as connection:
            connection.execute(insert(table_of(Hold)).values(
                customer_id=book[0][0], account_id=None, kind="dispute", reason="disputes a charge",
                placed_at=DAY - timedelta(minutes=1)))  # fmt: skip
        transport = Scripted()

        drain(engine, transport, Clock(), cipher)

        found = message(engine, key)
        assert (found["status"], found["blocked_rules"], found["events"]) == (
            "cancelled",
            "CN-HOLD",
            ["queued", "cancelled"],
        )
        assert transport.asked == [] and count(engine, ContactEvent) == 0

    def test_an_invalid_point_cancels(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        [key] = queue_sms(engine, book[:1], count=1, now=DAY)
        with engine.begin() as connection:
            p = table_of(ContactPoint)
            connection.execute(update(p).where(p.c.id == book[0][2]).values(invalid_at=DAY))

        drain(engine, Scripted(), Clock(), cipher)

        assert message(engine, key)["blocked_rules"] == INVALID_POINT_RULE

    def test_a_transient_failure_is_retried_with_backoff_then_fails(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        [key] = queue_sms(engine, book[:1], count=1, now=DAY)
        transport, clock = Scripted({"t:0": "transient"}), Clock()

        tally = drain(engine, transport, clock, cipher)

        found = message(engine, key)
        assert tally.retried == 1 and (found["status"], found["attempts"]) == ("queued", 1)
        assert (
            found["next_attempt_at"] == DAY + timedelta(seconds=30)
            and found["last_error"] == "transient reason"
        )
        clock.at = DAY + timedelta(seconds=30)
        drain(engine, transport, clock, cipher)
        assert message(engine, key)["next_attempt_at"] == clock.at + timedelta(seconds=60)
        clock.at += timedelta(seconds=60)
        tally = drain(engine, transport, clock, cipher)
        found = message(engine, key)
        assert tally.failed == 1 and (found["status"], found["attempts"]) == ("failed", 3)
        assert found["events"] == ["queued", "retry", "retry", "failed"] and len(transport.asked) == 3

    def test_a_permanent_failure_fails_with_the_reason_and_counts_against_the_point(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        [key] = queue_sms(engine, book[:1], count=1, now=DAY)

        tally = drain(engine, Scripted({"t:0": "permanent"}), Clock(), cipher)

        found = message(engine, key)
        assert tally.failed == 1 and (found["status"], found["last_error"]) == ("failed", "permanent reason")
        p = table_of(ContactPoint)
        with engine.connect() as connection:
            failed = connection.execute(select(p.c.failed_sends).where(p.c.id == book[0][2])).scalar_one()
        assert failed == 1 and count(engine, ContactEvent) == 0

    def test_a_message_past_its_deadline_expires(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        [key] = queue_sms(engine, book[:1], count=1, now=DAY, deadline=timedelta(minutes=5))

        tally = drain(engine, Scripted(), Clock(DAY + timedelta(minutes=5)), cipher)

        assert tally.expired == 1 and message(engine, key)["events"] == ["queued", "expired"]

    def test_a_transport_that_is_down_keeps_the_batch_waiting_without_spending_a_try(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        keys = queue_sms(engine, book, count=3, now=DAY)
        transport, clock = Scripted(down=True), Clock()

        tally = drain(engine, transport, clock, cipher)

        assert tally.down == 1 and statuses(engine) == {"queued": 3}
        found = message(engine, keys[0])
        assert (found["attempts"], found["next_attempt_at"]) == (0, DAY + timedelta(seconds=30))
        assert found["events"] == ["queued", "released"]
        transport.down, clock.at = False, DAY + timedelta(seconds=30)
        assert drain(engine, transport, clock, cipher).sent == 3


class TestInDoubt:
    def test_a_batch_whose_dispatcher_died_is_sent_again_with_the_same_key_once(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher, tmp_path: Path
    ) -> None:
        keys = queue_sms(engine, book, count=4, now=DAY)
        transport = FileTransport(tmp_path, clock=Clock())
        with writer(engine) as connection:  # the dead dispatcher claimed all and sent two
            claimed = OutboxRepository(connection).claim(channel="sms", worker="dead", now=DAY, limit=10,
                                                         claim_for=timedelta(minutes=2))  # fmt: skip
        transport.send([Outgoing(one.id, one.key, "sms", "x", "y") for one in claimed[:2]])
        clock = Clock(DAY + timedelta(minutes=1))

        assert drain(engine, FileTransport(tmp_path, clock=clock), clock, cipher).sent == 0  # still claimed
        clock.at = DAY + timedelta(minutes=2, seconds=1)
        tally = drain(engine, FileTransport(tmp_path, clock=clock), clock, cipher)

        assert tally.sent == 4 and written(tmp_path) == Counter(keys)
        assert message(engine, keys[0])["events"] == ["queued", "in_doubt", "sent"]

    def test_a_message_in_doubt_under_a_new_hold_is_not_sent_again_and_says_it_may_have_gone(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher, tmp_path: Path
    ) -> None:
        [key] = queue_sms(engine, book[:1], count=1, now=DAY)
        with writer(engine) as connection:  # the dead dispatcher claimed it and perhaps sent it
            OutboxRepository(connection).claim(channel="sms", worker="dead", now=DAY, limit=1,
                                               claim_for=timedelta(minutes=2))  # fmt: skip
        with engine.begin() as connection:  # then the cardholder disputed: a hold
            connection.execute(insert(table_of(Hold)).values(
                customer_id=book[0][0], account_id=None, kind="dispute", reason="disputes a charge",
                placed_at=DAY + timedelta(minutes=1)))  # fmt: skip
        clock = Clock(DAY + timedelta(minutes=3))
        transport = Scripted()

        drain(engine, transport, clock, cipher)

        found = message(engine, key)
        assert transport.asked == [] and found["status"] == "cancelled"
        assert found["events"] == ["queued", "in_doubt", "cancelled"]
        assert "may have reached the provider" in found["last_error"]

    def test_a_slow_dispatcher_does_not_record_a_batch_taken_over(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        [key] = queue_sms(engine, book[:1], count=1, now=DAY)
        with writer(engine) as connection:
            OutboxRepository(connection).claim(channel="sms", worker="slow", now=DAY, limit=1,
                                               claim_for=timedelta(seconds=1))  # fmt: skip
        clock = Clock(DAY + timedelta(seconds=2))
        drain(engine, Scripted(), clock, cipher)

        with writer(engine) as connection:
            assert (
                OutboxRepository(connection).mine([int(message(engine, key)["id"])], worker="slow") == set()
            )
        assert message(engine, key)["events"] == ["queued", "in_doubt", "sent"]


class TestConcurrency:
    def test_several_dispatchers_never_send_one_message_twice(
        self, engine: Engine, cipher: FieldCipher
    ) -> None:
        book = seed_cardholders(engine, cipher, count=50)
        keys = queue_sms(engine, book, count=1_500, now=DAY)
        transport = Scripted()
        stop = threading.Event()
        threads = [
            threading.Thread(target=run, args=([dispatcher(engine, transport, Clock(), cipher, f"w{n}")],),
                             kwargs={"once": True, "stop": stop})
            for n in range(4)
        ]  # fmt: skip
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        assert Counter(one.key for one in transport.asked) == Counter(keys)
        assert statuses(engine) == {"sent": 1_500}
        assert count(engine, OutboxEvent, status="sent") == 1_500
        assert count(engine, ContactEvent) == 1_500


def test_the_heartbeat_names_the_worker_and_adds_up(
    engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
) -> None:
    queue_sms(engine, book, count=5, now=DAY)

    drain(engine, Scripted({"t:1": "permanent"}), Clock(), cipher)

    with engine.connect() as connection:
        [worker] = OutboxRepository(connection).workers()
    assert (worker["name"], worker["sent"], worker["failed"], worker["channels"]) == ("w1", 4, 1, "sms")
    assert worker["stopped_at"] == DAY.astimezone(UTC)


@dataclass
class Broken(Scripted):
    """A transport that fails in an unforeseen way (not TransportDown) once: the batch may or may not
    have gone."""

    faults: int = 1

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        if self.faults:
            self.faults -= 1
            raise RuntimeError("connection reset in the middle of the batch")
        return super().send(batch)


def test_a_fault_in_the_middle_of_a_step_leaves_the_batch_in_doubt_then_sends_it_once(
    engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
) -> None:
    keys = queue_sms(engine, book, count=3, now=DAY)
    transport, clock = Broken(), Clock()

    tally = drain(engine, transport, clock, cipher)

    assert tally.down == 1 and "RuntimeError" in tally.errors[0] and statuses(engine) == {"sending": 3}
    clock.at = DAY + timedelta(minutes=3)  # the claim (2 minutes) ran out
    assert drain(engine, transport, clock, cipher).sent == 3
    assert message(engine, keys[0])["events"] == ["queued", "in_doubt", "sent"]


def test_the_receipts_the_transport_reports_are_applied(
    engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher, tmp_path: Path
) -> None:
    keys = queue_sms(engine, book, count=2, now=DAY)

    tally = drain(engine, FileTransport(tmp_path, receipts=True, clock=Clock()), Clock(), cipher)

    assert tally.inbound == 2 and statuses(engine) == {"delivered": 2}
    assert message(engine, keys[0])["events"] == ["queued", "sent", "delivered"]
