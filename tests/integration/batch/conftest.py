"""The store-mode tests' book and model: the first 1,500 UCI clients (``book_size``) imported as an
extract as of 2005-10-01, and a small model trained once on the first 3,000."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arrears.imports import uci
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.scoring.data import read_accounts
from arrears.scoring.model import ScoringModel, load_model, save_model
from arrears.scoring.train import TrainingConfig, train
from uci_cases import uci_head

BOOK_AS_OF = date(2005, 10, 1)
IMPORTED_AT = datetime(2026, 11, 24, tzinfo=UTC)


@pytest.fixture(scope="session")
def model(tmp_path_factory: pytest.TempPathFactory) -> ScoringModel:
    accounts = read_accounts(uci.bundled_path(), label=True).head(3_000)
    config = TrainingConfig(folds=2, max_rounds=60, early_stopping_rounds=10, compare_protected=False)
    directory = tmp_path_factory.mktemp("model")
    save_model(train(accounts, config), directory, data_path=uci.bundled_path())
    return load_model(directory)


@pytest.fixture
def book_size() -> int:
    """How many UCI clients the store holds (a module overrides it)."""
    return 1_500


@pytest.fixture
def store(engine: Engine, tmp_path: Path, cipher: FieldCipher, book_size: int) -> Engine:
    clients = uci_head(book_size)
    uci.write_extract(clients, tmp_path / "extract", as_of=BOOK_AS_OF)
    with engine.begin() as connection:
        import_extract(connection, tmp_path / "extract", as_of=BOOK_AS_OF, cipher=cipher, now=IMPORTED_AT)
    return engine
