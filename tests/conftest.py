"""Shared fixtures: databases (SQLite always, PostgreSQL when ARREARS_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

# One OpenMP/BLAS thread per test process (and the commands the tests start): the workers already
# use every core, and threads that wait by spinning make two trainings at once many times slower.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import pytest
from sqlalchemy import Engine

sys.path.insert(0, str(Path(__file__).parent / "support"))  # local servers (SMPP, SMTP, HTTP) for tests

from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from fixed_keys import TEST_KEY
from migrated import POSTGRES, SQLITE, vacuum_catalogues
from pg_schema import POSTGRES_URL, postgres_schema

__all__ = ["TEST_KEY"]


def pytest_sessionstart(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # once per run, not in each xdist worker
        vacuum_catalogues()


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
def database_kind(request: pytest.FixtureRequest) -> str:
    """Each kind of database: the tests that take ``engine`` or ``empty_engine`` run on both."""
    return str(request.param)


@pytest.fixture
def empty_engine(database_kind: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty database of each kind."""
    if database_kind == "sqlite":
        engine = _sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
    else:
        yield from _postgres_engine()


@pytest.fixture(scope="session", autouse=True)
def _migrated_pool() -> Iterator[None]:
    yield
    POSTGRES.close()


@pytest.fixture
def engine(database_kind: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """A database of each kind with the schema at head, as the migrations leave it and holding no row
    of another test: a copy of a file migrated once (SQLite), a schema of its own (PostgreSQL; see
    migrated.py)."""
    if database_kind == "sqlite":
        SQLITE.copy_to(tmp_path / "arrears.db", tmp_path_factory)
        engine = _sqlite_engine(tmp_path)
        yield engine
        engine.dispose()
        return
    with POSTGRES.schema() as schema:
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            yield engine
        finally:
            engine.dispose()
