"""Databases at the head revision for the tests, without running the migrations for each test.

SQLite: the migrations run once per session into a file, and each test gets a copy of that file.

PostgreSQL: each test gets a schema of its own, at head, from a pool. A schema comes back to the pool
after its test only when it is as new again: its rows removed (TRUNCATE ... RESTART IDENTITY), every
sequence at its start, the version table holding head, and its catalogue (tables, columns, defaults,
constraints, indexes, triggers, functions) the same as that of a schema fresh from the migrations.
Anything else (a test that altered the schema, a lock still held) and the schema is dropped instead, as
every test's schema was before. The pool grows by running the migrations into a new schema, so it holds
as many schemas as the most that one test used at once.
"""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from arrears import migrate
from arrears.db import make_engine
from pg_schema import POSTGRES_URL, require_postgres

# The schema's catalogue as raw rows, read through the catalogues' indexes (pg_depend leads from the schema
# to its tables, sequences and functions): what a test could have changed with DDL.
_CATALOGUE = """
WITH top AS (
  SELECT classid, objid FROM pg_depend
  WHERE refclassid = 'pg_namespace'::regclass AND refobjid = to_regnamespace(:schema)::oid
), rel AS (
  SELECT oid, relname, relkind, relnatts, relchecks, relhasindex, relhastriggers, relpersistence, reloptions
  FROM pg_class WHERE oid IN (SELECT objid FROM top WHERE classid = 'pg_class'::regclass)
)
SELECT md5(string_agg(line, E'\\n' ORDER BY line)) FROM (
  SELECT 'top ' || (classid, objid)::text FROM top
  UNION ALL SELECT 'rel ' || rel::text FROM rel
  UNION ALL SELECT 'att ' || (a.attrelid, a.attname, a.attnum, a.atttypid, a.atttypmod, a.attnotnull,
                              a.atthasdef, a.attidentity, a.attgenerated, a.attisdropped,
                              a.attcollation)::text
    FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0
  UNION ALL SELECT 'def ' || (d.adrelid, d.adnum, d.adbin::text)::text
    FROM rel JOIN pg_attrdef d ON d.adrelid = rel.oid
  UNION ALL SELECT 'con ' || (k.oid, k.conname, k.contype, k.conrelid, k.confrelid, k.conkey, k.confkey,
                              k.convalidated, k.condeferrable, k.conbin::text)::text
    FROM rel JOIN pg_constraint k ON k.conrelid = rel.oid
  UNION ALL SELECT 'idx ' || (i.indexrelid, i.indrelid, i.indisunique, i.indkey::text, i.indclass::text,
                              i.indexprs::text, i.indpred::text)::text
    FROM rel JOIN pg_index i ON i.indrelid = rel.oid
  UNION ALL SELECT 'trg ' || (t.oid, t.tgname, t.tgrelid, t.tgfoid, t.tgtype, t.tgenabled)::text
    FROM rel JOIN pg_trigger t ON t.tgrelid = rel.oid
  UNION ALL SELECT 'fun ' || (p.oid, p.proname, md5(p.prosrc))::text
    FROM top JOIN pg_proc p ON p.oid = top.objid AND top.classid = 'pg_proc'::regclass
  UNION ALL SELECT 'seq ' || (q.seqrelid, q.seqstart, q.seqincrement, q.seqmin, q.seqmax, q.seqcycle)::text
    FROM rel JOIN pg_sequence q ON q.seqrelid = rel.oid
) AS catalogue (line)
"""

_DEAD_ROWS = 10_000  # a schema's tables are vacuumed when more rows than this were deleted from them


class _SqliteTemplate:
    """A file at head, made once; copied for each test."""

    def __init__(self) -> None:
        self.path: Path | None = None

    def copy_to(self, target: Path, scratch: pytest.TempPathFactory) -> None:
        if self.path is None:
            path = scratch.mktemp("migrated") / "arrears.db"
            engine = make_engine(f"sqlite:///{path}")
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()
            with sqlite3.connect(path) as connection:  # everything in the main file, none in the WAL
                connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.path = path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self.path, target)


