"""Free text in the case file and the callbacks: masked for a reader without ``pii:reveal`` (the
patterns and the cardholder's own known values), as written for one with it; on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, insert, select

from arrears.accounts.case_file import case_file
from arrears.contacts.callbacks import open_callbacks
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AppUser,
    Callback,
    CardAccount,
    ContactEvent,
    ContactPoint,
    Customer,
    Hold,
    table_of,
)
from web_book import build_book

AT = datetime(2026, 11, 24, 2, tzinfo=UTC)


@pytest.fixture
def written(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> dict[str, Any]:
    """The first account, its cardholder's personal data in clear, and a hold reason, a call note, a
    visit note and a callback note that carry all of it."""
    build_book(engine, tmp_path, cipher)
    a, c, p, u = table_of(CardAccount), table_of(Customer), table_of(ContactPoint), table_of(AppUser)
    with engine.begin() as connection:
        account = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id)).first()
        assert account is not None
        name, national_enc = connection.execute(
            select(c.c.name, c.c.national_id_enc).where(c.c.id == account.customer_id)
        ).one()
        points = {row.kind: cipher.decrypt(row.value_enc) for row in connection.execute(
            select(p.c.kind, p.c.value_enc).where(p.c.customer_id == account.customer_id))}  # fmt: skip
        clear = [name, cipher.decrypt(national_enc), points["mobile"], points["home_address"]]
        text = f"{clear[0]}，身份证{clear[1]}，电话 {clear[2]}，住{clear[3]}"
        ids = {"account_id": account.id, "customer_id": account.customer_id}
        connection.execute(insert(table_of(Hold)).values(kind="dispute", reason=text, placed_at=AT, **ids))
        for channel in ("call", "visit"):
            connection.execute(insert(table_of(ContactEvent)).values(
                at=AT, channel=channel, party="debtor", connected=True, conversation=True, outcome="promise",
                notes=text, **ids))  # fmt: skip
        user = connection.execute(select(u.c.id).where(u.c.username == "collector1")).scalar_one()
        connection.execute(
            insert(table_of(Callback)).values(user_id=user, due_at=AT, note=text, created_at=AT, **ids)
        )
    return {"account": account.id, "user": user, "clear": clear, "text": text}


def texts(found: dict[str, Any]) -> list[str]:
    return [hold["reason"] for hold in found["holds"]] + [
        item["note"] for item in found["timeline"] if item.get("note")
    ]


def test_the_case_file_masks_free_text_by_default(
    engine: Engine, written: dict[str, Any], cipher: FieldCipher
) -> None:
    with engine.connect() as connection:
        found = case_file(connection, written["account"], cipher=cipher)
    assert found is not None and len(texts(found)) == 3
    for text in texts(found):
        assert not [value for value in written["clear"] if value in text], text
        assert "*" in text


def test_without_the_cipher_the_patterns_and_the_name_are_still_masked(
    engine: Engine, written: dict[str, Any]
) -> None:
    with engine.connect() as connection:
        found = case_file(connection, written["account"])
    assert found is not None
    name, national_id, mobile, _ = written["clear"]
    assert all(name not in text and national_id not in text and mobile not in text for text in texts(found))


def test_a_reader_who_may_reveal_sees_the_text_as_written(
    engine: Engine, written: dict[str, Any], cipher: FieldCipher
) -> None:
    with engine.connect() as connection:
        found = case_file(connection, written["account"], clear_text=True, cipher=cipher)
    assert found is not None and texts(found) == [written["text"]] * 3


def test_callback_notes_are_masked_unless_the_reader_may_reveal(
    engine: Engine, written: dict[str, Any], cipher: FieldCipher
) -> None:
    with engine.connect() as connection:
        masked = open_callbacks(connection, user_id=written["user"], cipher=cipher)
        clear = open_callbacks(connection, user_id=written["user"], clear_text=True, cipher=cipher)
    assert [row["note"] for row in clear] == [written["text"]]
    assert not [value for value in written["clear"] if value in masked[0]["note"]]
