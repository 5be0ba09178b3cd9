"""Bulk writes: staging tables, then one merge statement per table.

A batch is copied into a temporary staging table (``COPY`` on PostgreSQL, ``executemany`` on SQLite),
then merged with ``INSERT ... SELECT ... ON CONFLICT DO UPDATE ... WHERE <something differs>``, so that
writing the same rows again changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import polars as pl
from sqlalchemy import (
    Column,
    Connection,
    ForeignKeyConstraint,
    MetaData,
    Table,
    literal,
    or_,
    select,
    text,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import AddConstraint, DropConstraint
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import SelectBase

_SQL_TYPES = {
    pl.String: "TEXT",
    pl.Int64: "BIGINT",
    pl.Int32: "BIGINT",
    pl.Float64: "DOUBLE PRECISION",
    pl.Date: "DATE",
    pl.Binary: "BYTEA",
    pl.Boolean: "BOOLEAN",
}


@dataclass(frozen=True, slots=True)
class Target:
    """How staged rows become rows of one table."""

    table: Table
    conflict: tuple[str, ...]  # the unique key
    update: bool  # False: a row that exists is left alone


# columns compared to decide whether an existing row changed (timestamps never count)
_NOT_COMPARED = {"id", "created_at", "updated_at", "national_id_enc", "value_enc", "employer_enc"}


class BulkLoader:
    """Loads Polars frames into the store inside the caller's transaction (``connection``)."""

    def __init__(self, connection: Connection, targets: dict[str, Target]) -> None:
        self._connection = connection
        self._targets = targets
        self._postgres = connection.dialect.name == "postgresql"
        self._staged: set[str] = set()

    def merge(self, name: str, frame: pl.DataFrame, *, now: datetime | None) -> int:
        """Merges ``frame`` into table ``name``; returns rows inserted or changed.

        PostgreSQL: COPY into a staging table, then one INSERT ... SELECT ... ON CONFLICT. SQLite: the
        same upsert row by row with ``executemany`` (in-process, so no staging round trip is needed).
        """
        if frame.height == 0:
            return 0
        target = self._targets[name]
        # a key twice in one statement is an error on PostgreSQL; the caller reports such duplicates
        # in key order, index insertions append instead of landing all over the tree
        frame = frame.unique(subset=list(target.conflict), keep="last").sort(list(target.conflict))
        if not self._postgres:
            return self._upsert_rows(target, frame, now)
        stage = f"stage_{name}"
        self._stage(stage, frame)
        statement = self._merge_statement(target, stage, list(frame.columns), now)
        result = self._connection.execute(statement, execution_options={"preserve_rowcount": True})
        written = int(result.rowcount)
        self._clear(stage)
        return max(written, 0)

    def _upsert_rows(self, target: Target, frame: pl.DataFrame, now: datetime | None) -> int:
        stamps = [
            stamp for stamp in ("created_at", "updated_at") if stamp in target.table.c and now is not None
        ]
        if now is not None and stamps:
            text_now = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            frame = frame.with_columns(pl.lit(text_now).alias(stamp) for stamp in stamps)
        columns = list(frame.columns)
        conflict = ", ".join(target.conflict)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {target.table.name} ({', '.join(columns)}) VALUES ({marks}) "
        if target.update:
            changed = [c for c in columns if c not in target.conflict and c not in _NOT_COMPARED]
            assignments = ", ".join(
                f"{c} = excluded.{c}" for c in columns if c not in {*target.conflict, "created_at"}
            )
            differs = " OR ".join(f"{target.table.name}.{c} IS NOT excluded.{c}" for c in changed)
            sql += f"ON CONFLICT ({conflict}) DO UPDATE SET {assignments} WHERE {differs}"
        else:
            sql += f"ON CONFLICT ({conflict}) DO NOTHING"
        rows = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d")).iter_rows()
        cursor = self._connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(sql, rows)
        written = int(cursor.rowcount)
        cursor.close()
        return max(written, 0)

    def update(self, name: str, frames: Iterable[pl.DataFrame], *, key: str) -> int:
        """Sets the staged columns on the rows of ``name`` whose ``key`` matches and that differ.

        All frames (same columns) are staged first, then one UPDATE joins them to the table: one pass
        over the table however many frames there are.
        """
        stage = f"stage_{name}_update"
        columns: list[str] = []
        for frame in frames:
            if frame.height:
                self._stage(stage, frame)
                columns = list(frame.columns)
        if not columns:
            return 0
        if self._postgres:
            self._connection.exec_driver_sql(f"ANALYZE {stage}")
        table = self._targets[name].table
        source = Table(stage, MetaData(), *[_loose(column) for column in columns])
        changed = [column for column in columns if column != key]
        statement = (
            update(table)
            .values({column: source.c[column] for column in changed})
            .where(table.c[key] == source.c[key])
            .where(or_(*(table.c[column].is_distinct_from(source.c[column]) for column in changed)))
        )
        result = self._connection.execute(statement, execution_options={"preserve_rowcount": True})
        written = int(result.rowcount)
        self._clear(stage)
        return max(written, 0)

    def analyze(self, names: Sequence[str]) -> None:
        """PostgreSQL: refreshes the planner's statistics of tables that just grew a lot (no-op on SQLite)."""
        if self._postgres:
            for name in names:
                self._connection.exec_driver_sql(f"ANALYZE {self._targets[name].table.name}")

    def _clear(self, stage: str) -> None:
        # TRUNCATE gives PostgreSQL a fresh, empty file: after a DELETE the next batch's scan would
        # still read every dead row of the batches before it
        verb = "TRUNCATE" if self._postgres else "DELETE FROM"
        self._connection.exec_driver_sql(f"{verb} {stage}")

    def _stage(self, stage: str, frame: pl.DataFrame) -> None:
        if stage not in self._staged:
            columns = ", ".join(f"{name} {_SQL_TYPES[type(dtype)]}" for name, dtype in frame.schema.items())
            self._connection.exec_driver_sql(f"DROP TABLE IF EXISTS {stage}")
            self._connection.exec_driver_sql(f"CREATE TEMPORARY TABLE {stage} ({columns})")
            self._staged.add(stage)
        if self._postgres:
            self._copy(stage, frame)
        else:
            self._executemany(stage, frame)

    def _executemany(self, stage: str, frame: pl.DataFrame) -> None:
        frame = frame.with_columns(pl.col(pl.Date).dt.to_string("%Y-%m-%d"))
        marks = ", ".join("?" for _ in frame.columns)
        cursor = self._connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(f"INSERT INTO {stage} VALUES ({marks})", frame.iter_rows())
        cursor.close()

    def _copy(self, stage: str, frame: pl.DataFrame) -> None:
        binary = [name for name, dtype in frame.schema.items() if dtype == pl.Binary]
        frame = frame.with_columns(
            pl.concat_str(pl.lit("\\x"), pl.col(name).bin.encode("hex")).alias(name) for name in binary
        )
        buffer = io.BytesIO()
        frame.write_csv(buffer, include_header=False, null_value="")
        columns = ", ".join(frame.columns)
        raw = self._connection.connection.driver_connection
        with raw.cursor() as cursor:  # type: ignore[union-attr]
            sql = f"COPY {stage} ({columns}) FROM STDIN WITH (FORMAT csv)"
            with cursor.copy(sql) as copy:
                copy.write(buffer.getvalue())

    def _merge_statement(
        self, target: Target, stage: str, staged: Sequence[str], now: datetime | None
    ) -> Executable:
        table = target.table
        source = Table(stage, MetaData(), *[_loose(column) for column in staged])
        columns: dict[str, ColumnElement[object]] = {name: source.c[name] for name in staged}
        for stamp in ("created_at", "updated_at"):
            if stamp in table.c and now is not None:
                columns[stamp] = literal(now, table.c[stamp].type)
        query = select(*columns.values()).select_from(source).where(true())
        dialect_insert = postgresql.insert if self._postgres else sqlite.insert
        insert = dialect_insert(table).from_select(list(columns), query)
        if not target.update:
            return insert.on_conflict_do_nothing(index_elements=list(target.conflict))
        changed = [name for name in columns if name not in target.conflict and name not in _NOT_COMPARED]
        values = {
            name: insert.excluded[name] for name in columns if name not in {*target.conflict, "created_at"}
        }
        return insert.on_conflict_do_update(
            index_elements=list(target.conflict),
            set_=values,
            where=or_(*(table.c[name].is_distinct_from(insert.excluded[name]) for name in changed)),
        )

    def key_map(self, name: str, natural_key: str, *, keys: Sequence[str] | None = None) -> pl.DataFrame:
        """(natural key, id) of table ``name``: every row, or those whose natural key is in ``keys``
        (looked up through a staged key list: one join instead of thousands of parameters)."""
        table = self._targets[name].table
        schema: dict[str, pl.DataType] = {natural_key: pl.String(), "id": pl.Int64()}
        if keys is None:
            return read_frame(self._connection, select(table.c[natural_key], table.c.id), schema)
        stage = f"stage_keys_{name}"
        self._stage(stage, pl.DataFrame({"key": keys}, schema={"key": pl.String}))
        staged = Table(stage, MetaData(), Column("key"))
        query = select(table.c[natural_key], table.c.id).join(staged, staged.c.key == table.c[natural_key])
        found = read_frame(self._connection, query, schema)
        self._clear(stage)
        return found

    def existing_keys(self, name: str, column: str, values: Sequence[str]) -> set[str]:
        """Which of ``values`` already exist in ``name.column`` (looked up in chunks)."""
        table = self._targets[name].table
        found: set[str] = set()
        for start in range(0, len(values), 5_000):
            chunk = list(values[start : start + 5_000])
            rows = self._connection.execute(select(table.c[column]).where(table.c[column].in_(chunk)))
            found.update(str(row[0]) for row in rows)
        return found

    def drop_foreign_keys(self, names: Sequence[str]) -> list[ForeignKeyConstraint]:
        """PostgreSQL: drops the foreign keys of these tables until ``restore_foreign_keys``.

        Re-creating a key checks every row with one join instead of an index probe and a row lock per
        inserted row (the bulk-load advice of the PostgreSQL manual, "Populating a Database"). Both run
        in the caller's transaction: the tables stay locked until it ends, and a row that breaks a key
        makes the re-creation, and so the transaction, fail. Drops nothing on SQLite.
        """
        if not self._postgres:
            return []
        keys = [key for name in names for key in self._targets[name].table.foreign_key_constraints]
        for key in keys:
            self._connection.execute(DropConstraint(key))
        return keys

    def restore_foreign_keys(self, keys: Sequence[ForeignKeyConstraint]) -> None:
        for key in keys:
            self._connection.execute(AddConstraint(key))

    def drop_staging(self) -> None:
        for stage in self._staged:
            self._connection.execute(text(f"DROP TABLE IF EXISTS {stage}"))
        self._staged.clear()


def read_frame(connection: Connection, query: SelectBase, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Runs ``query`` and returns its rows as a frame, fast: ``COPY ... TO STDOUT`` on PostgreSQL,
    the raw cursor on SQLite (no per-row ORM processing)."""
    sql = str(query.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    raw = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        buffer = io.BytesIO()
        copy_sql = f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)"
        with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:  # type: ignore[union-attr]
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        if not buffer.getbuffer().nbytes:
            return pl.DataFrame(schema=schema)
        return pl.read_csv(buffer, has_header=False, new_columns=list(schema), schema=schema)
    cursor = raw.cursor()  # type: ignore[union-attr]
    rows = cursor.execute(sql).fetchall()
    cursor.close()
    text_schema = {name: (pl.String if dtype == pl.Date else dtype) for name, dtype in schema.items()}
    frame = pl.DataFrame(rows, schema=text_schema, orient="row")
    return frame.with_columns(
        pl.col(name).str.to_date("%Y-%m-%d") for name, dtype in schema.items() if dtype == pl.Date
    )


def _loose(name: str) -> Column[object]:
    return Column(name)
