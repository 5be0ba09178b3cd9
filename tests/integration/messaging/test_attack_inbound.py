"""Receipts and replies from a hostile or careless world: the same call and conflicting calls at once
(on SQLite and PostgreSQL), receipts that name a message of another transport or channel (a forged
bounce, a push platform's id that is also an SMSC's), a number shared by two customers, and the
personal data and secrets that must never reach a log or an answer."""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inbound_book import MOBILE, NAME, NOW, Book, add_message, events, message, point, seed
from mail_tags import TAGS
from pydantic import SecretStr
from sqlalchemy import Engine, func, insert, select

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.messaging import webhook
from arrears.messaging.dsn import read_mail
from arrears.messaging.inbound import apply_inbound
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.signing import signed_headers
from arrears.messaging.transport import Inbound, Receipt
from arrears.models import AuditEvent, Callback, ContactPoint, InboundMessage, table_of
from arrears.web.app import create_app
from fixed_keys import TEST_KEY

RULES = rules_of(keywords="退订,TD,T,STOP,N", invalid_after=3)
SMS_KEY, PUSH_KEY = "attack-sms-key-0123456789", "attack-push-key-0123456789"
PARALLEL = 20


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> Book:
    return seed(engine, cipher)


def signed_call(
    events_: Sequence[dict[str, Any]], *, channel: webhook.WebhookChannel = "sms"
) -> webhook.Call:
    """A call as the endpoint reads it: signed now, with a nonce of its own."""
    body = json.dumps({"events": list(events_)}, ensure_ascii=False).encode()
    key = (SMS_KEY if channel == "sms" else PUSH_KEY).encode()
    at = datetime.now(UTC)
    headers = signed_headers(key=key, body=body, now=at, nonce=secrets.token_hex(16))
    return webhook.read_call(channel=channel, key=key, headers=headers, body=body, now=at, window_seconds=300)


def receive(engine: Engine, cipher: FieldCipher, call: webhook.Call) -> None:
    """What the endpoint does with a verified call: its own transaction."""
    with engine.begin() as connection:
        webhook.receive(connection, call, now=datetime.now(UTC), cipher=cipher, rules=RULES)


def at_once(work: Sequence[Callable[[], None]]) -> list[BaseException]:
    """Runs every piece of work in its own thread, all released together; the errors raised."""
    barrier, errors = threading.Barrier(len(work)), []

    def run(one: Callable[[], None]) -> None:
        barrier.wait()
        try:
            one()
        except BaseException as error:  # collected and asserted on
            errors.append(error)

    threads = [threading.Thread(target=run, args=(one,)) for one in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def receipt_event(status: str, **more: Any) -> dict[str, Any]:
    return {"type": "receipt", "status": status, "at": datetime.now(UTC).isoformat(), **more}


def reply_event(text: str, provider_id: str, sender: str = MOBILE) -> dict[str, Any]:
    return {"type": "reply", "provider_id": provider_id, "from": sender, "text": text,
            "at": datetime.now(UTC).isoformat()}  # fmt: skip


def count(engine: Engine, model: type, *where: Any) -> int:
    table = table_of(model)
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one())


# --- the same call, and conflicting calls, at once ---------------------------------------------------


