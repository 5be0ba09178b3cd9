"""A throw-away PostgreSQL schema for one test (or class): created, yielded, dropped."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from arrears.db import make_engine

POSTGRES_URL = os.environ.get("ARREARS_TEST_DATABASE_URL", "")


def require_postgres() -> None:
    """Skips the test (fails it in CI) without ARREARS_TEST_DATABASE_URL."""
    if not POSTGRES_URL:
        if os.environ.get("CI"):
            pytest.fail("ARREARS_TEST_DATABASE_URL is not set in CI")
        pytest.skip("ARREARS_TEST_DATABASE_URL is not set")


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """Skips (fails in CI) without ARREARS_TEST_DATABASE_URL; else yields a fresh schema's name."""
    require_postgres()
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    try:
        yield schema
    finally:
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
