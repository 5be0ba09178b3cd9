"""Shared fixtures: databases (SQLite always, PostgreSQL when ARREARS_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parent / "support"))  # local servers (SMPP, SMTP, HTTP) for tests

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from fixed_keys import TEST_KEY
from pg_schema import POSTGRES_URL, postgres_schema

__all__ = ["TEST_KEY"]


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(TEST_KEY)


def _sqlite_engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'arrears.db'}")


def _postgres_engine() -> Iterator[Engine]:
    """A fresh schema per test, dropped afterwards, so tests never see each other's rows."""
    with postgres_schema("t") as schema:
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine
        finally:
            engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of each kind."""
    if request.param == "sqlite":
        engine = _sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture
def engine(empty_engine: Engine) -> Engine:
    """A database of each kind with the schema at head."""
    migrate.upgrade(empty_engine)
    return empty_engine