class _PostgresPool:
    """Schemas at head, emptied after each test and checked before they are handed out again."""

    def __init__(self) -> None:
        self.free: list[str] = []
        self.catalogues: dict[str, str] = {}  # each schema's catalogue (its digest) when it was new
        self.tables: dict[str, list[str]] = {}
        self.dead_rows: dict[str, int] = {}  # the rows deleted since the schema's last VACUUM
        self.head: str | None = None
        self.superuser = False
        self.admin: Engine | None = None

    def _admin(self) -> Engine:
        if self.admin is None:
            self.admin = make_engine(POSTGRES_URL, pool_size=1)
            with self.admin.connect() as connection:
                self.superuser = bool(
                    connection.execute(
                        text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    ).scalar()
                )
            self.head = migrate.head_revision()
        return self.admin

    def _new(self) -> str:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with self._admin().begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        engine = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
        try:
            migrate.upgrade(engine)
        except BaseException:
            self._drop(schema)
            raise
        finally:
            engine.dispose()
        with self._admin().connect() as connection:
            self.catalogues[schema] = connection.execute(text(_CATALOGUE), {"schema": schema}).scalar_one()
            self.tables[schema] = list(
                connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = :schema"
                        " AND tablename <> 'alembic_version' ORDER BY tablename"
                    ),
                    {"schema": schema},
                ).scalars()
            )
        return schema

    def _drop(self, schema: str) -> None:
        self.catalogues.pop(schema, None)
        self.tables.pop(schema, None)
        self.dead_rows.pop(schema, None)
        with self._admin().begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))

    def _reset(self, schema: str) -> bool:
        """Empties the schema as the migrations left it; False when its catalogue is not as they left it."""
        with self._admin().begin() as connection:
            connection.execute(text("SET LOCAL lock_timeout = '5s'"))
            catalogue = connection.execute(text(_CATALOGUE), {"schema": schema}).scalar_one()
            if catalogue != self.catalogues[schema]:
                return False
            holding = " UNION ALL ".join(
                f"SELECT '{table}' WHERE EXISTS (SELECT FROM {schema}.{table})"
                for table in self.tables[schema]
            )
            filled = list(connection.execute(text(holding)).scalars())
            if filled and self.superuser:  # no trigger runs: neither the foreign keys' nor the audit's guard
                connection.execute(text("SET LOCAL session_replication_role = replica"))
                for table in filled:
                    deleted = connection.execute(text(f"DELETE FROM {schema}.{table}")).rowcount
                    self.dead_rows[schema] = self.dead_rows.get(schema, 0) + max(deleted, 0)
            elif filled:
                names = ", ".join(f"{schema}.{table}" for table in filled)
                connection.execute(text(f"TRUNCATE {names} CASCADE"))
            connection.execute(
                text(
                    "SELECT setval(format('%I.%I', schemaname, sequencename), start_value, false)"
                    " FROM pg_sequences WHERE schemaname = :schema AND last_value IS NOT NULL"
                ),
                {"schema": schema},
            )
            versions = connection.execute(text(f"SELECT version_num FROM {schema}.alembic_version")).all()
            if [row.version_num for row in versions] != [self.head]:
                connection.execute(text(f"DELETE FROM {schema}.alembic_version"))
                connection.execute(
                    text(f"INSERT INTO {schema}.alembic_version (version_num) VALUES (:head)"),
                    {"head": self.head},
                )
        if self.dead_rows.get(schema, 0) > _DEAD_ROWS:  # autovacuum may be off: dead rows would pile up
            self.dead_rows[schema] = 0
            names = ", ".join(f"{schema}.{table}" for table in self.tables[schema])
            with self._admin().connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text(f"VACUUM {names}"))
        return True

    @contextmanager
    def schema(self) -> Iterator[str]:
        require_postgres()
        schema = self.free.pop() if self.free else self._new()
        try:
            yield schema
        finally:
            try:
                again = self._reset(schema)
            except OperationalError:  # a lock still held past the timeout: dropped as before
                again = False
            if again:
                self.free.append(schema)
            else:
                self._drop(schema)

    def close(self) -> None:
        while self.free:
            self._drop(self.free.pop())
        if self.admin is not None:
            self.admin.dispose()
            self.admin = None


# what creating and dropping schemas leaves dead in the catalogues; PostgreSQL's own autovacuum may be off
_CATALOGUES = (
    "pg_class",
    "pg_attribute",
    "pg_attrdef",
    "pg_constraint",
    "pg_index",
    "pg_type",
    "pg_depend",
    "pg_trigger",
    "pg_sequence",
    "pg_proc",
    "pg_namespace",
    "pg_statistic",
    "pg_init_privs",
)


def vacuum_catalogues() -> None:
    """VACUUM the test database's catalogues: with autovacuum off, every schema created and dropped by
    earlier runs leaves its rows there, dead, for every later DDL statement and catalogue scan to step
    over (seen here: 2 million dead rows in pg_attribute; a catalogue scan took a second). Silently
    skipped (a warning from the server) for a user who may not vacuum them."""
    if not POSTGRES_URL:
        return
    engine = make_engine(POSTGRES_URL, pool_size=1)
    try:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text(f"VACUUM {', '.join(f'pg_catalog.{name}' for name in _CATALOGUES)}"))
    finally:
        engine.dispose()


SQLITE = _SqliteTemplate()
POSTGRES = _PostgresPool()
