"""``arrears agencies commission ...`` and ``arrears agencies league``: a schedule set, a month's statement
made, listed, reviewed and approved by two people, the league table as JSON; bad input refused naming
the option, without a traceback."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from test_cli import Cli

from arrears import migrate
from arrears.db import make_engine
from arrears.users.service import create_user
from commission_book import NOW, accounts, agency, pay, place, snapshot


def test_a_months_statement_from_the_command_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    engine = make_engine(f"sqlite:///{tmp_path / 'data' / 'arrears.db'}")
    migrate.upgrade(engine)
    with engine.begin() as connection:
        (one,) = accounts(connection, 1)
        agency(connection, "A1", "甲催收公司")
        snapshot(connection, one, date(2026, 2, 27), dpd=45, overdue_fen=500_000)
        place(connection, one, "A1", date(2026, 2, 28), date(2026, 5, 28))
        pay(connection, one, date(2026, 3, 5), 100_005, "P-1")
        for name in ("manager1", "manager2"):
            create_user(
                connection,
                username=name,
                display_name=name,
                role="manager",
                password="correct horse battery",
                now=NOW,
            )
    engine.dispose()

    set_rates = cli.run(
        "agencies",
        "commission",
        "set-rates",
        "--agency",
        "A1",
        "--from",
        "2026-01-01",
        "--band",
        "M1-M3:0-10000:10%",
        "--band",
        "M4+:*:1500",
        "--user",
        "manager1",
    )
    assert "commission schedule of A1 from 2026-01-01: 2 bands" in set_rates.stdout
    made = cli.run(
        "agencies",
        "commission",
        "statement",
        "--agency",
        "A1",
        "--month",
        "2026-03",
        "--as-of",
        "2026-04-01",
        "--json",
    )
    (statement,) = json.loads(made.stdout)["statements"]
    assert (statement["payments"], statement["collected_fen"], statement["commission_fen"]) == (
        1,
        100_005,
        10_001,
    )
    assert (tmp_path / "data" / statement["csv_path"]).is_file() and not statement["provisional"]
    listed = cli.run("agencies", "commission", "list", "--month", "2026-03")
    assert "A1" in listed.stdout and "draft" in listed.stdout
    cli.run("agencies", "commission", "review", str(statement["id"]), "--user", "manager1")
    same = cli.run("agencies", "commission", "approve", str(statement["id"]), "--user", "manager1", expect=1)
    assert "cannot approve" in same.stderr and "Traceback" not in same.stderr
    approved = cli.run("agencies", "commission", "approve", str(statement["id"]), "--user", "manager2")
    assert "approved by manager2" in approved.stdout

    table = json.loads(cli.run("agencies", "league", "--month", "2026-03", "--json").stdout)
    (row,) = table["agencies"]
    assert (row["agency_code"], row["recovered_fen"], row["recovery_rate"]) == ("A1", 100_005, "0.2000")


def test_bad_input_is_refused_naming_the_option(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    month = cli.run("agencies", "commission", "statement", "--all", "--month", "2026-13", expect=2)
    assert "--month" in month.stderr and "Traceback" not in month.stderr
    both = cli.run(
        "agencies", "commission", "statement", "--all", "--agency", "A1", "--month", "2026-03", expect=2
    )
    assert "--agency" in both.stderr
    unknown = cli.run(
        "agencies", "commission", "statement", "--agency", "NOPE", "--month", "2026-03", expect=1
    )
    assert "no agency NOPE" in unknown.stderr and "Traceback" not in unknown.stderr
    band = cli.run(
        "agencies",
        "commission",
        "set-rates",
        "--agency",
        "A1",
        "--from",
        "2026-01-01",
        "--band",
        "M1-M3:*:150%",
        "--user",
        "manager1",
        expect=1,
    )
    assert "not a rate" in band.stderr
    league = cli.run("agencies", "league", "--month", "march", expect=2)
    assert "--month" in league.stderr
