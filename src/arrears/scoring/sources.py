"""Where accounts to train on or score come from: a file, a bank extract, or the store.

- a CSV or Parquet file in the UCI layout (``data.py``);
- a bank extract directory (``docs/extract-format.md``): checked and loaded into a throw-away
  embedded store, then laid out like the store (it has no outcomes, so it cannot train);
- ``store``: the book in the configured database (``store.py``), on ``as_of``; for training, the
  outcome is whether each account was past due on ``outcome_date``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from arrears.kit.errors import ArrearsError

STORE = "store"


class SourceError(ArrearsError):
    """The data source cannot give what was asked (a date missing, no outcomes)."""


@dataclass(frozen=True, slots=True)
class Accounts:
    frame: pl.DataFrame
    description: str  # for the model card
    path: Path | None  # the file, when the accounts came from one


def is_extract(source: str) -> bool:
    return Path(source).is_dir() and (Path(source) / "manifest.json").is_file()


def load_accounts(
    source: str, *, label: bool, as_of: date | None = None, outcome_date: date | None = None
) -> Accounts:
    if source == STORE:
        return _from_store(label=label, as_of=_need(as_of, "--as-of", source), outcome_date=outcome_date)
    if is_extract(source):
        if label:
            raise SourceError(
                "a bank extract has no outcomes to train on: train on a labelled file or on the store "
                "(--data store --as-of D --outcome-date D2)",
                "银行数据包没有结果标签，不能用于训练",
            )
        return _from_extract(Path(source), _need(as_of, "--as-of", source))
    from arrears.scoring.data import read_accounts

    path = Path(source)
    return Accounts(read_accounts(path, label=label), path.name, path)


def _need(value: date | None, option: str, source: str) -> date:
    if value is None:
        raise SourceError(f"{option} is needed with --data {source}", f"使用 --data {source} 时需要 {option}")
    return value


def _from_store(*, label: bool, as_of: date, outcome_date: date | None) -> Accounts:
    from arrears.db import get_engine
    from arrears.scoring.store import store_accounts, store_training_accounts

    with get_engine().connect() as connection:
        if not label:
            return Accounts(store_accounts(connection, as_of=as_of), f"store on {as_of}", None)
        outcome = _need(outcome_date, "--outcome-date", STORE)
        try:
            frame = store_training_accounts(connection, as_of=as_of, outcome_date=outcome)
        except ValueError as error:
            raise SourceError(str(error)) from None
    return Accounts(frame, f"store on {as_of}, outcome on {outcome}", None)


def _from_extract(directory: Path, as_of: date) -> Accounts:
    from arrears import migrate
    from arrears.db import make_engine
    from arrears.imports.service import import_extract
    from arrears.kit.clock import now
    from arrears.kit.crypto import FieldCipher
    from arrears.scoring.store import store_accounts

    with tempfile.TemporaryDirectory(prefix="arrears-extract-") as scratch:
        engine = make_engine(f"sqlite:///{Path(scratch) / 'extract.db'}")
        try:
            migrate.upgrade(engine)
            with engine.begin() as connection:  # a throw-away key: nothing here outlives the command
                import_extract(
                    connection, directory, as_of=as_of, cipher=FieldCipher(os.urandom(32)), now=now()
                )
                frame = store_accounts(connection, as_of=as_of)
        finally:
            engine.dispose()
    return Accounts(frame, f"extract {directory.name} on {as_of}", None)
