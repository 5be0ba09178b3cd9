"""``arrears service``: a case opened from a letter or a regulator referral with its holds and deadlines,
listed by deadline, escalated once its deadline passed; bad input refused with a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from letter_book import seed
from test_cli import Cli

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from fixed_keys import TEST_KEY


@pytest.fixture
def cli(tmp_path: Path) -> tuple[Cli, list[str]]:
    cli = Cli(tmp_path / "data")
    cli.data_dir.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{cli.sqlite_file}")
    migrate.upgrade(engine)
    holders = seed(engine, FieldCipher(TEST_KEY), count=2)
    engine.dispose()
    return cli, [holder.account_no for holder in holders]


def test_open_list_and_escalate(cli: tuple[Cli, list[str]]) -> None:
    command, (first, second) = cli
    dispute = ["--kind", "dispute", "--category", "amount", "--channel", "letter", "--amount", "123.45"]
    opened = json.loads(
        command.run("service", "open", first, *dispute, "--summary", "利息算错了", "--json").stdout
    )
    assert opened["holds"] == ["dispute"] and opened["repeat"] is False
    complaint = ["--kind", "complaint", "--category", "frequency_hours", "--channel", "regulator",
                 "--regulator-ref", "JG-2026-7", "--summary", "calls every hour"]  # fmt: skip
    referral = json.loads(command.run("service", "open", second, *complaint, "--json").stdout)
    assert referral["holds"] == []
    listed = json.loads(command.run("service", "list", "--json").stdout)
    assert [row["case_id"] for row in listed] == [referral["case_id"], opened["case_id"]]  # the sooner first
    assert command.sql("SELECT amount_fen, kind FROM hold") == [(12_345, "dispute")]
    late = json.loads(command.run("service", "escalate", "--at", "2099-01-01T00:00+08:00", "--json").stdout)
    assert sorted(one["level"] for one in late) == [2, 2]
    assert (
        json.loads(command.run("service", "escalate", "--at", "2099-01-02T00:00+08:00", "--json").stdout)
        == []
    )


def test_bad_input_is_refused_with_a_message(cli: tuple[Cli, list[str]]) -> None:
    command, (first, _) = cli
    missing = command.run("service", "open", "NO-SUCH", "--kind", "hardship", "--category", "illness",
                          "--channel", "call", "--summary", "ill", expect=1)  # fmt: skip
    assert "no account NO-SUCH" in missing.stderr and "Traceback" not in missing.stderr
    wrong = command.run("service", "open", first, "--kind", "hardship", "--category", "fraud", "--channel",
                        "call", "--summary", "ill", expect=1)  # fmt: skip
    assert "category" in wrong.stderr and "Traceback" not in wrong.stderr
    assert command.sql("SELECT count(*) FROM service_case") == [(0,)]
