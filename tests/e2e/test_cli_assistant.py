"""``arrears assistant``: a question answered as the portal would (JSON with exactly five keys, or plain
text citing its article), an account's own figures read from the store with ``--account``, and bad input
or an unknown account refused with a message and a non-zero exit, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from outbox_seed import seed_cardholders
from test_cli import Cli

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from fixed_keys import TEST_KEY

KEYS = ["intent", "confidence", "answer", "article", "handover"]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """One M2 cardholder (account 62220000000001: 1,200.00 overdue of 5,000.00) in the command's SQLite
    file."""
    cli = Cli(tmp_path / "data")
    cli.data_dir.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{cli.sqlite_file}")
    migrate.upgrade(engine)
    seed_cardholders(engine, FieldCipher(TEST_KEY), count=1)
    engine.dispose()
    return cli


def test_json_has_exactly_the_five_keys(cli: Cli) -> None:
    found = json.loads(cli.run("assistant", "ask", "我的信用卡被盜刷了，不是我消費的", "--json").stdout)
    assert list(found) == KEYS
    assert (found["intent"], found["article"]) == ("fraud", "fraud.zh")
    assert found["handover"] == {"to": "service_case", "reason": "intent", "kind": "dispute"}
    assert 0 < found["confidence"] <= 1
    assert found["answer"].splitlines()[-1].startswith("来源：")


def test_account_figures_from_the_store(cli: Cli) -> None:
    found = json.loads(
        cli.run("assistant", "ask", "How much do I owe?", "--account", "62220000000001", "--json").stdout
    )
    assert list(found) == KEYS
    assert (found["intent"], found["article"], found["handover"]) == ("balance", "balance.en", None)
    assert "Amount overdue: ¥1,200.00" in found["answer"] and "Total balance: ¥5,000.00" in found["answer"]
    without = cli.run("assistant", "ask", "How much do I owe?", "--lang", "zh").stdout
    assert "¥" not in without and "/my" in without and "来源：" in without


def test_an_unknown_account_is_refused(cli: Cli) -> None:
    done = cli.run("assistant", "ask", "我欠多少钱", "--account", "6222999", expect=1)
    assert "no account '6222999'" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("",), "the question is empty"),
        (("欠" * 501,), "longer than 500 characters"),
        (("hello", "--lang", "fr"), "'fr' is not zh or en"),
    ],
)
def test_bad_input_is_refused(cli: Cli, args: tuple[str, ...], message: str) -> None:
    done = cli.run("assistant", "ask", *args, expect=1)
    assert message in done.stderr and "Traceback" not in done.stderr


def test_the_knowledge_base_check(cli: Cli, tmp_path: Path) -> None:
    assert "32 articles" in cli.run("assistant", "check").stdout
    broken = tmp_path / "kb"
    broken.mkdir()
    (broken / "balance.zh.md").write_text("# 欠款\n您欠 {amount}。\n", encoding="utf-8")
    done = cli.run("assistant", "check", "--kb", broken, expect=1)
    assert "placeholder {amount} in the general answer" in done.stderr