def test_receipts_delivered_and_failed_at_once_end_the_message_once(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    sent = add_message(engine, book, key="k1", provider_id="LP1", transport="http")
    calls = [
        signed_call([receipt_event("delivered" if n % 2 else "failed", provider_id="LP1", code="UNDELIV")])
        for n in range(PARALLEL)
    ]

    assert at_once([partial(receive, engine, cipher, call) for call in calls]) == []

    final = message(engine, sent)["status"]
    assert final in ("delivered", "failed")
    assert events(engine, sent) == [final]
    assert point(engine, book.mobile_id)["failed_sends"] == (1 if final == "failed" else 0)
    outcomes = table_of(InboundMessage).c.outcome
    assert count(engine, InboundMessage, outcomes.in_(("applied", "invalid"))) == 1
    assert count(engine, InboundMessage, outcomes == "ignored") == PARALLEL - 1


def test_one_reply_posted_twenty_times_at_once_makes_one_task(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    calls = [signed_call([reply_event("下周一还款", "MO-same")]) for _ in range(PARALLEL)]

    assert at_once([partial(receive, engine, cipher, call) for call in calls]) == []

    assert count(engine, Callback) == 1
    assert count(engine, InboundMessage, table_of(InboundMessage).c.kind == "reply") == 1


def test_twenty_opt_outs_from_one_number_at_once_are_audited_once(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    calls = [signed_call([reply_event("TD", f"MO-{n}")]) for n in range(PARALLEL)]

    assert at_once([partial(receive, engine, cipher, call) for call in calls]) == []

    assert point(engine, book.mobile_id)["opted_out"] is True
    assert count(engine, AuditEvent, table_of(AuditEvent).c.action == "contact_point.opted_out") == 1


def test_receipts_naming_two_messages_crosswise_at_once_all_apply(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    """One call names A by its provider id and B by its key, the other the reverse: neither may wait
    on the other in a cycle (a deadlock answers 500 and the platform has to retry)."""
    pairs = []
    for n in range(PARALLEL // 2):
        first = add_message(engine, book, key=f"a{n}", provider_id=f"PA{n}", transport="http")
        second = add_message(engine, book, key=f"b{n}", provider_id=f"PB{n}", transport="http")
        pairs.append((first, second))
    calls = []
    for n in range(PARALLEL // 2):
        calls.append(signed_call([receipt_event("delivered", provider_id=f"PB{n}"),
                                  receipt_event("delivered", client_ref=f"a{n}")]))  # fmt: skip
        calls.append(signed_call([receipt_event("failed", provider_id=f"PA{n}"),
                                  receipt_event("failed", client_ref=f"b{n}")]))  # fmt: skip

    assert at_once([partial(receive, engine, cipher, call) for call in calls]) == []

    for first, second in pairs:
        assert message(engine, first)["status"] in ("delivered", "failed")
        assert message(engine, second)["status"] in ("delivered", "failed")


# --- a receipt for a message of another transport or channel ------------------------------------------


def test_a_push_receipt_never_moves_an_sms_message_with_the_same_provider_id(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    """SMSC ids are short counters: the notice platform's id ``42`` may well be an SMSC's too."""
    sms = add_message(engine, book, key="run:1:sms", provider_id="42", transport="smpp")

    receive(engine, cipher, signed_call([receipt_event("failed", provider_id="42")], channel="push"))

    assert message(engine, sms)["status"] == "sent" and events(engine, sms) == []
    assert point(engine, book.mobile_id)["failed_sends"] == 0


def test_a_push_receipt_naming_an_sms_message_by_its_key_changes_nothing(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    unsent: Any = None  # no transport yet
    queued = add_message(engine, book, key="run:2:sms", status="queued", transport=unsent)

    receive(engine, cipher, signed_call([receipt_event("delivered", client_ref="run:2:sms")], channel="push"))

    assert message(engine, queued)["status"] == "queued"  # still to be sent, not "delivered" unsent


def test_a_forged_bounce_naming_an_sms_key_fails_no_sms_and_spares_the_mobile(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    """Anyone may mail the bounce address; the keys are predictable. A DSN can only speak of e-mail."""
    sms = add_message(engine, book, key="run:2026-11-24:1:sms", provider_id="P7", transport="smpp")
    dsn = (
        (Path(__file__).parents[2] / "unit/messaging/data/postfix_failed.eml")
        .read_bytes()
        .replace(
            b"Reporting-MTA: dns; mail.bank.example",
            b"Reporting-MTA: dns; mail.bank.example\nOriginal-Envelope-Id: "
            + TAGS.tag("run:2026-11-24:1:sms").encode(),  # even a tag of ours
        )
    )
    read = read_mail(dsn, received_at=NOW, tags=TAGS)
    assert read.kind == "bounce"
    forged = [
        *read.events,
        Receipt(transport="smtp", status="failed", at=NOW, provider_id="P7", permanent=True),
    ]

    for _ in range(RULES.invalid_after):
        with engine.begin() as connection:
            apply_inbound(connection, forged, now=NOW, cipher=cipher, rules=RULES)

    assert message(engine, sms)["status"] == "sent" and events(engine, sms) == []
    found = point(engine, book.mobile_id)
    assert (found["failed_sends"], found["invalid_at"]) == (0, None)


def test_a_receipt_still_finds_its_message_sent_by_the_same_transport_or_not_yet_recorded(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    """The guard above keeps the ordinary cases: same transport by provider id; a message whose send
    was not recorded yet (crash after sending) by its key, from a transport of its channel."""
    by_id = add_message(engine, book, key="e1", channel="email", provider_id="Q1", transport="smtp")
    unsent: Any = None  # the send not recorded yet
    unrecorded = add_message(engine, book, key="e2", channel="email", status="sending", transport=unsent)
    late: list[Inbound] = [
        Receipt(transport="smtp", status="delivered", at=NOW, provider_id="Q1"),
        Receipt(transport="smtp", status="delivered", at=NOW, key="e2"),
    ]
    with engine.begin() as connection:
        summary = apply_inbound(connection, late, now=NOW, cipher=cipher, rules=RULES)

    assert summary.applied == 2
    assert message(engine, by_id)["status"] == message(engine, unrecorded)["status"] == "delivered"


# --- a number shared by two customers -----------------------------------------------------------------


def test_a_reply_from_a_number_two_customers_share(engine: Engine, cipher: FieldCipher, book: Book) -> None:
    """The second customer's own mobile is ``MOBILE`` too: the number's holder asked to stop, so the
    number stops for both; any other reply goes to the account last written to from that number."""
    other = seed(engine, cipher, number=2)
    p = table_of(ContactPoint)
    with engine.begin() as connection:
        shared = connection.execute(insert(p).values(
            customer_id=other.customer_id, kind="mobile", value_enc=cipher.encrypt(MOBILE),
            value_hash=cipher.lookup_hash(MOBILE), value_masked="138****5678", created_at=NOW,
        ).returning(p.c.id)).scalar_one()  # fmt: skip
    add_message(engine, other, key="o1", provider_id="O1", contact_point_id=shared)
    receive(engine, cipher, signed_call([reply_event("什么时候截止？", "MO-a")]))
    receive(engine, cipher, signed_call([reply_event("退订", "MO-b")]))

    c = table_of(Callback)
    with engine.connect() as connection:
        [task] = connection.execute(select(c.c.account_id, c.c.note)).all()
    assert task.account_id == other.account_id and NAME not in task.note
    assert point(engine, book.mobile_id)["opted_out"] and point(engine, shared)["opted_out"]
    assert not point(engine, other.mobile_id)["opted_out"]


# --- personal data and secrets never logged nor answered ----------------------------------------------


def test_no_mobile_name_or_key_reaches_a_log_or_an_answer(
    engine: Engine, book: Book, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(data_dir=tmp_path, encryption_key=SecretStr(base64.b64encode(TEST_KEY).decode()),
                        sms_hmac_key=SecretStr(SMS_KEY), push_hmac_key=SecretStr(PUSH_KEY))  # fmt: skip
    site = TestClient(create_app(settings, engine=engine), raise_server_exceptions=False)
    failed = add_message(engine, book, key="k9", provider_id="P9", transport="http")
    bodies = [
        {"events": [reply_event(f"{NAME} {MOBILE} li.si@example.com 退订。", "MO-x")]},
        {"events": [reply_event("hi", "MO-y", sender=MOBILE * 4)]},  # too long: refused, not echoed
        {"events": [receipt_event("failed", provider_id="P9", reason=f"{MOBILE} {NAME} 空号")]},
        {"events": [{"type": MOBILE, "from": MOBILE}]},
        {"events": [receipt_event("delivered", provider_id="P9", at=MOBILE)]},
    ]
    answers = []
    with caplog.at_level(logging.DEBUG):
        for body in bodies:
            raw = json.dumps(body, ensure_ascii=False).encode()
            at = datetime.now(UTC)
            headers = signed_headers(key=SMS_KEY.encode(), body=raw, now=at, nonce=secrets.token_hex(16))
            answers.append(site.post("/api/v1/webhooks/sms", content=raw, headers=headers))
        wrong = signed_headers(key=b"guess", body=b"{}", now=datetime.now(UTC), nonce=secrets.token_hex(16))
        answers.append(site.post("/api/v1/webhooks/sms", content=b"{}", headers=wrong))

    assert [answer.status_code for answer in answers] == [200, 400, 200, 400, 400, 400]
    said = caplog.text + "".join(answer.text for answer in answers)
    for secret in (MOBILE, "5678", NAME, "li.si@", SMS_KEY, PUSH_KEY):
        assert secret not in said
    assert MOBILE not in message(engine, failed)["last_error"]  # the provider's reason, masked


def test_a_stale_receipt_from_before_the_message_was_sent_is_kept_not_applied_backwards(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    """A receipt dated 1900 or 2999 (allowed by the contract) moves nothing backwards and breaks nothing."""
    sent = add_message(engine, book, key="k5", provider_id="P5", transport="http")
    receive(engine, cipher, signed_call([receipt_event("delivered", provider_id="P5",
                                                       at="2999-12-31T23:59:59+00:00")]))  # fmt: skip
    receive(engine, cipher, signed_call([receipt_event("failed", provider_id="P5",
                                                       at="1900-01-01T00:00:00+00:00")]))  # fmt: skip

    assert message(engine, sent)["status"] == "delivered"
    assert events(engine, sent) == ["delivered"]


def test_a_receipt_dated_in_the_future_ends_its_message_now_not_then(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    """A platform's clock in 2999 (or an SMSC's local time read as UTC) must not hide a failure from
    the outbox page's day until then: a receipt's time is at most the time it was applied."""
    failed = add_message(engine, book, key="k6", provider_id="P6", transport="http")
    delivered = add_message(engine, book, key="k7", provider_id="P7", transport="http")
    future = datetime(2999, 12, 31, 23, 59, 59, tzinfo=UTC)
    late: list[Inbound] = [Receipt("http", "failed", future, provider_id="P6", permanent=False),
                           Receipt("http", "delivered", future, provider_id="P7")]  # fmt: skip

    with engine.begin() as connection:
        apply_inbound(connection, late, now=NOW, cipher=cipher, rules=RULES)

    assert message(engine, failed)["finished_at"] == NOW
    assert message(engine, delivered)["delivered_at"] == NOW
