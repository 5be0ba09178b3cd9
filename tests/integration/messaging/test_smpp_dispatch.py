"""The dispatcher over SMPP, on SQLite and PostgreSQL: queued SMS reach the local SMSC once, their
receipts mark them delivered, and a reply to opt out is applied (tests/support/local_smsc.py)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from local_smsc import LocalSmsc
from outbox_seed import mobile, queue_sms, seed_cardholders, statuses
from sqlalchemy import Engine, select, update

from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.messaging.dispatcher import DispatchConfig, Dispatcher, Tally, run
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.transports.smpp import SmppTransport
from arrears.models import ContactPoint, Customer, table_of

DAY = datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def smsc() -> Iterator[LocalSmsc]:
    with LocalSmsc() as server:
        yield server


def test_queued_sms_go_once_and_come_back_delivered_and_a_reply_opts_out(
    engine: Engine, cipher: FieldCipher, smsc: LocalSmsc
) -> None:
    book = seed_cardholders(engine, cipher, count=3, consent_outside_hours=True)
    with engine.begin() as connection:  # a reply's text is masked with the sender's data: make it readable
        customer = table_of(Customer)
        connection.execute(update(customer).values(national_id_enc=cipher.encrypt("110101199001011234")))
    keys = queue_sms(engine, book, count=6, now=DAY)
    transport = SmppTransport.from_url(smsc.url, settings=Settings(sms_smpp_timeout_seconds=3))
    config = DispatchConfig(channel="sms", batch_size=4, max_attempts=3, backoff_seconds=30)
    rules = rules_of(keywords="TD", invalid_after=3)
    dispatcher = Dispatcher(engine=engine, transport=transport, config=config, policy=load_policy("cn"),
                            cipher=cipher, name="smpp-1", inbound_rules=rules, now=lambda: DAY)  # fmt: skip
    try:
        first = run([dispatcher], once=True, stop=threading.Event())  # drains the receipts that came already
        assert first.sent == 6 and statuses(engine)["sent"] + statuses(engine)["delivered"] == 6
        assert sorted(part.key or "" for part in smsc.parts) == sorted(keys)
        assert {m.destination for m in smsc.messages} == {mobile(n) for n in (1, 2, 3)}

        smsc.send_mo(mobile(2), "TD", data_coding=0)
        tally = Tally()
        deadline = time.monotonic() + 5
        while first.inbound + tally.inbound < 7 and time.monotonic() < deadline:
            dispatcher.drain_inbound(tally)
            time.sleep(0.02)
        assert statuses(engine) == {"delivered": 6}
        assert first.inbound + tally.inbound == 7  # six receipts and the reply
        point = table_of(ContactPoint)
        with engine.connect() as connection:
            opted = connection.execute(select(point.c.id).where(point.c.opted_out.is_(True))).scalars().all()
        assert opted == [book[1][2]]  # the second cardholder's mobile, at once
    finally:
        transport.close()
