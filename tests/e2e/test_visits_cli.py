"""``arrears visits``: profiles, pairs and appointments with clear refusals (exit 2), and the day's plan."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from test_cli import Cli

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, CollectionAction, table_of
from arrears.users.service import create_user
from fixed_keys import TEST_KEY
from web_book import PASSWORD, RUN, build_book

BASE = ("--base-lat", "22.522", "--base-lon", "113.38", "--base-label", "石岐网点")


@pytest.fixture
def book(tmp_path: Path) -> tuple[Cli, list[str]]:
    """The web book in the command's SQLite file, with a visit action for every account and a second
    visitor; returns the command and the account numbers."""
    cli = Cli(tmp_path / "data")
    cli.data_dir.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{cli.sqlite_file}")
    migrate.upgrade(engine)
    build_book(engine, tmp_path, FieldCipher(TEST_KEY))
    account = table_of(CardAccount)
    with engine.begin() as connection:
        accounts = connection.execute(
            select(account.c.id, account.c.customer_id, account.c.account_no).order_by(account.c.id)
        ).all()
        at = now() - timedelta(hours=1)
        rows = [{"run_date": RUN, "account_id": a, "customer_id": c, "channel": "visit", "segment": "m2",
                 "arm": "champion", "treatment": "visit_m2", "value_fen": 60_000, "priority": 1,
                 "scheduled_at": at, "status": "planned"} for a, c, _ in accounts]  # fmt: skip
        connection.execute(insert(table_of(CollectionAction)), rows)
        create_user(connection, username="visitor2", display_name="v2", role="visitor", password=PASSWORD,
                    now=now())  # fmt: skip
    engine.dispose()
    return cli, [number for _, _, number in accounts]


def test_set_up_pairs_and_plan_the_day(book: tuple[Cli, list[str]]) -> None:
    cli, numbers = book
    cli.run("visits", "profile", "set", "visitor1", *BASE, "--shift", "08:30-18:00", "--capacity", "8")
    cli.run("visits", "profile", "set", "visitor2", *BASE, "--territory", "石岐街道,东区街道")
    assert "pair pair-1" in cli.run("visits", "pair", "add", "pair-1", "visitor1", "visitor2").stdout
    cli.run("visits", "appointment", "add", numbers[0], "--at", "2005-10-01 15:00", "--minutes", "60")

    result = cli.run("visits", "plan", "--date", "2005-10-01", "--iterations", "200", "--seed", "2", "--json")

    document = json.loads(result.stdout)
    assert document["date"] == "2005-10-01" and document["run_date"] == "2005-10-01"
    stops = [stop for route in document["routes"] for stop in route["stops"]]
    kept = [stop for stop in stops if stop["appointment"]]
    assert [stop["account_no"] for stop in kept] == [numbers[0]] and "15:00" <= kept[0]["start"] <= "15:30"
    assert len(stops) + len(document["dropped"]) == len(numbers)
    assert cli.sql("SELECT count(*) FROM visit_stop") == [(len(stops),)]
    table = cli.run("visits", "plan", "--date", "2005-10-01", "--iterations", "200", "--seed", "2").stdout
    assert "pair pair-1" in table and numbers[0] in table
    assert cli.sql("SELECT count(*) FROM visit_route") == [(len(document["routes"]),)]


def test_bad_input_names_the_field_and_exits_2(book: tuple[Cli, list[str]]) -> None:
    cli, numbers = book

    cases = {
        ("visits", "profile", "set", "visitor1", "--base-lat", "95", *BASE[2:]): "base-lat",
        ("visits", "profile", "set", "visitor1", *BASE, "--shift", "18:00-08:00"): "shift",
        ("visits", "profile", "set", "collector1", *BASE): "user",
        ("visits", "pair", "add", "solo", "visitor1", "visitor1"): "CN-VISIT",
        ("visits", "pair", "add", "p", "visitor1", "visitor2", "--team", "nope"): "team",
        ("visits", "appointment", "add", numbers[0], "--at", "tomorrow"): "--at",
        ("visits", "appointment", "add", "no-such-account", "--at", "2005-10-01 10:00"): "account_no",
        ("visits", "availability", "add", numbers[0], "--from", "25:00", "--to", "26:00"): "from",
        ("visits", "availability", "add", numbers[0], "--from", "18:00", "--to", "18:00"): "to",
        (
            "visits",
            "availability",
            "add",
            "no-such-account",
            "--from",
            "18:00",
            "--to",
            "20:00",
        ): "account_no",
    }
    for words, named in cases.items():
        result = cli.run(*words, expect=2)
        assert named in result.stderr, (words, result.stderr)
        assert "Traceback" not in result.stderr


def test_planning_without_a_pair_or_a_run_is_refused(book: tuple[Cli, list[str]]) -> None:
    cli, _ = book

    assert "no pair can visit" in cli.run("visits", "plan", "--date", "2005-10-01", expect=1).stderr
    assert "no completed daily run" in cli.run("visits", "plan", "--date", "2005-09-01", expect=1).stderr


def test_an_availability_window_is_stored(book: tuple[Cli, list[str]]) -> None:
    cli, numbers = book

    added = cli.run(
        "visits", "availability", "add", numbers[0], "--from", "18:00", "--to", "21:00", "--weekday", "4"
    )

    assert "18:00-21:00" in added.stdout
    assert cli.sql("SELECT weekday, start_minute, end_minute FROM visit_availability") == [(4, 1080, 1260)]
