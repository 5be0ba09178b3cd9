"""End to end: ``arrears user role / deactivate / activate`` change a user and record it in the audit
chain; a bad role or an unknown user is a message, not a traceback."""

from __future__ import annotations

import base64
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

KEY = base64.b64encode(bytes(range(32))).decode("ascii")


def arrears(data_dir: Path, *args: str, expect: int = 0) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ARREARS_")}
    env.update(ARREARS_DATA_DIR=str(data_dir), ARREARS_ENCRYPTION_KEY=KEY, NO_COLOR="1", COLUMNS="200",
               ARREARS_NEW_PASSWORD="a long enough secret", PYTHONIOENCODING="utf-8")  # fmt: skip
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "arrears", *args]
    result = subprocess.run(command, env=env, cwd=data_dir, capture_output=True, text=True, encoding="utf-8",
                            timeout=300, check=False)  # fmt: skip
    assert result.returncode == expect, (args, result.stdout, result.stderr)
    return result


def rows(data_dir: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(data_dir / "arrears.db")) as connection:
        return connection.execute(query).fetchall()


@pytest.mark.slow
def test_role_changes_and_deactivation(tmp_path: Path) -> None:
    data = tmp_path / "data"
    arrears(data, "user", "add", "u1", "--role", "collector")

    arrears(data, "user", "role", "u1", "team_lead", "--actor", "ops1")
    arrears(data, "user", "deactivate", "u1")

    assert rows(data, "SELECT role, is_active, token_version FROM app_user") == [("team_lead", 0, 2)]
    assert rows(data, "SELECT actor, action FROM audit_event ORDER BY id") == [
        ("ops1", "user.role_changed"),
        ("arrears", "user.deactivated"),
    ]
    arrears(data, "user", "activate", "u1")
    assert rows(data, "SELECT is_active FROM app_user") == [(1,)]
    refused = arrears(data, "user", "role", "u1", "emperor", expect=1)
    assert "unknown role emperor" in refused.stderr and "Traceback" not in refused.stderr
    assert "no user nobody" in arrears(data, "user", "deactivate", "nobody", expect=1).stderr
