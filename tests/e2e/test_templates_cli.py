"""End to end: ``arrears templates list / show / approve``: the shipped templates listed, a draft
approved by a compliance user and not by its author, refusals as messages, never a traceback."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.db import make_engine
from arrears.messaging.templates.governance import save_version
from arrears.messaging.templates.shipped import shipped
from arrears.users.service import StaffUser

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


@pytest.mark.slow
def test_a_draft_is_approved_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    arrears(data, "user", "add", "m1", "--role", "manager")
    arrears(data, "user", "add", "c1", "--role", "compliance")
    listed = arrears(data, "templates", "list").stdout
    assert "overdue" in listed and "demand" in listed and "v1" in listed
    assert "talk_broken_promise" in listed and "talk" in listed  # the talk tracks, seeded as the page does
    engine = make_engine(f"sqlite:///{data / 'arrears.db'}")
    draft = replace(shipped().templates["overdue"], body_zh="{name}您好，请致电{hotline}。")
    with audit_transaction(engine) as connection:
        author = StaffUser(1, "m1", "m1", "manager", None)
        save_version(connection, draft=draft, by=author, policy=load_policy("cn"), now=datetime.now(UTC))
    engine.dispose()
    refused = arrears(data, "templates", "approve", "overdue", "2", "--user", "m1", expect=1)
    assert "template:approve" in refused.stderr and "Traceback" not in refused.stderr
    nobody = arrears(data, "templates", "approve", "overdue", "2", "--user", "nobody", expect=1)
    assert "no active user nobody" in nobody.stderr
    assert "approved by c1" in arrears(data, "templates", "approve", "overdue", "2", "--user", "c1").stdout
    shown = arrears(data, "templates", "show", "overdue").stdout
    assert (
        "overdue v2 (approved)" in shown
        and "{name}您好，请致电{hotline}。" in shown
        and "v1 retired" in shown
    )
    assert "no template nothing" in arrears(data, "templates", "show", "nothing", expect=1).stderr
