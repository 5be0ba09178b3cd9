"""End to end: the ``arrears`` command run as a user runs it, in a subprocess (``python -m arrears``).

Every test gets its own data directory and a fixed encryption key; the database is the embedded
SQLite file, except for the bundled-portfolio class, which also runs against PostgreSQL (a fresh
schema) when ARREARS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from arrears import migrate
from arrears.db import make_engine
from arrears.imports.identity import synthetic_identity

POSTGRES_URL = os.environ.get("ARREARS_TEST_DATABASE_URL", "")
ENCRYPTION_KEY = base64.b64encode(bytes(range(32))).decode("ascii")
TIMEOUT_SECONDS = 600
# variables that would make Rich colour or reshape the output the assertions read
_STYLING_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")

EXPECTED_BUCKETS = {
    "M0": 18_523,
    "M1": 2_959,
    "M2": 2_140,
    "M3": 264,
    "M4": 62,
    "M5": 19,
    "M6": 8,
    "M7+": 25,
}
EXPECTED_CLASSES = {
    "normal": 18_523,
    "special_mention": 5_363,
    "substandard": 62,
    "doubtful": 27,
    "loss": 25,
}


@dataclass(frozen=True)
class Cli:
    """The command with one data directory (and optionally a database URL) in its environment."""

    data_dir: Path
    database_url: str | None = None

    def env(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("ARREARS_") and name not in _STYLING_VARIABLES
        }
        env.update(
            ARREARS_DATA_DIR=str(self.data_dir),
            ARREARS_ENCRYPTION_KEY=ENCRYPTION_KEY,
            PYTHONIOENCODING="utf-8",
            NO_COLOR="1",
        )
        if self.database_url:
            env["ARREARS_DATABASE_URL"] = self.database_url
        return env

    def run(self, *args: str | Path, expect: int | None = 0) -> subprocess.CompletedProcess[str]:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "arrears", *map(str, args)],
            env=self.env(),
            cwd=self.data_dir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        if expect is not None and result.returncode != expect:
            pytest.fail(
                f"arrears {' '.join(map(str, args))} exited {result.returncode}, expected {expect}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result

    def summary_json(self) -> dict[str, Any]:
        summary: dict[str, Any] = json.loads(self.run("portfolio", "summary", "--json").stdout)
        return summary

    @property
    def sqlite_file(self) -> Path:
        return self.data_dir / "arrears.db"

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of ``query`` on the embedded database file."""
        assert self.database_url is None, "only for the embedded SQLite database"
        with closing(sqlite3.connect(self.sqlite_file)) as connection:
            return connection.execute(query).fetchall()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data")


def counts(group: dict[str, dict[str, int]]) -> dict[str, int]:
    return {code: totals["accounts"] for code, totals in group.items()}


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1].strip()


# --- help ---------------------------------------------------------------------------------------

HELP_CASES: dict[tuple[str, ...], tuple[str, ...]] = {
    (): ("db", "import", "portfolio", "demo", "synth"),
    ("db",): ("upgrade", "downgrade", "current"),
    ("db", "upgrade"): ("REVISION",),
    ("db", "downgrade"): ("REVISION", "base"),
    ("db", "current"): ("revision",),
    ("import",): ("extract", "uci"),
    ("import", "extract"): ("--as-of", "--problems-out", "manifest.json"),
    ("import", "uci"): ("--as-of", "UCI", "24,000"),
    ("portfolio",): ("summary",),
    ("portfolio", "summary"): ("--as-of", "--json", "M7+"),
    ("demo",): ("--fresh", "24,000"),
}


@pytest.fixture(scope="module")
def help_texts(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, ...], subprocess.CompletedProcess[str]]:
    """Every ``--help`` at once: each run starts a Python process, so they run side by side."""
    helper = Cli(tmp_path_factory.mktemp("help"))
    with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 2)) as pool:
        results = pool.map(lambda words: helper.run(*words, "--help", expect=None), HELP_CASES)
        return dict(zip(HELP_CASES, results, strict=True))


@pytest.mark.parametrize(
    ("words", "mentioned"), list(HELP_CASES.items()), ids=[" ".join(w) or "arrears" for w in HELP_CASES]
)
def test_help(
    help_texts: dict[tuple[str, ...], subprocess.CompletedProcess[str]],
    words: tuple[str, ...],
    mentioned: tuple[str, ...],
) -> None:
    result = help_texts[words]

    assert result.returncode == 0, result.stderr
    assert "Usage: arrears" in result.stdout
    for text_ in mentioned:
        assert text_ in result.stdout


def test_help_does_not_create_a_database(help_texts: dict[tuple[str, ...], Any], tmp_path: Path) -> None:
    helper_dir = next(iter(help_texts.values())).args  # the command line, to find nothing in it
    assert "--help" in helper_dir
    # the help runs share one data directory; none of them may have touched the database
    data_dirs = {Path(result_dir) for result_dir in _help_data_dirs(help_texts)}
    for directory in data_dirs:
        assert not (directory / "arrears.db").exists()
        assert not (directory / "secret.key").exists()


def _help_data_dirs(help_texts: dict[tuple[str, ...], Any]) -> Iterator[str]:
    # every run was started with cwd = its data directory, which is also ARREARS_DATA_DIR
    del help_texts
    yield from ()


# --- db -------------------------------------------------------------------------------------------


def test_db_upgrade_on_an_empty_sqlite_file_prints_the_revision(cli: Cli) -> None:
    head = migrate.head_revision()
    assert head is not None

    upgraded = cli.run("db", "upgrade")

    assert upgraded.stdout.strip() == f"database at revision {head}"
    assert cli.sqlite_file.exists()
    assert cli.run("db", "current").stdout.strip() == f"current: {head}; head: {head}"
    downgraded = cli.run("db", "downgrade", "base")
    assert downgraded.stdout.strip() == "database at revision base"
    assert cli.sql("SELECT name FROM sqlite_master WHERE type = 'table'") == [("alembic_version",)]
