"""Shared fixtures: databases (SQLite always, PostgreSQL when ARREARS_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher

POSTGRES_URL = os.environ.get("ARREARS_TEST_DATABASE_URL", "")
TEST_KEY = bytes(range(32))


@pytest.fixture
def cipher() -> FieldCipher:
    return FieldCipher(TEST_KEY)


def _sqlite_engine(tmp_path: Path) -> Engine:
    return make_engine(f"sqlite:///{tmp_path / 'arrears.db'}")


def _postgres_engine() -> Iterator[Engine]:
    """A fresh schema per test, dropped afterwards, so tests never see each other's rows."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("ARREARS_TEST_DATABASE_URL is not set in CI")
        pytest.skip("ARREARS_TEST_DATABASE_URL is not set")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


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
