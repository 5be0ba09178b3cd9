"""Previewing a strategy on the book in the store (SQLite and PostgreSQL): every account is counted
once, in the segment its delinquency and holds put it in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, insert

from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.models import CardAccount, Hold, PromiseToPay, table_of
from arrears.strategy.load import load_strategy
from arrears.strategy.preview import preview_book, summary
from uci_cases import uci_head

AS_OF = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, tzinfo=UTC)
DEFAULT = load_strategy("default").strategy


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    uci.write_extract(uci_head(400), tmp_path / "extract", as_of=AS_OF)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=AS_OF, cipher=cipher, now=NOW)
    return engine


def test_every_account_is_counted_once_in_its_segment(book: Engine) -> None:
    with book.begin() as connection:
        account = connection.execute(
            table_of(CardAccount).select().where(table_of(CardAccount).c.dpd > 0).limit(1)
        ).first()
        assert account is not None
        placed = NOW.replace(year=2005, month=9)
        hold = {"customer_id": account.customer_id, "kind": "dispute", "reason": "test", "placed_at": placed}
        connection.execute(insert(table_of(Hold)).values(account_id=None, **hold))
    with book.connect() as connection:
        day, segmented = preview_book(connection, DEFAULT, as_of=None, model_directory=None)
    assert day == AS_OF and segmented.height == 400
    assert segmented.filter(pl.col("account_id") == account.id)["segment"].item() == "on_hold"
    late = segmented.filter(~pl.col("hold") & (pl.col("dpd") >= 31) & (pl.col("dpd") <= 60))
    assert set(late["segment"]) <= {"m2"}
    assert (
        segmented.filter(pl.col("dpd") == 0)["segment"].null_count()
        == segmented.filter(pl.col("dpd") == 0).height
    )
    rows = summary(segmented, DEFAULT, locale="en")
    assert rows["accounts"].sum() == 400
    assert rows["balance_fen"].sum() == segmented["balance_fen"].sum()
    assert "no segment" in rows["label"].to_list()


def test_a_book_date_without_a_snapshot_is_refused(book: Engine) -> None:
    with book.connect() as connection, pytest.raises(NotFound, match="no delinquency snapshot on 2001-01-01"):
        preview_book(connection, DEFAULT, as_of=date(2001, 1, 1), model_directory=None)


def test_a_broken_promise_shows_as_an_escalation(book: Engine) -> None:
    with book.begin() as connection:
        late = connection.execute(
            table_of(CardAccount).select().where(table_of(CardAccount).c.dpd.between(16, 30)).limit(1)
        ).first()
        assert late is not None
        promise = {
            "account_id": late.id,
            "amount_fen": 10_000,
            "taken_on": date(2005, 9, 15),
            "promised_date": date(2005, 9, 25),
            "status": "broken",
            "created_at": NOW,
        }
        connection.execute(insert(table_of(PromiseToPay)).values(**promise))
    with book.connect() as connection:
        _, segmented = preview_book(connection, DEFAULT, as_of=None, model_directory=None)
    row = segmented.filter(pl.col("account_id") == late.id)
    assert row["escalated"].item() is True and row["treatment"].item() == "phone_m2"
    assert summary(segmented, DEFAULT)["escalated"].sum() == 1
