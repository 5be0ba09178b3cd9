"""End to end: ``arrears audit verify`` on the embedded database of a fresh data directory.

The database is created by ``python -m arrears db upgrade`` in a subprocess, as a user would; the audit
commands run through ``arrears.cli.audit.app`` in-process (CliRunner), with the settings and engine
caches reset so that they read this test's ``ARREARS_DATA_DIR``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from test_cli import Cli
from typer.testing import CliRunner

from arrears import db
from arrears.audit.repository import AuditLog, audit_transaction
from arrears.cli.audit import app
from arrears.config import get_settings

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data directory that the settings and ``get_engine`` of this process point at."""
    directory = tmp_path / "data"
    for name in [name for name in os.environ if name.startswith("ARREARS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ARREARS_DATA_DIR", str(directory))
    monkeypatch.setattr(db, "_engines", {})
    get_settings.cache_clear()
    try:
        yield directory
    finally:
        for engine in db._engines.values():
            engine.dispose()
        get_settings.cache_clear()


def upgrade(data_dir: Path) -> None:
    Cli(data_dir).run("db", "upgrade")


def append_some(count: int) -> None:
    for number in range(1, count + 1):
        with audit_transaction(db.get_engine()) as connection:
            AuditLog(connection).append(
                at=T0 + timedelta(minutes=number),
                actor=f"collector-{number}",
                action="ptp.taken",
                subject_type="account",
                subject_id=f"A-{number}",
                details={"amount_fen": 30_000 * number},
            )


def verify() -> tuple[int, str]:
    result = CliRunner().invoke(app, ["verify"], env={"NO_COLOR": "1", "COLUMNS": "200"})
    return result.exit_code, result.output


def test_a_new_database_has_an_intact_empty_chain(data_dir: Path) -> None:
    upgrade(data_dir)

    exit_code, output = verify()

    assert exit_code == 0, output
    assert "audit chain intact: 0 entries" in output


def test_appended_entries_verify(data_dir: Path) -> None:
    upgrade(data_dir)
    append_some(3)

    exit_code, output = verify()

    assert exit_code == 0, output
    assert "audit chain intact: 3 entries" in output


def test_a_tampered_entry_is_listed_and_the_exit_code_is_1(data_dir: Path) -> None:
    upgrade(data_dir)
    append_some(4)
    with closing(sqlite3.connect(data_dir / "arrears.db")) as connection, connection:
        connection.execute("DROP TRIGGER audit_event_no_update")
        connection.execute("UPDATE audit_event SET actor = 'someone-else' WHERE id = 2")

    exit_code, output = verify()

    assert exit_code == 1, output
    assert "audit chain broken: 1 problem in 4 entries" in output
    assert "edited" in output
    assert "entry 2 was edited" in output
    assert "someone-else" not in output


def test_a_database_without_the_schema_is_an_error_not_a_traceback(data_dir: Path) -> None:
    exit_code, output = verify()

    assert exit_code == 1
    assert "arrears db upgrade" in output


def test_help_lists_verify() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"NO_COLOR": "1", "COLUMNS": "200"})

    assert result.exit_code == 0
    assert "verify" in result.output
