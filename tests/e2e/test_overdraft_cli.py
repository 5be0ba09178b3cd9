"""``arrears legal overdraft-check``: the malicious-overdraft check of a day from the command line."""

from __future__ import annotations

from pathlib import Path

from test_cli import SMALL_UCI, Cli, write_uci


def test_the_check_reports_its_day_and_refuses_a_bad_date(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    cli.run("import", "uci", write_uci(tmp_path / "small.csv", SMALL_UCI))

    checked = cli.run("legal", "overdraft-check", "--as-of", "2005-10-01")
    assert "malicious overdraft check 2005-10-01: 0 candidates" in checked.stdout
    again = cli.run("legal", "overdraft-check")  # the business date: today, before any run
    assert "malicious overdraft check" in again.stdout

    refused = cli.run("legal", "overdraft-check", "--as-of", "0001-01-01", expect=2)
    assert "--as-of" in refused.stderr and "Traceback" not in refused.stderr
