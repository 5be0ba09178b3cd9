"""``arrears payments reconcile FILE [--json]`` on SQLite and PostgreSQL: exit codes, the JSON report,
and a bad settlement file refused naming the file, line and field with nothing written."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from reconcile_book import (
    account_ids,
    add_order,
    audit_actions,
    count,
    gmt,
    import_book,
    paid_at,
    post_gateway,
    write_settlement,
)
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from arrears import db
from arrears.cli.payments_reconcile import reconcile
from arrears.config import get_settings
from arrears.kit.crypto import FieldCipher
from arrears.models import Payment, Reconciliation

GOOD = [("T1", "O1", "300.00", "TRADE_SUCCESS", gmt(paid_at(10)))]


@pytest.fixture
def cli(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[typer.Typer]:
    """The command as the lead wires it, its settings and engine pointed at the test's database."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            schema = connection.execute(text("select current_schema()")).scalar_one()
        url += f"{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    for name in [name for name in os.environ if name.startswith("ARREARS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ARREARS_DATABASE_URL", url)
    monkeypatch.setenv("ARREARS_SMS_HOTLINE", "95500")
    monkeypatch.setattr(db, "_engines", {})
    get_settings.cache_clear()
    app = typer.Typer()
    app.command("reconcile")(reconcile)
    app.command("other")(lambda: None)  # two commands: the CLI keeps "reconcile" as a word
    try:
        yield app
    finally:
        for one in db._engines.values():
            one.dispose()
        get_settings.cache_clear()


@pytest.fixture
def paid(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> int:
    import_book(engine, tmp_path / "extract", cipher, accounts=1)
    (a1,) = account_ids(engine)
    order_id = add_order(engine, a1, "O1", 300_00)
    add_order(engine, a1, "O2", 200_00)
    return post_gateway(engine, a1, "T1", 300_00, order_id=order_id, at=paid_at(10))


def test_all_matched_exits_0_with_the_json_report(cli: typer.Typer, tmp_path: Path, paid: int) -> None:
    path = write_settlement(tmp_path / "settlement-2026-11-24.csv", GOOD)

    result = CliRunner().invoke(cli, ["reconcile", str(path), "--json"])

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["all_matched"] is True and report["day"] == "2026-11-24" and report["rows"] == 1
    assert report["counts"]["matched"] == 1 and report["differences"] == []


def test_differences_exit_3_and_show_in_the_table(
    cli: typer.Typer, engine: Engine, tmp_path: Path, paid: int
) -> None:
    path = write_settlement(
        tmp_path / "settlement-2026-11-24.csv",
        [*GOOD, ("T2", "O2", "200.00", "TRADE_SUCCESS", gmt(paid_at(11)))],
    )

    result = CliRunner().invoke(cli, ["reconcile", str(path)])

    assert result.exit_code == 3, result.output
    assert "missing here (posted now)" in result.stdout and "T2" in result.stdout
    assert count(engine, Reconciliation) == 1
    again = CliRunner().invoke(cli, ["reconcile", str(path), "--json"])
    assert again.exit_code == 0 and json.loads(again.stdout)["counts"]["matched"] == 2


@pytest.mark.parametrize(
    ("rows", "line", "field"),
    [
        ([("T2", "O2", "2OO.00", "TRADE_SUCCESS", "2026-11-24 11:00:00")], 3, "total_amount"),
        ([("T2", "O2", "200.00", "SUCCESS", "2026-11-24 11:00:00")], 3, "trade_status"),
        ([("T2", "O2", "200.00", "TRADE_SUCCESS", "2026-11-24T11:00:00")], 3, "gmt_payment"),
        ([("T2", "O2", "200.00", "TRADE_SUCCESS", "")], 3, "gmt_payment"),
        ([("T2", "O2", "0.00", "TRADE_SUCCESS", "2026-11-24 11:00:00")], 3, "total_amount"),
        ([("", "O2", "200.00", "TRADE_SUCCESS", "2026-11-24 11:00:00")], 3, "trade_no"),
        ([("T 2", "O2", "200.00", "TRADE_SUCCESS", "2026-11-24 11:00:00")], 3, "trade_no"),
        ([("T2", "x" * 65, "200.00", "TRADE_SUCCESS", "2026-11-24 11:00:00")], 3, "out_trade_no"),
        ([("T1", "O1", "300.00", "TRADE_SUCCESS", "2026-11-24 10:00:00")], 3, "trade_no"),  # T1 twice
        ([("T2", "O2", "200.00", "TRADE_SUCCESS")], 3, None),  # four fields
    ],
)
def test_a_bad_row_is_refused_naming_file_line_and_field_and_nothing_is_written(
    cli: typer.Typer, engine: Engine, tmp_path: Path, paid: int, rows: list[tuple[str, ...]], line: int,
    field: str | None,
) -> None:  # fmt: skip
    # the good row first: the file is checked in full before T1 or T2 is compared or posted
    path = write_settlement(tmp_path / "settlement-2026-11-24.csv", [GOOD[0], *rows])
    before = (count(engine, Payment), count(engine, Reconciliation), len(audit_actions(engine)))

    result = CliRunner().invoke(cli, ["reconcile", str(path)])

    assert result.exit_code == 1
    message = " ".join(result.stderr.split())
    assert message.startswith(f"settlement-2026-11-24.csv, line {line}")
    assert (f"field {field}:" in message) if field else (", field " not in message)
    assert "nothing was written" in message and "Traceback" not in result.output
    assert (count(engine, Payment), count(engine, Reconciliation), len(audit_actions(engine))) == before


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"trade_no,out_trade_no,amount,trade_status,gmt_payment\n", "line 1: the header must be"),
        (b"", "line 1: the header must be"),
        (b"\xff\xfetrade_no\n", "the file is not UTF-8"),
        (b'trade_no,out_trade_no,total_amount,trade_status,gmt_payment\n"T1,O1\n', "not valid CSV"),
    ],
)
def test_a_file_not_in_the_format_is_refused(
    cli: typer.Typer, engine: Engine, tmp_path: Path, paid: int, content: bytes, expected: str
) -> None:
    path = tmp_path / "settlement-2026-11-24.csv"
    path.write_bytes(content)

    result = CliRunner().invoke(cli, ["reconcile", str(path)])

    assert result.exit_code == 1 and expected in " ".join(result.stderr.split())
    assert count(engine, Reconciliation) == 0


def test_a_file_without_a_day_asks_for_one(cli: typer.Typer, tmp_path: Path, paid: int) -> None:
    path = write_settlement(tmp_path / "settlement.csv", [])

    refused = CliRunner().invoke(cli, ["reconcile", str(path)])
    given = CliRunner().invoke(cli, ["reconcile", str(path), "--day", "2026-11-24", "--json"])

    assert refused.exit_code == 1 and "cannot tell which day" in " ".join(refused.stderr.split())
    assert given.exit_code == 3 and json.loads(given.stdout)["counts"]["missing_at_gateway"] == 1


def test_help_says_what_the_exit_codes_mean(cli: typer.Typer) -> None:
    result = CliRunner().invoke(cli, ["reconcile", "--help"])

    assert result.exit_code == 0
    assert "3 differences" in result.stdout and "1 an error" in result.stdout
