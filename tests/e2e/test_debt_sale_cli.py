"""``arrears debt-sale``: a pool drawn and shown, its sale proposed by legal and approved by a manager, the
payments to forward and the buyer's file from the command line; refusals exit 1 (2 for a bad option)
with the reason and no traceback."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

from test_cli import SMALL_UCI, Cli, write_uci

from arrears.db import make_engine
from arrears.kit.clock import now
from arrears.users.service import create_user

# a cardholder eight months behind: over 180 days past due on 2005-10-01, loss class
LOSS_ROW = ("902", "5.00E+04", "2", "2", "1", "40", "8", "7", "6", "5", "4", "3", "48000", "47000",
            "46000", "45000", "44000", "43000", "0", "0", "0", "0", "0", "0", "1")  # fmt: skip
SELL = ("--buyer", "东方资产管理股份有限公司", "--licence", "911100007109254543", "--contact", "400-610-0000",
        "--pay-to", "户名 东方资产 账号 0200 0012 3456 789")  # fmt: skip


def users(data_dir: Path) -> None:
    engine = make_engine(f"sqlite:///{data_dir / 'arrears.db'}")
    with engine.begin() as connection:
        for username, role in (("legal1", "legal"), ("manager1", "manager"), ("collector1", "collector")):
            create_user(connection, username=username, display_name=username, role=role,
                        password="correct horse battery", now=now())  # fmt: skip
    engine.dispose()


def test_a_sale_from_the_command_line(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    cli.run("import", "uci", write_uci(tmp_path / "small.csv", [*SMALL_UCI, LOSS_ROW]))
    users(cli.data_dir)

    created = cli.run(
        "debt-sale", "pool", "create", "--as-of", "2005-10-01", "--name", "Q4", "--by", "legal1"
    )
    assert "pool 1 'Q4' as of 2005-10-01 (open): 1 accounts, balance 48,000.00 yuan" in created.stdout
    shown = json.loads(cli.run("debt-sale", "pool", "show", "1", "--json").stdout)
    assert shown["summary"]["accounts"] == 1 and shown["pool"]["status"] == "open"
    assert shown["criteria"]["min_dpd"] == 181 and shown["summary"]["balance_fen"] == 4_800_000

    refused = cli.run("debt-sale", "sell", "1", *SELL, "--price", "0", "--date", "2005-10-01",
                      "--by", "legal1", expect=1)  # fmt: skip
    assert "price" in refused.stderr and "Traceback" not in refused.stderr
    bad_date = cli.run("debt-sale", "sell", "1", *SELL, "--price", "100", "--date", "0001-01-01",
                       "--by", "legal1", expect=2)  # fmt: skip
    assert "--date" in bad_date.stderr and "Traceback" not in bad_date.stderr
    assert "may not" in cli.run("debt-sale", "sell", "1", *SELL, "--price", "100", "--date", "2005-10-01",
                                "--by", "collector1", expect=1).stderr  # fmt: skip
    sold = cli.run(
        "debt-sale", "sell", "1", *SELL, "--price", "1500.50", "--date", "2005-10-01", "--by", "legal1"
    )
    assert "sale 1 of pool 1 proposed" in sold.stdout

    own = cli.run("debt-sale", "approve", "1", "--by", "legal1", expect=1)
    assert "may not" in own.stderr  # legal may not approve, and no one their own
    approved = cli.run("debt-sale", "approve", "1", "--by", "manager1")
    assert "sale 1 approved: 1 accounts sold, 1 notice letters queued" in approved.stdout
    assert "approved already" in cli.run("debt-sale", "approve", "1", "--by", "manager1", expect=1).stderr

    forwards = json.loads(cli.run("debt-sale", "forwards", "--sale", "1", "--json").stdout)
    assert forwards == {"sale_id": 1, "payments": [], "total_fen": 0}
    out = tmp_path / "buyer.csv"
    cli.run("debt-sale", "file", "1", "--out", out, "--by", "legal1")
    body = out.read_bytes()
    (row,) = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert row["balance_at_cutoff_fen"] == "4800000" and len(row["national_id"]) == 18
    stored = cli.data_dir / "debt-sale" / "sale-1.csv"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(body).hexdigest()
    assert "exists" in cli.run("debt-sale", "file", "1", "--out", out, "--by", "legal1", expect=2).stderr
    assert "no debt sale 9" in cli.run("debt-sale", "forwards", "--sale", "9", expect=1).stderr
