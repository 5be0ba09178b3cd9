"""The chain's state as the compliance page keeps it: verified a batch at a time and carried on, it
finds what :func:`arrears.audit.chain.verify` finds over the whole chain, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, event

from arrears.audit import watch as watch_module
from arrears.audit.chain import verify
from arrears.audit.repository import AuditLog, Pending, audit_transaction
from arrears.audit.watch import ChainState, ChainWatch, verify_more

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def append(engine: Engine, count: int, start: int = 0) -> None:
    with audit_transaction(engine) as connection:
        AuditLog(connection).append_many(
            [
                Pending(
                    at=T0 + timedelta(seconds=start + number),
                    actor=f"user{number % 3}",
                    action="hold.placed",
                    subject_type="hold",
                    subject_id=str(start + number),
                    details={"n": start + number},
                )
                for number in range(count)
            ]
        )


def tamper(engine: Engine, statement: str) -> None:
    """Runs ``statement`` around the append-only guard, as someone with access to the database could."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_event_no_delete")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only")
        connection.exec_driver_sql(statement)


def fresh(engine: Engine, *, batch: int) -> ChainState:
    with engine.connect() as connection:
        return verify_more(connection, ChainState(started_at=T0, checked_at=T0), now=T0, batch=batch)


def whole(engine: Engine) -> list[tuple[int, str]]:
    with engine.connect() as connection:
        return [(problem.entry_id, problem.kind) for problem in verify(AuditLog(connection).entries())]


def test_an_intact_chain_is_verified_in_batches_and_carried_on(engine: Engine) -> None:
    append(engine, 12)
    state = fresh(engine, batch=5)
    assert state.intact and state.entries == 12 and state.last is not None and state.last.id == 12

    append(engine, 3, start=12)
    read: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        read.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with engine.connect() as connection:
            later = verify_more(connection, state, now=T0 + timedelta(hours=1), batch=5)
    finally:
        event.remove(engine, "before_cursor_execute", seen)

    assert later.intact and later.entries == 15 and later.last is not None and later.last.id == 15
    assert later.started_at == T0 and later.checked_at == T0 + timedelta(hours=1)
    assert len(read) == 2  # the three new entries, then none: the twelve verified are not read again


def test_an_empty_chain_is_intact(engine: Engine) -> None:
    state = fresh(engine, batch=5)
    assert state.intact and state.entries == 0 and state.last is None


TAMPERING: dict[str, Callable[[str], str]] = {
    "edited": lambda table: f"UPDATE {table} SET details = '{{\"n\":99}}' WHERE id = 7",
    "deleted": lambda table: f"DELETE FROM {table} WHERE id = 9",
    # entry 10 made to follow entry 2, which lies outside the batch that holds entry 10
    "reordered": lambda table: (
        f"UPDATE {table} SET prev_hash = (SELECT hash FROM {table} WHERE id = 2) WHERE id = 10"
    ),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_tampering_is_found_where_verify_finds_it(engine: Engine, how: str) -> None:
    append(engine, 14)
    tamper(engine, TAMPERING[how]("audit_event"))

    state = fresh(engine, batch=4)

    expected = whole(engine)
    assert ("gap" if how == "deleted" else how) in {kind for _, kind in expected}
    assert [(problem.entry_id, problem.kind) for problem in state.problems] == expected
    assert not state.intact and state.problem_count == len(expected)
    assert state.first_broken == expected[0][0]


def test_the_watch_verifies_again_from_the_first_entry_when_restarted(engine: Engine) -> None:
    append(engine, 6)
    watch = ChainWatch()

    assert watch.current(engine.connect, now=T0).state.intact
    tamper(engine, TAMPERING["edited"]("audit_event").replace("id = 7", "id = 2"))
    assert watch.current(engine.connect, now=T0).state.intact  # entries verified once are not read again

    watch.restart()
    view = watch.current(engine.connect, now=T0 + timedelta(minutes=1))

    assert not view.verifying and view.last_id == 6
    assert not view.state.intact and view.state.first_broken == 2
    assert view.state.started_at == T0 + timedelta(minutes=1)


def test_a_long_chain_is_verified_on_a_thread_while_looks_show_how_far_it_got(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(watch_module, "BATCH", 4)
    append(engine, 30)
    tamper(engine, TAMPERING["deleted"]("audit_event"))
    watch = ChainWatch(at_once=10)

    first = watch.current(engine.connect, now=T0)  # 29 entries wait: more than a look verifies itself
    watch.wait(timeout=30)
    done = watch.current(engine.connect, now=T0)

    assert first.verifying and first.last_id == 30 and first.state.entries == 0
    assert not done.verifying and done.state.entries == 29 and done.state.first_broken == 10
    assert [(problem.entry_id, problem.kind) for problem in done.state.problems] == whole(engine)
    append(engine, 3, start=30)
    later = watch.current(engine.connect, now=T0)  # three new entries: verified by the look itself
    assert not later.verifying and later.state.entries == 32
