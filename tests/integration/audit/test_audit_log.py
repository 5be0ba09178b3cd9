"""The audit log on SQLite and PostgreSQL: appends chain, tampering is found, many processes append safely."""

from __future__ import annotations

import itertools
import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import DBAPIError

from arrears.audit.chain import DELETED, EDITED, GAP, GENESIS, content_hash, verify
from arrears.audit.repository import AuditError, AuditLog, audit_transaction

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
WORKERS = 4
APPENDS_PER_WORKER = 25


def append_some(engine: Engine, count: int) -> None:
    for number in range(1, count + 1):
        with audit_transaction(engine) as connection:
            AuditLog(connection).append(
                at=T0 + timedelta(seconds=number, microseconds=number),
                actor=f"collector-{number}",
                action="contact.logged",
                subject_type="account",
                subject_id=f"A-{number}",
                details={"outcome": "承诺还款", "amount_fen": 50_000 + number, "tags": ["rpc", number]},
            )


def entries(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(AuditLog(connection).entries())


def allow_tampering(engine: Engine) -> None:
    """Lifts the append-only guard of the migration, as someone with access to the database could."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_event_no_update")
            connection.exec_driver_sql("DROP TRIGGER audit_event_no_delete")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")


def test_appends_build_a_chain_that_verifies(engine: Engine) -> None:
    append_some(engine, 5)

    stored = entries(engine)

    assert [entry.id for entry in stored] == [1, 2, 3, 4, 5]
    assert stored[0].prev_hash == GENESIS
    assert all(later.prev_hash == earlier.hash for earlier, later in itertools.pairwise(stored))
    assert all(content_hash(entry) == entry.hash for entry in stored)
    assert verify(stored) == []


def test_an_entry_reads_back_as_it_was_written(engine: Engine) -> None:
    at = datetime(2026, 11, 24, 17, 30, 15, 123456, tzinfo=UTC)
    with audit_transaction(engine) as connection:
        written = AuditLog(connection).append(
            at=at, actor="合规-1", action="hold.placed", details={"b": 1, "a": ["停催", None, 1.5]}
        )
    with engine.connect() as connection:
        log = AuditLog(connection)
        assert log.last() == written
        assert log.entries() == [written]
    assert written.at == at
    assert (written.subject_type, written.subject_id) == (None, None)
    assert written.details == '{"a":["停催",null,1.5],"b":1}'


def test_an_empty_log_has_no_last_entry(engine: Engine) -> None:
    with engine.connect() as connection:
        assert AuditLog(connection).last() is None
        assert AuditLog(connection).entries() == []


def test_a_rolled_back_append_leaves_no_trace_and_no_gap(engine: Engine) -> None:
    append_some(engine, 2)
    with pytest.raises(RuntimeError), audit_transaction(engine) as connection:
        AuditLog(connection).append(at=T0, actor="x", action="y", details={})
        raise RuntimeError("the use case failed")
    append_some(engine, 1)

    stored = entries(engine)

    assert [entry.id for entry in stored] == [1, 2, 3]
    assert verify(stored) == []


def test_several_appends_in_one_transaction_lock_and_read_once(engine: Engine) -> None:
    """The second and third appends of a transaction link to the first without taking the lock or
    reading the last entry again (fewer statements under the lock); the chain verifies."""
    append_some(engine, 1)
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with audit_transaction(engine) as connection:
            log = AuditLog(connection)
            for number in range(3):
                log.append(at=T0 + timedelta(seconds=number), actor="x", action="y", details={"n": number})
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    reads = [one for one in statements if "FROM audit_event" in one and "ORDER BY" in one]
    locks = [one for one in statements if "pg_advisory_xact_lock" in one]
    assert len(reads) == 1 and len(locks) == (1 if engine.dialect.name == "postgresql" else 0)
    stored = entries(engine)
    assert [entry.id for entry in stored] == [1, 2, 3, 4] and verify(stored) == []


def test_an_append_after_a_rolled_back_one_reads_the_real_last_entry(engine: Engine) -> None:
    append_some(engine, 1)
    with (
        engine.connect() as connection
    ):  # the same connection: a remembered append must not outlive its rollback
        connection.begin()
        AuditLog(connection).append(at=T0, actor="x", action="rolled back", details={})
        connection.rollback()
        with connection.begin():
            AuditLog(connection).append(at=T0, actor="x", action="kept", details={})

    stored = entries(engine)
    assert [(entry.id, entry.action) for entry in stored] == [(1, "contact.logged"), (2, "kept")]
    assert verify(stored) == []


def test_an_append_after_one_in_a_savepoint_links_to_it(engine: Engine) -> None:
    """An entry appended inside a savepoint (a service that tries a step and may undo it) is the chain's
    last for the next append of the transaction: the remembered entry from before it is stale."""
    with audit_transaction(engine) as connection:
        log = AuditLog(connection)
        log.append(at=T0, actor="x", action="before", details={})
        with connection.begin_nested():
            log.append(at=T0, actor="x", action="inside", details={})
        log.append(at=T0, actor="x", action="after", details={})
        with connection.begin_nested() as undone:
            log.append(at=T0, actor="x", action="undone", details={})
            undone.rollback()
        log.append(at=T0, actor="x", action="last", details={})

    stored = entries(engine)
    assert [(entry.id, entry.action) for entry in stored] == [
        (1, "before"), (2, "inside"), (3, "after"), (4, "last")
    ]  # fmt: skip
    assert verify(stored) == []


def test_append_works_in_a_plain_transaction_too(engine: Engine) -> None:
    with engine.begin() as connection:
        AuditLog(connection).append(
            at=T0, actor="system", action="run.started", details={"day": "2026-11-24"}
        )
        AuditLog(connection).append(at=T0, actor="system", action="run.finished", details={})

    assert verify(entries(engine)) == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"at": datetime(2026, 11, 24, 9, 0)}, "naive"),
        ({"actor": ""}, "actor is empty"),
        ({"action": "x" * 81}, "action is longer than 80"),
        ({"details": {"when": T0}}, "not JSON serializable"),
        ({"details": {"ratio": float("nan")}}, "not JSON compliant"),
    ],
)
def test_refuses_what_it_cannot_store_faithfully(
    engine: Engine, fields: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"at": T0, "actor": "system", "action": "run.started", "details": {}}
    with pytest.raises(AuditError, match=message) as raised, audit_transaction(engine) as connection:
        AuditLog(connection).append(**{**arguments, **fields})
    assert raised.value.message_zh != raised.value.message_en
    assert entries(engine) == []


def test_the_database_refuses_changes_to_entries(engine: Engine) -> None:
    append_some(engine, 1)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'someone-else'"))


def test_an_edited_row_is_named(engine: Engine) -> None:
    append_some(engine, 5)
    allow_tampering(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE audit_event SET actor = 'someone-else' WHERE id = 3"))

    problems = verify(entries(engine))

    assert [(problem.entry_id, problem.kind) for problem in problems] == [(3, EDITED)]


def test_a_deleted_row_is_named_by_the_row_after_it(engine: Engine) -> None:
    append_some(engine, 5)
    allow_tampering(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_event WHERE id = 3"))

    problems = verify(entries(engine))

    assert {(problem.entry_id, problem.kind) for problem in problems} == {(4, DELETED), (4, GAP)}


def test_audit_transaction_holds_the_sqlite_write_lock_from_the_start(engine: Engine) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's database write lock")
    database = engine.url.database
    assert database is not None
    with audit_transaction(engine):
        other = sqlite3.connect(database, timeout=0.1, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_postgres_refuses_a_snapshot_older_than_the_lock(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL isolation levels")
    with (
        pytest.raises(AuditError, match="READ COMMITTED"),
        engine.connect() as connection,
        connection.execution_options(isolation_level="REPEATABLE READ").begin(),
    ):
        AuditLog(connection).append(at=T0, actor="system", action="run.started", details={})


def _append_from_a_process(url: str, schema: str | None, worker: int, start: Any) -> None:
    """Runs in a spawned process: its own engine, ``APPENDS_PER_WORKER`` appends, one per transaction."""
    from arrears.db import make_engine

    kwargs: dict[str, Any] = {"connect_args": {"options": f"-csearch_path={schema}"}} if schema else {}
    engine = make_engine(url, **kwargs)
    try:
        start.wait(timeout=120)
        for number in range(APPENDS_PER_WORKER):
            with audit_transaction(engine) as connection:
                AuditLog(connection).append(
                    at=datetime.now(UTC),
                    actor=f"worker-{worker}",
                    action="contact.logged",
                    subject_type="account",
                    subject_id=f"A-{worker}-{number}",
                    details={"worker": worker, "number": number},
                )
    finally:
        engine.dispose()


def test_many_processes_append_one_chain(engine: Engine) -> None:
    url = engine.url.render_as_string(hide_password=False)
    schema: str | None = None
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar_one()
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(WORKERS)
    processes = [
        context.Process(target=_append_from_a_process, args=(url, schema, worker, start))
        for worker in range(WORKERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=300)
    assert [process.exitcode for process in processes] == [0] * WORKERS

    stored = entries(engine)

    assert len(stored) == WORKERS * APPENDS_PER_WORKER
    assert [entry.id for entry in stored] == list(range(1, WORKERS * APPENDS_PER_WORKER + 1))
    assert verify(stored) == []
    per_worker = {f"worker-{worker}": 0 for worker in range(WORKERS)}
    for entry in stored:
        per_worker[entry.actor] += 1
    assert set(per_worker.values()) == {APPENDS_PER_WORKER}
