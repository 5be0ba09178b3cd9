"""Scoring input from the store, on SQLite and PostgreSQL: the UCI sample round-trips through it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine

from arrears.accounts.service import refresh_delinquency
from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.scoring.data import LABEL
from arrears.scoring.store import store_accounts, store_training_accounts
from uci_cases import uci_head

AS_OF = date(2005, 10, 1)
NOW = datetime(2026, 11, 24, tzinfo=UTC)
ROWS = 300


@pytest.fixture
def sample(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> pl.DataFrame:
    frame = uci_head(ROWS)
    uci.write_extract(frame, tmp_path / "extract", as_of=AS_OF)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=AS_OF, cipher=cipher, now=NOW)
    return frame


def by_client(layout: pl.DataFrame) -> pl.DataFrame:
    # account numbers of the UCI portfolio are "A" + the client ID, zero-padded
    return layout.with_columns(pl.col("ID").str.slice(1).cast(pl.Int64)).sort("ID")


def test_the_book_in_the_model_layout(engine: Engine, sample: pl.DataFrame) -> None:
    with engine.connect() as connection:
        layout = by_client(store_accounts(connection, as_of=AS_OF))
    expected = sample.sort("ID")
    assert layout.height == ROWS
    exact = ["LIMIT_BAL", "AGE", "SEX", "EDUCATION", "MARRIAGE"]
    exact += [f"BILL_AMT{j}" for j in range(1, 7)] + [f"PAY_AMT{j}" for j in range(1, 7)]
    for column in exact:
        assert layout[column].to_list() == expected[column].cast(pl.Float64).to_list(), column
    late = expected["PAY_0"] >= 1  # how late the client is now is exactly what the store keeps
    assert layout.filter(late)["PAY_0"].to_list() == expected.filter(late)["PAY_0"].cast(pl.Float64).to_list()
    assert set(layout.filter(~late)["PAY_0"].to_list()) <= {-2.0, -1.0, 0.0}


def test_training_accounts_carry_the_outcome(engine: Engine, sample: pl.DataFrame) -> None:
    outcome_date = date(2005, 11, 1)
    with engine.begin() as connection:
        refresh_delinquency(connection, as_of=outcome_date)  # the next month's snapshot
        labelled = store_training_accounts(connection, as_of=AS_OF, outcome_date=outcome_date)
        snapshot = refresh_delinquency(connection, as_of=outcome_date)
    assert labelled.height == ROWS == snapshot.accounts
    # no statement falls due after September 25: exactly the accounts already late are past due then
    assert labelled[LABEL].to_list() == (labelled["PAY_0"] >= 1).cast(pl.Int8).to_list()
    assert 0 < labelled[LABEL].sum() < ROWS


def test_an_outcome_needs_that_day_s_snapshot(engine: Engine, sample: pl.DataFrame) -> None:
    with engine.connect() as connection:
        with pytest.raises(NotFound, match="2005-12-01"):
            store_training_accounts(connection, as_of=AS_OF, outcome_date=date(2005, 12, 1))
        with pytest.raises(ValueError, match="after"):
            store_training_accounts(connection, as_of=AS_OF, outcome_date=AS_OF)


def test_an_empty_store_is_refused(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(NotFound, match="no card accounts"):
        store_accounts(connection, as_of=AS_OF)
