"""The receipt of a posted payment (``arrears.payments.receipt.queue_receipt``) on SQLite and PostgreSQL:
one service SMS per payment to the valid mobile, filled with masked data, sent by the dispatcher at
23:00 (when a collection SMS waits for the morning) and counted against no cap."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from outbox_seed import mobile, queue_sms, seed_cardholders
from sqlalchemy import Engine, func, insert, select, update

from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.messaging.dispatcher import DispatchConfig, Dispatcher, run
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.repository import OutboxRepository
from arrears.messaging.transport import Inbound, Outgoing, SendResult
from arrears.models import ContactEvent, ContactPoint, OutboxMessage, Payment, table_of
from arrears.payments.receipt import queue_receipt, receipt_key

SHANGHAI = ZoneInfo("Asia/Shanghai")
AFTERNOON = datetime(2026, 11, 24, 15, tzinfo=SHANGHAI)
NIGHT = datetime(2026, 11, 24, 23, tzinfo=SHANGHAI)
SETTINGS = Settings(sms_hotline="95500")


@dataclass
class Recording:
    """A transport that sends everything and remembers what it was asked to send."""

    asked: list[Outgoing] = field(default_factory=list)
    name: str = "recording"

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        self.asked += batch
        return [SendResult(one.key, "sent", provider_id=f"P-{one.key}") for one in batch]

    def inbound(self) -> list[Inbound]:
        return []

    def inbound_recorded(self) -> None:
        pass

    def close(self) -> None:
        pass


def drain(engine: Engine, transport: Recording, at: datetime, cipher: FieldCipher) -> None:
    config = DispatchConfig(channel="sms", batch_size=50, max_attempts=3, backoff_seconds=30)
    dispatcher = Dispatcher(engine=engine, transport=transport, config=config, policy=load_policy("cn"),  # type: ignore[arg-type]
                            cipher=cipher, name="w1", inbound_rules=rules_of(keywords="TD", invalid_after=3),
                            now=lambda: at)  # fmt: skip
    run([dispatcher], once=True, stop=threading.Event())


def pay(engine: Engine, account_id: int, *, amount_fen: int = 12_345, ref: str = "T1") -> int:
    with engine.begin() as connection:
        return int(
            connection.execute(
                insert(table_of(Payment))
                .values(payment_ref=ref, account_id=account_id, paid_date=date(2026, 11, 24),
                        amount_fen=amount_fen, channel="online", source="gateway", trade_no=ref,
                        posted_at=AFTERNOON)
                .returning(table_of(Payment).c.id)
            ).scalar_one()
        )  # fmt: skip


def receipt(engine: Engine, payment_id: int, at: datetime = AFTERNOON) -> None:
    with engine.begin() as connection:
        queue_receipt(connection, payment_id=payment_id, now=at, settings=SETTINGS)


def found(engine: Engine, payment_id: int) -> dict[str, Any] | None:
    with engine.connect() as connection:
        return OutboxRepository(connection).message_by_key(receipt_key(payment_id))


def messages(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table_of(OutboxMessage))).scalar_one())


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> list[tuple[int, int, int]]:
    return seed_cardholders(engine, cipher, count=2)


class TestQueued:
    def test_one_service_sms_with_masked_facts_due_at_once_for_a_day(
        self, engine: Engine, book: list[tuple[int, int, int]]
    ) -> None:
        customer, account, point = book[0]
        payment = pay(engine, account)

        receipt(engine, payment)

        message = found(engine, payment)
        assert message is not None
        assert (message["kind"], message["channel"], message["template"], message["status"]) == (
            "service", "sms", "payment_receipt", "queued")  # fmt: skip
        assert (message["customer_id"], message["account_id"], message["contact_point_id"]) == (
            customer, account, point)  # fmt: skip
        assert message["not_before"] == AFTERNOON and message["deadline_at"] == AFTERNOON + timedelta(days=1)
        assert message["template_version"] == 1 and message["locale"] == "zh"
        # the seeded name is 王五, the account 6222000000000001: masked name, last four, date, yuan, hotline
        assert message["body"] == (
            "王*您好，您尾号0001的信用卡已于2026年11月24日收到款项123.45元，感谢您的支持。咨询请致电95500。"
        )
        assert "王五" not in message["body"]

    def test_a_payment_has_one_receipt_however_often_it_is_asked(
        self, engine: Engine, book: list[tuple[int, int, int]]
    ) -> None:
        payment = pay(engine, book[0][1])

        receipt(engine, payment)
        receipt(engine, payment, at=AFTERNOON + timedelta(minutes=5))

        assert messages(engine) == 1
        message = found(engine, payment)
        assert message is not None and message["not_before"] == AFTERNOON

    def test_two_payments_have_two_receipts(self, engine: Engine, book: list[tuple[int, int, int]]) -> None:
        first, second = pay(engine, book[0][1], ref="T1"), pay(engine, book[0][1], ref="T2")

        receipt(engine, first)
        receipt(engine, second)

        assert messages(engine) == 2

    def test_no_mobile_queues_nothing_and_raises_nothing(
        self, engine: Engine, book: list[tuple[int, int, int]]
    ) -> None:
        customer, account, _ = book[0]
        with engine.begin() as connection:
            p = table_of(ContactPoint)
            connection.execute(p.delete().where(p.c.customer_id == customer))
        payment = pay(engine, account)

        receipt(engine, payment)

        assert messages(engine) == 0

    def test_an_invalid_mobile_is_never_used(self, engine: Engine, book: list[tuple[int, int, int]]) -> None:
        _, account, point = book[0]
        with engine.begin() as connection:
            p = table_of(ContactPoint)
            connection.execute(update(p).where(p.c.id == point).values(invalid_at=AFTERNOON))
        payment = pay(engine, account)

        receipt(engine, payment)

        assert messages(engine) == 0

    def test_a_reversal_or_an_unknown_payment_queues_nothing(
        self, engine: Engine, book: list[tuple[int, int, int]]
    ) -> None:
        reversal = pay(engine, book[0][1], amount_fen=-12_345, ref="R1")

        receipt(engine, reversal)
        receipt(engine, reversal + 1000)

        assert messages(engine) == 0


class TestSent:
    def test_at_23_00_the_receipt_goes_while_a_collection_sms_waits_and_no_cap_counts_it(
        self, engine: Engine, book: list[tuple[int, int, int]], cipher: FieldCipher
    ) -> None:
        payment = pay(engine, book[0][1])
        receipt(engine, payment, at=NIGHT)
        [collection] = queue_sms(engine, book[1:], count=1, now=NIGHT)
        transport = Recording()

        drain(engine, transport, NIGHT, cipher)

        sent = found(engine, payment)
        assert sent is not None and sent["status"] == "sent"
        assert [(one.key, one.recipient, one.kind) for one in transport.asked] == [
            (receipt_key(payment), mobile(1), "service")
        ]
        with engine.connect() as connection:
            waiting = OutboxRepository(connection).message_by_key(collection)
            contacts = connection.execute(select(func.count()).select_from(table_of(ContactEvent))).scalar()
        assert waiting is not None and (waiting["status"], waiting["blocked_rules"]) == ("queued", "CN-HOURS")
        assert contacts == 0
