"""The tests' databases at head (tests/migrated.py): a schema handed out again holds no row of the test
before, its sequences start again and its guards still hold; a schema whose catalogue a test changed is
dropped, not handed out again; the SQLite copy is the migrated file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DatabaseError

from arrears import migrate
from arrears.db import make_engine
from migrated import POSTGRES, SQLITE
from pg_schema import POSTGRES_URL

AT = datetime(2026, 1, 1, tzinfo=UTC)


def _engine(schema: str) -> Engine:
    return make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})


def _fill(schema: str) -> None:
    engine = _engine(schema)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO team (code, name, kind) VALUES ('a', 'a', 'phone')"))
            connection.execute(
                text(
                    "INSERT INTO audit_event (at, actor, action, details, prev_hash, hash)"
                    " VALUES (:at, 'x', 'y', '{}', 'p', 'h')"
                ),
                {"at": AT},
            )
        with engine.connect() as connection:  # a sequence moves on in a transaction rolled back too
            connection.execute(text("INSERT INTO team (code, name, kind) VALUES ('b', 'b', 'phone')"))
            connection.rollback()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_a_schema_comes_back_empty_with_its_sequences_and_guards_as_new() -> None:
    with POSTGRES.schema() as first:
        _fill(first)
    with POSTGRES.schema() as second:
        assert second == first  # handed out again, emptied
        engine = _engine(second)
        try:
            with engine.begin() as connection:
                assert connection.execute(text("SELECT count(*) FROM team")).scalar_one() == 0
                assert connection.execute(text("SELECT count(*) FROM audit_event")).scalar_one() == 0
                assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == (
                    migrate.head_revision()
                )
                made = connection.execute(
                    text("INSERT INTO team (code, name, kind) VALUES ('c', 'c', 'phone') RETURNING id")
                ).scalar_one()
                assert made == 1
            _fill(second)
            with pytest.raises(DatabaseError, match="append-only"), engine.begin() as connection:
                connection.execute(text("DELETE FROM audit_event"))
        finally:
            engine.dispose()


@pytest.mark.postgres
def test_a_schema_whose_catalogue_a_test_changed_is_dropped() -> None:
    with POSTGRES.schema() as altered:
        engine = _engine(altered)
        try:
            with engine.begin() as connection:
                connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
        finally:
            engine.dispose()
    assert altered not in POSTGRES.free
    admin = make_engine(POSTGRES_URL)
    try:
        with admin.connect() as connection:
            assert connection.execute(text("SELECT to_regnamespace(:s)"), {"s": altered}).scalar() is None
    finally:
        admin.dispose()


@pytest.mark.parametrize("database_kind", ["sqlite"], indirect=True)
def test_the_sqlite_copy_is_the_migrated_file(engine: Engine, tmp_path: Path) -> None:
    fresh = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    try:
        migrate.upgrade(fresh)
        assert SQLITE.path is not None and SQLITE.path.exists()
        assert set(inspect(engine).get_table_names()) == set(inspect(fresh).get_table_names())
        assert migrate.current_revision(engine) == migrate.head_revision()
    finally:
        fresh.dispose()
