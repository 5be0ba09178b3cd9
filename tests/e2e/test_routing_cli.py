"""``arrears routing solve``: the JSON shape, a checked feasible solution, a bad file (exit code 2)."""

from __future__ import annotations

import json
from pathlib import Path

from test_cli import Cli

from arrears.visits.feasibility import solomon_problems
from arrears.visits.solomon import read_solomon, shipped_instance_path


def test_solves_a_solomon_file_and_prints_json(tmp_path: Path) -> None:
    source = shipped_instance_path("C101")
    lines = source.read_text("utf-8").splitlines()
    small = tmp_path / "C101-30.txt"
    small.write_text("\n".join(lines[:40]) + "\n", "utf-8")  # the depot and the first 30 customers

    result = Cli(tmp_path / "data").run(
        "routing", "solve", small, "--format", "solomon", "--seconds", "1", "--seed", "2", "--json"
    )

    document = json.loads(result.stdout)
    assert set(document) == {"instance", "cost", "vehicles", "routes", "seconds"}
    assert document["instance"] == "C101" and document["vehicles"] == len(document["routes"])
    assert solomon_problems(read_solomon(small), document["routes"]) == []
    assert 0 < document["cost"] < 400 and 0 < document["seconds"] < 5


def test_prints_a_table_for_a_shipped_instance(tmp_path: Path) -> None:
    result = Cli(tmp_path / "data").run("routing", "solve", "c201", "--seconds", "0.5")

    assert "C201: distance" in result.stdout and "vehicle" in result.stdout


def test_a_bad_file_exits_with_code_2_and_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    text = (
        shipped_instance_path("R101")
        .read_text("utf-8")
        .replace("         1        41        49", "         1        4x        49", 1)
    )
    bad.write_text(text, "utf-8")

    result = Cli(tmp_path / "data").run("routing", "solve", bad, "--json", expect=2)

    assert f"{bad}: line 11, field XCOORD.: '4x' is not a number" in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
