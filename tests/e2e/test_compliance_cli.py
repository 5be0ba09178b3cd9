"""End to end: ``arrears compliance check`` on JSON Lines, ``override`` and ``audit verify``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from test_cli import Cli

LINES = [
    {
        "id": "s1",
        "now": "2026-11-23T21:50:00+08:00",
        "action": {"channel": "call", "contact_point": "m1"},
        "debtor": {"timezones": ["Asia/Shanghai"]},
    },
    {
        "id": "s2",
        "now": "2026-11-23T22:50:00",
        "action": {"channel": "call"},
        "debtor": {"timezones": ["Asia/Shanghai"]},
    },
    {
        "id": "s3",
        "now": "2026-11-23T08:30:00-05:00",
        "action": {"channel": "call"},
        "debtor": {"timezones": ["America/New_York", "America/Los_Angeles"]},
    },
]


def run_check(cli: Cli, lines: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return cli.run("compliance", "check", *args, stdin="\n".join(lines) + "\n", expect=None)


def test_one_decision_per_line_in_order_and_errors_do_not_stop_the_rest(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    result = run_check(cli, [json.dumps(line) for line in LINES] + ["{not json"], "--policy", "us")
    decisions = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["id"] for d in decisions] == ["s1", "s2", "s3", None]
    assert [d["decision"] for d in decisions] == ["block", "error", "block", "error"]
    assert "no offset" in decisions[1]["message"]
    assert decisions[2]["rules"] == ["US-HOURS"]
    assert result.returncode == 2


def test_recorded_decisions_and_overrides_keep_a_valid_chain(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    cli.run("db", "upgrade")
    result = run_check(cli, [json.dumps(LINES[0])], "--record", "--actor", "dialer-7")
    assert result.returncode == 0, result.stderr
    cli.run(
        "compliance", "override", "s1", "--decision", "block", "--by", "supervisor-li", "--why", "complaint"
    )
    assert "intact: 2 entries" in cli.run("audit", "verify").stdout


def test_a_bad_policy_file_names_the_field(tmp_path: Path) -> None:
    policy = tmp_path / "bank.toml"
    policy.write_text(
        'name = "bank"\nretention_years = 2\n[connected_calls]\nrule = "B-CALLS"\nmax_per_day = -1\n'
    )
    result = run_check(Cli(tmp_path / "data"), [json.dumps(LINES[0])], "--policy", str(policy))
    assert result.returncode == 1
    assert "connected_calls.max_per_day" in result.stderr
