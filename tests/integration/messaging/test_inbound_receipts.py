"""Receipts: applied to their message by provider id or key, never backwards, unknown ones kept; a
contact point's permanent failures counted, invalid at the limit (audited), reset by a delivery."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from inbound_book import NOW, Book, add_message, events, message, point, seed
from sqlalchemy import Engine, func, select

from arrears.audit.repository import AuditLog, audit_transaction
from arrears.kit.crypto import FieldCipher
from arrears.messaging.inbound import InboundSummary, apply_inbound
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.transport import Inbound, Receipt
from arrears.models import InboundMessage, table_of

RULES = rules_of(keywords="退订,TD,T,STOP,N", invalid_after=3)
LATER = NOW + timedelta(minutes=5)


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher, tmp_path: Path) -> Book:
    return seed(engine, cipher)


def apply(engine: Engine, cipher: FieldCipher, events_: Sequence[Inbound]) -> InboundSummary:
    with audit_transaction(engine) as connection:
        return apply_inbound(connection, events_, now=LATER, cipher=cipher, rules=RULES)


def receipt(
    status: str, *, provider_id: str | None = "p-1", key: str | None = None, **more: object
) -> Receipt:
    return Receipt(transport="smpp", status=status, at=NOW, provider_id=provider_id, key=key, **more)  # type: ignore[arg-type]


def inbound_rows(engine: Engine) -> list[tuple[str, bool, str | None]]:
    i = table_of(InboundMessage)
    with engine.connect() as connection:
        rows = connection.execute(select(i.c.kind, i.c.matched, i.c.outcome).order_by(i.c.id))
        return [(r.kind, bool(r.matched), r.outcome) for r in rows]


def test_a_delivery_receipt_updates_its_message_and_adds_an_event(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    sent = add_message(engine, book, key="k1", provider_id="p-1")

    summary = apply(engine, cipher, [receipt("delivered")])

    found = message(engine, sent)
    assert (found["status"], found["delivered_at"]) == ("delivered", NOW)
    assert events(engine, sent) == ["delivered"]
    assert summary.applied == 1 and summary.unknown == 0
    assert inbound_rows(engine) == [("receipt", True, "applied")]


def test_a_receipt_names_its_message_by_key_before_the_provider_id_is_stored(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    sending = add_message(engine, book, key="k1", status="sending")

    apply(engine, cipher, [receipt("failed", provider_id="p-9", key="k1", reason="unknown subscriber")])

    found = message(engine, sent := sending)
    assert (found["status"], found["provider_id"], found["last_error"]) == (
        "failed",
        "p-9",
        "unknown subscriber",
    )
    assert found["finished_at"] == NOW and events(engine, sent) == ["failed"]


def test_a_late_receipt_never_moves_a_message_back(engine: Engine, cipher: FieldCipher, book: Book) -> None:
    sent = add_message(engine, book, key="k1", provider_id="p-1")
    apply(engine, cipher, [receipt("delivered")])

    summary = apply(engine, cipher, [receipt("expired"), receipt("failed"), receipt("unknown")])

    assert message(engine, sent)["status"] == "delivered" and events(engine, sent) == ["delivered"]
    assert summary == InboundSummary(ignored=3)
    assert [row[2] for row in inbound_rows(engine)] == ["applied", "ignored", "ignored", "ignored"]


def test_an_unknown_receipt_is_counted_and_kept(engine: Engine, cipher: FieldCipher, book: Book) -> None:
    summary = apply(
        engine, cipher, [receipt("delivered", provider_id="nobody"), receipt("failed", provider_id=None)]
    )

    assert summary == InboundSummary(unknown=2)
    assert inbound_rows(engine) == [("receipt", False, "unknown"), ("receipt", False, "unknown")]


def _fail(
    engine: Engine, cipher: FieldCipher, book: Book, n: int, *, permanent: bool = True
) -> InboundSummary:
    add_message(engine, book, key=f"f{n}", provider_id=f"f{n}")
    return apply(engine, cipher, [receipt("failed", provider_id=f"f{n}", reason="550", permanent=permanent)])


def test_the_third_permanent_failure_makes_the_mobile_invalid_audited(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    _fail(engine, cipher, book, 1)
    _fail(engine, cipher, book, 2, permanent=False)  # a transient failure does not count
    _fail(engine, cipher, book, 3)
    assert point(engine, book.mobile_id)["invalid_at"] is None

    summary = _fail(engine, cipher, book, 4)

    found = point(engine, book.mobile_id)
    assert (found["failed_sends"], found["invalid_at"]) == (3, LATER)
    assert summary.invalidated == 1 and inbound_rows(engine)[-1] == ("receipt", True, "invalid")
    with engine.connect() as connection:
        last = AuditLog(connection).last()
    assert last is not None and (last.action, last.subject_id) == (
        "contact_point.invalidated",
        str(book.mobile_id),
    )
    assert _fail(engine, cipher, book, 5).invalidated == 0  # invalid once, audited once


def test_a_delivery_resets_the_failure_count(engine: Engine, cipher: FieldCipher, book: Book) -> None:
    _fail(engine, cipher, book, 1)
    _fail(engine, cipher, book, 2)
    add_message(engine, book, key="ok", provider_id="ok")
    apply(engine, cipher, [receipt("delivered", provider_id="ok")])
    assert point(engine, book.mobile_id)["failed_sends"] == 0

    _fail(engine, cipher, book, 3)
    _fail(engine, cipher, book, 4)

    assert point(engine, book.mobile_id)["invalid_at"] is None


def test_one_batch_applies_the_first_final_receipt_of_a_message(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    sent = add_message(engine, book, key="k1", provider_id="p-1")
    other = add_message(engine, book, key="k2", provider_id="p-2")

    summary = apply(
        engine, cipher, [receipt("delivered"), receipt("failed"), receipt("expired", provider_id="p-2")]
    )

    assert summary == InboundSummary(applied=2, ignored=1)
    assert (message(engine, sent)["status"], message(engine, other)["status"]) == ("delivered", "expired")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(table_of(InboundMessage))).scalar() == 3
