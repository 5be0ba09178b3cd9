"""The outbox against a careless world: twenty identical clicks of retry or cancel at once, a retry of an
SMS the HTTP platform had taken and later reported failed (it must really go out again), and a receipt
that comes back before the dispatcher has recorded the send."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from local_sms_platform import LocalHttpPlatform
from outbox_seed import queue_sms, seed_cardholders
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.messaging.dispatcher import DispatchConfig, Dispatcher, run
from arrears.messaging.inbound import apply_inbound
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.report import cancel_message, retry_message
from arrears.messaging.repository import OutboxRepository
from arrears.messaging.transport import Inbound, Outgoing, Receipt, ReceiptStatus, SendResult
from arrears.messaging.transports.http_sms import HttpSmsTransport
from arrears.models import AuditEvent, ContactEvent, OutboxMessage, table_of

DAY = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
RULES = rules_of(keywords="TD", invalid_after=3)
KEY = "attack-retry-key"


def status_and_key(engine: Engine) -> tuple[int, str, str]:
    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        row = connection.execute(select(m.c.id, m.c.idempotency_key, m.c.status)).one()
    return int(row.id), row.idempotency_key, row.status


def audited(engine: Engine, action: str) -> int:
    a = table_of(AuditEvent)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).where(a.c.action == action)).scalar_one())


@pytest.mark.parametrize(("act", "status"), [(retry_message, "failed"), (cancel_message, "queued")])
def test_twenty_identical_clicks_at_once_act_once(
    engine: Engine, cipher: FieldCipher, act: object, status: str
) -> None:
    book = seed_cardholders(engine, cipher, count=1)
    queue_sms(engine, book, count=1, now=DAY)
    message_id, _key, _ = status_and_key(engine)
    m = table_of(OutboxMessage)
    with engine.begin() as connection:
        connection.execute(m.update().values(status=status, finished_at=DAY if status == "failed" else None))
    barrier, done, refused = threading.Barrier(20), [], []

    def click() -> None:
        barrier.wait()
        try:
            with audit_transaction(engine) as connection:
                act(connection, message_id=message_id, actor="manager1", now=DAY)  # type: ignore[operator]
            done.append(1)
        except ArrearsError:
            refused.append(1)

    threads = [threading.Thread(target=click) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert (len(done), len(refused)) == (1, 19)
    action = "outbox.retried" if act is retry_message else "outbox.cancelled"
    assert audited(engine, action) == 1


def test_a_retried_sms_the_platform_had_taken_goes_out_again(engine: Engine, cipher: FieldCipher) -> None:
    book = seed_cardholders(engine, cipher, count=1, consent_outside_hours=True)
    queue_sms(engine, book, count=1, now=DAY)
    message_id, key, _ = status_and_key(engine)
    with LocalHttpPlatform(key=KEY) as platform:
        transport = HttpSmsTransport.from_url(platform.url, settings=Settings(sms_hmac_key=SecretStr(KEY)))
        config = DispatchConfig(channel="sms", batch_size=10, max_attempts=3, backoff_seconds=30)
        dispatcher = Dispatcher(
            engine=engine, transport=transport, config=config, policy=load_policy("cn"), cipher=cipher,
            name="http-1", inbound_rules=RULES, now=lambda: DAY,
        )  # fmt: skip
        try:
            assert run([dispatcher], once=True, stop=threading.Event()).sent == 1
            undelivered = Receipt(transport="http", status="failed", at=DAY, key=key, reason="UNDELIV",
                                  permanent=False)  # fmt: skip
            with audit_transaction(engine) as connection:
                apply_inbound(connection, [undelivered], now=DAY, cipher=cipher, rules=RULES)
            with audit_transaction(engine) as connection:
                retry_message(connection, message_id=message_id, actor="manager1", now=DAY)

            again = run([dispatcher], once=True, stop=threading.Event())
        finally:
            transport.close()

        assert again.sent == 1
        assert platform.accepted == 2 and platform.duplicates == 0  # it really went out a second time
    with engine.connect() as connection:
        found = OutboxRepository(connection).message_by_key(key)
    assert found is not None and found["status"] == "sent"


class _FastPlatform:
    """An HTTP platform whose delivery receipt reaches the webhook before the dispatcher has recorded
    the send (fast carriers answer in milliseconds; a batch of 500 takes longer to record)."""

    name = "http"

    def __init__(self, engine: Engine, cipher: FieldCipher, status: ReceiptStatus) -> None:
        self.engine, self.cipher, self.status = engine, cipher, status

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        receipts: list[Inbound] = [
            Receipt("http", self.status, DAY, provider_id=f"LP-{one.key}", key=one.key, permanent=True)
            for one in batch
        ]
        with self.engine.begin() as connection:  # the webhook's own request and transaction
            apply_inbound(connection, receipts, now=DAY, cipher=self.cipher, rules=RULES)
        return [SendResult(one.key, "sent", provider_id=f"LP-{one.key}") for one in batch]

    def inbound(self) -> list[Inbound]:
        return []

    def inbound_recorded(self) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize("status", ["delivered", "failed"])
def test_a_receipt_before_the_send_is_recorded_still_counts_the_send(
    engine: Engine, cipher: FieldCipher, status: ReceiptStatus
) -> None:
    """The caps and cadences count what went out: a message delivered (or failed) by its receipt while
    its dispatcher was still recording it was sent all the same, once."""
    book = seed_cardholders(engine, cipher, count=1, consent_outside_hours=True)
    queue_sms(engine, book, count=1, now=DAY)
    config = DispatchConfig(channel="sms", batch_size=10, max_attempts=3, backoff_seconds=30)
    transport: Any = _FastPlatform(engine, cipher, status)
    dispatcher = Dispatcher(
        engine=engine, transport=transport, config=config, policy=load_policy("cn"), cipher=cipher,
        name="http-1", inbound_rules=RULES, now=lambda: DAY,
    )  # fmt: skip

    run([dispatcher], once=True, stop=threading.Event())

    m = table_of(OutboxMessage)
    with engine.connect() as connection:
        found = connection.execute(select(m)).mappings().one()
        contacts = connection.execute(select(func.count()).select_from(table_of(ContactEvent))).scalar_one()
    assert found["status"] == status  # the receipt's word stands
    assert (found["transport"], found["provider_id"]) == ("http", f"LP-{found['idempotency_key']}")
    assert found["sent_at"] is not None and found["attempts"] == 1
    assert (found["claimed_by"], found["claim_until"]) == (None, None)
    assert contacts == 1  # counted once by the caps and cadences


def test_a_receipt_for_a_message_waiting_to_be_retried_records_the_send_it_reports(
    engine: Engine, cipher: FieldCipher
) -> None:
    """The platform took the message but its answer was lost (a timeout: transient, queued again); its
    receipt says it went out: delivered, sent once, no second try."""
    book = seed_cardholders(engine, cipher, count=1)
    queue_sms(engine, book, count=1, now=DAY)
    message_id, key, _ = status_and_key(engine)
    m = table_of(OutboxMessage)
    with engine.begin() as connection:
        connection.execute(m.update().values(attempts=1, last_error="timed out"))

    with engine.begin() as connection:
        apply_inbound(connection, [Receipt("http", "delivered", DAY, key=key)], now=DAY, cipher=cipher,
                      rules=RULES)  # fmt: skip

    with engine.connect() as connection:
        found = connection.execute(select(m).where(m.c.id == message_id)).mappings().one()
        contacts = connection.execute(select(func.count()).select_from(table_of(ContactEvent))).scalar_one()
    assert (found["status"], found["transport"], found["attempts"]) == ("delivered", "http", 1)
    assert found["sent_at"] == DAY and contacts == 1
