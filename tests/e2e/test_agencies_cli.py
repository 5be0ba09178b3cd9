"""``arrears agencies``: the register from the command line (add, update, list, suspend, reinstate) and the
daily recall; refusals name the field, never with a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import Cli


def test_the_register_from_the_command_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    added = cli.run(
        "agencies", "add", "A1", "--name", "华信催收", "--licence", "LIC-1", "--whitelisted",
        "--terms-signed", "--contract-from", "2005-01-01", "--contract-until", "2006-12-31",
        "--inspected", "2005-03-01", "--capacity", "500", "--territory", "上海, 江苏",
        "--contact", "王经理|manager|13812345678|",
    )  # fmt: skip
    assert "agency A1 is on the register" in added.stdout

    listed = json.loads(cli.run("agencies", "list", "--as-of", "2005-10-01", "--json").stdout)
    assert [(one["code"], one["eligible"], one["capacity"], one["territories"]) for one in listed] == [
        ("A1", True, 500, ["上海", "江苏"])
    ]
    assert listed[0]["contacts"] == [
        {"name": "王经理", "role": "manager", "phone": "138****5678", "email": None}
    ]
    assert "13812345678" not in cli.run("agencies", "list", "--as-of", "2005-10-01").stdout

    changed = cli.run("agencies", "update", "A1", "--capacity", "600", "--anywhere")
    assert "capacity, territories changed; 0 accounts recalled" in changed.stdout

    for args, field in (
        (("update", "A1", "--capacity", "-5"), "capacity"),
        (("update", "A1", "--contract-from", "2007-01-01"), "contract_ends_on"),
        (("add", "A1", "--name", "again", "--licence", "L"), "code"),
        (("add", "bad code", "--name", "n", "--licence", "L"), "code"),
        (("add", "B1", "--name", "n", "--licence", "L", "--contact", "王|x|12|"), "contacts[1].phone"),
        (("update", "NOPE", "--capacity", "1"), "NOPE"),
    ):
        refused = cli.run("agencies", *args, expect=1)
        assert field in refused.stderr and "Traceback" not in refused.stderr, (args, refused.stderr)

    assert "0 accounts recalled" in cli.run("agencies", "suspend", "A1", "--reason", "audit findings").stdout
    assert "suspended already" in cli.run("agencies", "suspend", "A1", "--reason", "again", expect=1).stderr
    listed = json.loads(cli.run("agencies", "list", "--as-of", "2005-10-01", "--json").stdout)
    assert (listed[0]["status"], listed[0]["eligible"], listed[0]["reasons"]) == (
        "suspended",
        False,
        ["suspended"],
    )
    assert "reinstated" in cli.run("agencies", "reinstate", "A1").stdout

    swept = cli.run("agencies", "recall", "--as-of", "2005-10-01")
    assert "agency recall 2005-10-01: 0 placements recalled" in swept.stdout
    assert "--as-of" in cli.run("agencies", "recall", "--as-of", "0001-01-01", expect=2).stderr
