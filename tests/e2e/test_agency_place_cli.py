"""``arrears agencies place``: a placement batch of a run's hand-overs from the command line, the agency
refused named in its report, the hand-over file written under the data directory; bad options refused
without a traceback."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

from sqlalchemy import select
from test_cli import SMALL_UCI, Cli, write_uci

from arrears.db import make_engine
from arrears.models import CardAccount, table_of
from placement_book import agency, hand_over


def test_a_batch_from_the_command_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    cli.run("import", "uci", write_uci(tmp_path / "small.csv", SMALL_UCI))
    engine = make_engine(f"sqlite:///{cli.data_dir / 'arrears.db'}")
    try:
        with engine.connect() as connection:
            accounts = list(connection.execute(select(table_of(CardAccount).c.id)).scalars())
        hand_over(engine, accounts)
        agency(engine, "A", capacity=10)
        agency(engine, "OLD", inspected=date(2004, 1, 5))
    finally:
        engine.dispose()

    said = cli.run("agencies", "place", "--run-date", "2005-10-01", "--days", "30", "--actor", "manager1")

    text = " ".join(said.stdout.split())
    assert f"placement batch 1 of the run of 2005-10-01: {len(accounts)} of {len(accounts)} accounts" in text
    assert "from 2005-10-01 to 2005-10-30 (30 days)" in text
    assert "agency OLD refused: the agency was not inspected in the last 365 days" in text
    path = cli.data_dir / "handover" / "batch-000001" / "A.csv"
    assert hashlib.sha256(path.read_bytes()).hexdigest() in text

    again = cli.run("agencies", "place", "--run-date", "2005-10-01", "--json", expect=1)
    assert "placed already" in again.stderr and "Traceback" not in again.stderr
    bad = cli.run("agencies", "place", "--run-date", "2005-10-01", "--days", "0", expect=2)
    assert "--days" in bad.stderr and "Traceback" not in bad.stderr
    before = cli.run("agencies", "place", "--run-date", "2005-10-01", "--as-of", "2005-09-30", expect=1)
    assert "before the run" in before.stderr
