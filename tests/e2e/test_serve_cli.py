"""``arrears user add`` and ``arrears serve``: a real server on a free local port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx
from test_cli import Cli

PASSWORD = "a long enough password"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_user_signs_in_to_a_running_server(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    cli.data_dir.mkdir(parents=True)
    env = cli.env() | {"ARREARS_NEW_PASSWORD": PASSWORD}
    added = subprocess.run(
        [sys.executable, "-m", "arrears", "user", "add", "lead1", "--role", "team_lead"],
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        cwd=cli.data_dir,
    )
    assert added.returncode == 0, added.stderr
    assert "user lead1 (team_lead) created" in added.stdout
    assert "no terminal" in cli.run("user", "add", "x", "--role", "collector", expect=2).stderr
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "arrears", "serve", "--port", str(port)],
        env=cli.env(),
        cwd=cli.data_dir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
            time.sleep(0.3)
        token = httpx.post(
            f"{base}/api/v1/auth/token", data={"username": "lead1", "password": PASSWORD}
        ).json()
        assert token["role"] == "team_lead"
        situation = {
            "now": "2026-11-23T10:00:00+08:00",
            "action": {"channel": "sms"},
            "debtor": {"timezones": ["Asia/Shanghai"]},
        }
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        assert (
            httpx.post(f"{base}/api/v1/compliance/check", json=situation, headers=headers).json()["decision"]
            == "allow"
        )
        login = httpx.get(f"{base}/login")
        assert login.status_code == 200 and 'src="/static/htmx.min.js"' in login.text and "登录" in login.text
        assert httpx.get(f"{base}/static/htmx.min.js").status_code == 200  # vendored, no CDN
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert os.path.exists(cli.data_dir / "arrears.db")
