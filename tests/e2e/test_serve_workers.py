"""``arrears serve --workers N``: worker processes on one port, the policy and the masked access log in
each of them, one dispatcher, and all of them stopped by SIGTERM."""

from __future__ import annotations

import io
import logging.config
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx2 as httpx
from test_cli import Cli
from test_serve_cli import PASSWORD, free_port

from arrears.cli.serve import log_config

ACCOUNT_NO = "6222020012345678"
# 21:30 in Shanghai: inside the cn policy's hours (08:00 to 22:00), outside the us policy's (to 21:00)
LATE_SMS = {
    "now": "2026-11-23T21:30:00+08:00",
    "action": {"channel": "sms"},
    "debtor": {"timezones": ["Asia/Shanghai"]},
}


def children_of(pid: int) -> dict[int, str]:
    """The live child processes of ``pid``: their command lines."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found[int(entry)] = command
    return found


def alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def wait_for(
    condition: Callable[[], bool], what: str, server: subprocess.Popen[bytes], seconds: float = 90
) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert server.poll() is None, f"the server ended while waiting for {what}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.3)


def test_workers_serve_with_the_policy_a_masked_access_log_and_one_dispatcher(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    cli.data_dir.mkdir(parents=True)
    added = subprocess.run(
        [sys.executable, "-m", "arrears", "user", "add", "lead1", "--role", "team_lead"],
        env=cli.env() | {"ARREARS_NEW_PASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cli.data_dir,
    )
    assert added.returncode == 0, added.stderr
    port, out, err = free_port(), tmp_path / "access.log", tmp_path / "error.log"
    command = [sys.executable, "-m", "arrears", "serve", "--port", str(port), "--workers", "2"]
    with out.open("wb") as stdout, err.open("wb") as stderr:
        server = subprocess.Popen(
            [*command, "--policy", "us", "--dispatch"],
            env=cli.env(),
            cwd=cli.data_dir,
            stdout=stdout,
            stderr=stderr,
            stdin=subprocess.DEVNULL,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: err.read_text().count("Application startup complete.") >= 2, "two workers", server)
        children = children_of(server.pid)
        workers = [pid for pid, line in children.items() if "spawn_main" in line]
        dispatchers = [pid for pid, line in children.items() if " dispatch " in f"{line} "]
        assert len(workers) == 2 and len(dispatchers) == 1, children
        assert httpx.get(f"{base}/healthz").json()["status"] == "ok"
        for _ in range(20):  # each on a connection of its own, so that both workers take some
            answer = httpx.get(f"{base}/my/account/{ACCOUNT_NO}/pay", follow_redirects=False)
            assert answer.status_code == 303 and answer.headers["location"] == "/my/login"
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "lead1", "password": PASSWORD}
        ).json()["access_token"]
        decided = httpx.post(
            f"{base}/api/v1/compliance/check", json=LATE_SMS, headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert decided["decision"] == "block"  # the us policy's hours, not cn's
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    assert not [pid for pid in (*workers, *dispatchers) if alive(pid)], "a child outlived the server"
    logged = out.read_text() + err.read_text()
    assert logged.count("GET /my/account/****5678/pay HTTP/1.1") == 20
    assert "GET /healthz" in logged and ACCOUNT_NO not in logged


def test_the_number_of_workers_is_checked(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    for wrong, said in (("0", "greater than or equal to 1"), ("65", "less than or equal to 64"), ("two", "")):
        refused = cli.run("serve", "--workers", wrong, expect=2).stderr
        assert "Invalid value for '--workers'" in refused and said in " ".join(refused.split())
    assert "--workers" in cli.run("serve", "--help").stdout


def test_the_log_configuration_masks_the_access_log() -> None:
    """What uvicorn applies in each process (one or many): the access logger's records masked."""
    logging.config.dictConfig(log_config())
    access, written = logging.getLogger("uvicorn.access"), io.StringIO()
    handler = logging.StreamHandler(written)
    access.addHandler(handler)
    try:
        access.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:1", "GET", f"/my/account/{ACCOUNT_NO}", "1.1", 303)
    finally:
        access.removeHandler(handler)
    assert f"/my/account/****{ACCOUNT_NO[-4:]}" in written.getvalue()
    assert ACCOUNT_NO not in written.getvalue()
