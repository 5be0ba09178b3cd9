"""A cardholder's dispute, complaint or hardship request: the service case it opens and the holds the
rulebook asks for, encryption at rest, the audit, and what is refused (amounts, attachments, another's
account)."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidTag
from requests_book import (  # noqa: F401  (fixtures)
    DESK,
    JPEG,
    LIMIT,
    PDF,
    PNG,
    WEBP,
    Holder,
    audit,
    book_fixture,
    fast_password_hashing_fixture,
    holders,
    holds,
    requests_rows,
)
from sqlalchemy import Engine, select

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.contacts import hold_rules
from arrears.contacts.dialling import call_check
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.kit.money import InvalidAmount, parse_amount_fen
from arrears.models import Attachment, table_of
from arrears.portal.requests import CreatedRequest, create_request
from arrears.portal.uploads import UploadRefused, sniffed_type

TEXT = "第 3 期的利息算错了，我已于 11 月 20 日还款 secret-words-4711"


def send(engine: Engine, cipher: FieldCipher, holder: Holder, kind: str, category: str, **more: Any) -> Any:
    values: dict[str, Any] = {"text": TEXT, "amount_fen": None, "attachments": []} | more
    with audit_transaction(engine) as connection:
        return create_request(connection, customer_id=holder.customer_id, account_id=holder.account_id,
                              kind=kind, category=category, cipher=cipher, upload_limit=LIMIT, desk=DESK,
                              now=clock.now(), **values)  # fmt: skip


def test_a_dispute_holds_the_account_and_fraud_every_account(book: Engine, cipher: FieldCipher) -> None:
    holder = holders(book)[0]
    created = send(book, cipher, holder, "dispute", "amount", amount_fen=12_345)
    assert isinstance(created, CreatedRequest) and created.hold_kind == "dispute"
    fraud = send(book, cipher, holder, "dispute", "fraud")
    placed = {hold["id"]: hold for hold in holds(book)}
    assert placed[created.hold_id]["account_id"] == holder.account_id  # the disputed account only
    assert placed[fraud.hold_id]["account_id"] is None  # every account of the customer
    assert {hold["kind"] for hold in placed.values()} == {"dispute"}
    assert all(hold["customer_id"] == holder.customer_id and hold["placed_by_id"] is None
               for hold in placed.values())  # fmt: skip
    rows = requests_rows(book)
    assert [row["hold_id"] for row in rows] == [created.hold_id, fraud.hold_id]
    assert rows[0]["amount_fen"] == 12_345 and rows[0]["status"] == "open"
    entries = audit(book, "hold.placed")
    assert [entry["actor"] for entry in entries] == [f"customer:{holder.customer_id}"] * 2


def test_the_rulebook_then_blocks_a_call(book: Engine, cipher: FieldCipher) -> None:
    holder = holders(book)[0]
    policy, at = load_policy("cn"), (clock.now() + timedelta(days=1)).replace(hour=3)  # 11:00 in Shanghai
    with book.connect() as connection:
        before = call_check(
            connection, account_id=holder.account_id, policy=policy, zone="Asia/Shanghai", at=at
        )
    send(book, cipher, holder, "dispute", "charge")
    with book.connect() as connection:
        after = call_check(
            connection, account_id=holder.account_id, policy=policy, zone="Asia/Shanghai", at=at
        )
    assert "CN-HOLD" not in before.rules and "CN-HOLD" in after.rules and not after.allowed


@pytest.mark.parametrize(
    ("category", "held"),
    [("attitude_abuse", True), ("third_party", True), ("false_threats", True), ("frequency_hours", False),
     ("privacy", False), ("visit_conduct", False)],
)  # fmt: skip
def test_complaints_of_abuse_or_third_parties_hold_the_account(
    book: Engine, cipher: FieldCipher, category: str, held: bool
) -> None:
    holder = holders(book)[0]
    created = send(book, cipher, holder, "complaint", category)
    found = holds(book)
    assert (created.hold_kind, len(found)) == (("complaint", 1) if held else (None, 0))
    if held:  # nobody called the account lately: no one to name, so every contact on it stops
        assert found[0]["kind"] == "complaint" and found[0]["account_id"] == holder.account_id
        assert found[0]["staff_user_id"] is None and found[0]["agency_code"] is None


def test_hardship_places_a_hardship_hold_and_the_policy_s_pause(book: Engine, cipher: FieldCipher) -> None:
    created = send(book, cipher, holders(book)[0], "hardship", "income_loss")
    found = holds(book)
    assert created.hold_kind == "hardship" and [hold["kind"] for hold in found] == [
        "hardship",
        "breathing_space",
    ]
    assert found[0]["expires_at"] is None  # the offer changes until the case closes
    assert timedelta(days=29) < found[1]["expires_at"] - found[1]["placed_at"] <= timedelta(days=30)


def test_a_cardholder_places_only_the_portal_s_holds_and_lifts_none() -> None:
    placeable = hold_rules.placeable_kinds(hold_rules.CARDHOLDER)
    assert set(placeable) == {"dispute", "complaint", "hardship"}
    assert hold_rules.liftable_kinds(hold_rules.CARDHOLDER) == ()


def test_text_and_files_are_encrypted_at_rest(book: Engine, cipher: FieldCipher) -> None:
    files = [PNG, JPEG, PDF]
    created = send(book, cipher, holders(book)[0], "dispute", "interest_fees", attachments=files)
    assert created.attachments == 3
    row = requests_rows(book)[0]
    assert b"secret-words-4711" not in row["text_enc"] and TEXT.encode() not in row["text_enc"]
    assert cipher.decrypt(row["text_enc"]) == TEXT
    f = table_of(Attachment)
    with book.connect() as connection:
        stored = [dict(one) for one in connection.execute(select(f).order_by(f.c.id)).mappings()]
    assert [one["content_type"] for one in stored] == ["image/png", "image/jpeg", "application/pdf"]
    for one, data in zip(stored, files, strict=True):
        assert data[:8] not in one["data_enc"] and one["size"] == len(data)
        assert one["sha256"] == hashlib.sha256(data).hexdigest()
        assert cipher.decrypt_bytes(one["data_enc"]) == data


def test_the_audit_names_the_request_without_its_text(book: Engine, cipher: FieldCipher) -> None:
    holder = holders(book)[0]
    created = send(book, cipher, holder, "dispute", "already_paid", amount_fen=5_000, attachments=[WEBP])
    [entry] = audit(book, "portal.request")
    assert entry["actor"] == f"customer:{holder.customer_id}" and entry["subject_id"] == str(created.id)
    details = json.loads(entry["details"])
    assert details == {"account_id": holder.account_id, "kind": "dispute", "category": "already_paid",
                       "attachments": 1, "amount": True, "hold": "dispute",
                       "case_id": created.case_id}  # fmt: skip
    assert "4711" not in entry["details"] and "5000" not in entry["details"]


@pytest.mark.parametrize("text", ["1e999", "NaN", "-5", "inf", "1,000", "0x10", "12.345", "１００"])
def test_amounts_that_are_not_yuan_are_refused_by_the_form_parser(text: str) -> None:
    with pytest.raises(InvalidAmount, match="amount"):
        parse_amount_fen(text, field="amount")


@pytest.mark.parametrize("amount", [0, -1, 10_000_000_001, 1.5, True, float("nan")])
def test_amounts_out_of_range_are_refused(book: Engine, cipher: FieldCipher, amount: Any) -> None:
    with pytest.raises(InvalidField, match="amount"):
        send(book, cipher, holders(book)[0], "dispute", "amount", amount_fen=amount)
    assert requests_rows(book) == [] and holds(book) == []


@pytest.mark.parametrize(
    ("kind", "category", "more", "field"),
    [("dispute", "fraud", {"text": "  "}, "text"), ("dispute", "fraud", {"text": "x" * 2001}, "text"),
     ("dispute", "privacy", {}, "category"), ("complaint", "privacy", {"amount_fen": 100}, "amount")],
)  # fmt: skip
def test_bad_fields_are_refused_by_name(
    book: Engine, cipher: FieldCipher, kind: str, category: str, more: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        send(book, cipher, holders(book)[0], kind, category, **more)
    assert refused.value.field == field and requests_rows(book) == []


def test_attachments_of_a_wrong_type_or_too_large_or_too_many_are_refused(
    book: Engine, cipher: FieldCipher
) -> None:
    holder = holders(book)[0]
    for files, reason, words in (
        ([PNG, b"GIF89a" + b"\x00" * 50], "type", "attachment 2: wrong type"),
        ([b""], "type", "wrong type"),
        ([PNG[:1] + b"\x00" * 100], "type", "wrong type"),
        ([PNG + b"\x00" * LIMIT], "size", "attachment 1: the file is too large"),
        ([PNG] * 4, "count", "at most 3"),
    ):
        with pytest.raises(UploadRefused) as refused:
            send(book, cipher, holder, "dispute", "charge", attachments=files)
        assert refused.value.reason == reason and words in refused.value.message_en
        assert "附件" in refused.value.message_zh or "最多" in refused.value.message_zh
    assert requests_rows(book) == [] and holds(book) == []


def test_another_customer_s_account_is_not_found(book: Engine, cipher: FieldCipher) -> None:
    mine, theirs = holders(book)
    stranger = Holder(mine.customer_id, theirs.account_id, theirs.account_no)
    with pytest.raises(NotFound):
        send(book, cipher, stranger, "dispute", "fraud")
    assert requests_rows(book) == [] and holds(book) == []


def test_file_types_are_known_by_their_first_bytes_only() -> None:
    assert [sniffed_type(data[:12]) for data in (PNG, JPEG, WEBP, PDF)] == [
        "image/png", "image/jpeg", "image/webp", "application/pdf"
    ]  # fmt: skip
    assert sniffed_type(b"RIFF\x00\x00\x00\x00WAVE") is None and sniffed_type(b"%PDF") is None


def test_bytes_encryption_round_trips_and_detects_tampering(cipher: FieldCipher) -> None:
    token = cipher.encrypt_bytes(b"\x00\xffdata")
    assert cipher.decrypt_bytes(token) == b"\x00\xffdata" and token != cipher.encrypt_bytes(b"\x00\xffdata")
    with pytest.raises(InvalidTag):
        cipher.decrypt_bytes(token[:-1] + bytes([token[-1] ^ 1]))
