"""Replies: an opt-out keyword opts the sender's point out at once (audited) and the rulebook blocks
the next message; any other reply becomes a callback for the account's collector, its text masked;
unknown senders and repeated replies are kept and change nothing."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from inbound_book import EMAIL, MOBILE, NOW, Book, add_message, point, seed
from sqlalchemy import Engine, insert, select

from arrears.audit.repository import AuditLog, audit_transaction
from arrears.compliance import load_policy
from arrears.contacts.dialling import check_contact
from arrears.kit.crypto import FieldCipher
from arrears.messaging.inbound import InboundSummary, apply_inbound
from arrears.messaging.inbound_rules import rules_of
from arrears.messaging.transport import Inbound, Reply
from arrears.models import Callback, ContactEvent, InboundMessage, table_of

RULES = rules_of(keywords="退订,TD,T,STOP,N", invalid_after=3)
LATER = NOW + timedelta(minutes=5)
NATIONAL_ID = "110101199003071234"


@pytest.fixture
def book(engine: Engine, cipher: FieldCipher) -> Book:
    return seed(engine, cipher)


def apply(engine: Engine, cipher: FieldCipher, events: Sequence[Inbound]) -> InboundSummary:
    with audit_transaction(engine) as connection:
        return apply_inbound(connection, events, now=LATER, cipher=cipher, rules=RULES)


def sms(text: str, *, sender: str = "+86 138 1234 5678", provider_id: str | None = None) -> Reply:
    return Reply(transport="smpp", channel="sms", sender=sender, text=text, at=NOW, provider_id=provider_id)


def inbound(engine: Engine) -> list[dict[str, Any]]:
    i = table_of(InboundMessage)
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(i).order_by(i.c.id)).mappings()]


def callbacks(engine: Engine) -> list[dict[str, Any]]:
    c = table_of(Callback)
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(c).order_by(c.c.id)).mappings()]


def sms_check(engine: Engine, book: Book, policy: str) -> Any:
    with engine.connect() as connection:
        rulebook = load_policy(policy)
        return check_contact(connection, account_id=book.account_id, channel="sms", policy=rulebook,
                             zone="Asia/Shanghai", at=LATER)  # fmt: skip


def test_an_opt_out_reply_opts_the_mobile_out_at_once_and_the_rulebook_blocks(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    assert sms_check(engine, book, "cn").allowed

    summary = apply(engine, cipher, [sms(" ＴＤ ")])

    assert summary == InboundSummary(opt_outs=1)
    mobile, email = point(engine, book.mobile_id), point(engine, book.email_id)
    assert (mobile["opted_out"], mobile["opted_out_at"]) == (True, LATER)
    assert not email["opted_out"]  # the e-mail channel stays open
    assert "CN-OPT-OUT" in sms_check(engine, book, "cn").rules
    assert "US-OPT-OUT" in sms_check(engine, book, "us").rules
    with engine.connect() as connection:
        last = AuditLog(connection).last()
    assert last is not None and (last.action, last.subject_id) == (
        "contact_point.opted_out",
        str(book.mobile_id),
    )
    row = inbound(engine)[0]
    assert (row["kind"], row["matched"], row["outcome"]) == ("reply", True, "opt_out")
    assert row["sender_hash"] == cipher.lookup_hash(MOBILE)
    assert MOBILE not in str(inbound(engine)) and "+86" not in str(inbound(engine))


def test_an_email_stop_opts_the_address_out_not_the_mobile(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    reply = Reply(transport="smtp", channel="email", sender=f"李四 <{EMAIL.title()}>", text="stop", at=NOW)

    apply(engine, cipher, [reply])

    assert point(engine, book.email_id)["opted_out"] and not point(engine, book.mobile_id)["opted_out"]


def test_a_second_opt_out_is_not_audited_again(engine: Engine, cipher: FieldCipher, book: Book) -> None:
    apply(engine, cipher, [sms("退订")])
    with engine.connect() as connection:
        before = AuditLog(connection).last()

    assert apply(engine, cipher, [sms("T")]).opt_outs == 1

    with engine.connect() as connection:
        assert AuditLog(connection).last() == before
    assert point(engine, book.mobile_id)["opted_out_at"] == LATER


def _worked_by(engine: Engine, book: Book, user_id: int) -> None:
    with engine.begin() as connection:
        connection.execute(insert(table_of(ContactEvent)).values(
            account_id=book.account_id, customer_id=book.customer_id, user_id=user_id,
            at=NOW - timedelta(days=1), channel="call", party="debtor", connected=True, conversation=True,
            outcome="right_party",
        ))  # fmt: skip


def test_another_reply_becomes_a_callback_for_the_collector_who_worked_the_account(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    _worked_by(engine, book, book.collector_id)
    add_message(engine, book, key="k1", provider_id="p-1")

    summary = apply(engine, cipher, [sms(f"李四下周还，身份证{NATIONAL_ID}，电话{MOBILE}")])

    assert summary == InboundSummary(tasks=1)
    [task] = callbacks(engine)
    assert (task["user_id"], task["account_id"], task["status"], task["due_at"]) == (
        book.collector_id, book.account_id, "open", LATER,
    )  # fmt: skip
    assert task["note"].startswith("[reply]") and "下周还" in task["note"]
    for clear in (NATIONAL_ID, MOBILE, "李四"):
        assert clear not in task["note"] and clear not in str(inbound(engine))
    assert inbound(engine)[0]["outcome"] == "task" and inbound(engine)[0]["account_id"] == book.account_id


def test_a_reply_nobody_worked_on_waits_unassigned(engine: Engine, cipher: FieldCipher, book: Book) -> None:
    apply(engine, cipher, [sms("什么意思？")])

    [task] = callbacks(engine)
    assert task["user_id"] is None and task["account_id"] == book.account_id


def test_a_reply_from_an_unknown_sender_is_kept_and_changes_nothing(
    engine: Engine, cipher: FieldCipher, book: Book
) -> None:
    summary = apply(engine, cipher, [sms("退订", sender="13900000000"), sms("hi", sender="not a number")])

    assert summary == InboundSummary(unknown=2)
    assert [(r["matched"], r["outcome"]) for r in inbound(engine)] == [(False, "unknown"), (False, "unknown")]
    assert not point(engine, book.mobile_id)["opted_out"] and callbacks(engine) == []


def test_a_reply_delivered_twice_makes_one_task(engine: Engine, cipher: FieldCipher, book: Book) -> None:
    apply(engine, cipher, [sms("好的", provider_id="mo-1")])

    assert apply(engine, cipher, [sms("好的", provider_id="mo-1")]) == InboundSummary(duplicates=1)

    assert len(callbacks(engine)) == 1 and len(inbound(engine)) == 1
