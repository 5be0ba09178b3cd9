"""``arrears synth portfolio`` and ``arrears batch run``: a day in file mode from the command line."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from test_cli import SMALL_UCI, UCI_AS_OF, Cli, write_uci

from arrears.imports.uci import bundled_path


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Path]:
    work = tmp_path_factory.mktemp("batch")
    cli = Cli(work / "data")
    sample = work / "sample.csv"
    sample.write_text("\n".join(bundled_path().read_text("utf-8").splitlines()[:3_001]) + "\n", "utf-8")
    cli.run("model", "train", "--data", sample, "--out", work / "model")
    return cli, work


def test_a_day_over_a_synthetic_book_twice_gives_the_same_files(trained: tuple[Cli, Path]) -> None:
    cli, work = trained
    book = work / "book.parquet"
    assert (
        "wrote 4,000 accounts"
        in cli.run("synth", "portfolio", "--accounts", "4000", "--seed", "2", "--out", book).stdout
    )
    outputs = []
    for name in ("first", "second"):
        result = cli.run(
            "batch",
            "run",
            "--accounts",
            book,
            "--model",
            work / "model",
            "--date",
            "2026-11-23",
            "--out",
            work / name,
        )
        assert "4,000 accounts" in result.stdout and "call" in result.stdout
        assert "skipped, nowhere to reach" in result.stdout and "no_email" in result.stdout
        outputs.append({path.name: path.read_bytes() for path in sorted((work / name).iterdir())})
    assert outputs[0].keys() == {
        "report.json",
        "sms_outbox.parquet",
        "email_outbox.parquet",
        "push_outbox.parquet",
        "call_queue.parquet",
        "visit_candidates.parquet",
        "letters.parquet",
        "legal_tasks.parquet",
        "agency_tasks.parquet",
    }
    for name in outputs[0]:
        if name.endswith(".parquet"):
            assert pl.read_parquet(work / "first" / name).equals(pl.read_parquet(work / "second" / name)), (
                name
            )
    report = json.loads(outputs[0]["report.json"])
    assert report["accounts"] == 4_000 and report["strategy"] == {"name": "default", "version": 3}
    # e-mails and app notices of the early reminders, each e-mail to an account with an address
    book_rows = pl.read_parquet(book).select("account_id", "email_point")
    for stem in ("email_outbox", "push_outbox"):
        sent = pl.read_parquet(work / "first" / f"{stem}.parquet")
        assert sent.height == report["chosen"][stem.split("_")[0]]["actions"] > 0
    mailed = pl.read_parquet(work / "first" / "email_outbox.parquet").join(book_rows, on="account_id")
    assert mailed["email_point"].is_not_null().all()
    assert report["skipped_by_reason"]["no_email"] > 0


def test_a_bad_portfolio_is_named_and_nothing_is_written(trained: tuple[Cli, Path]) -> None:
    cli, work = trained
    bad = work / "bad.parquet"
    pl.DataFrame({"account_id": ["A1"], "dpd": [3]}).write_parquet(bad)
    result = cli.run(
        "batch",
        "run",
        "--accounts",
        bad,
        "--model",
        work / "model",
        "--date",
        "2026-11-23",
        "--out",
        work / "none",
        expect=1,
    )
    assert f"{bad}: missing columns customer_id" in result.stderr
    assert not (work / "none" / "report.json").exists()


def test_run_day_over_the_store_once_per_date_and_forward_only(trained: tuple[Cli, Path]) -> None:
    cli, work = trained
    cli.run("import", "uci", write_uci(work / "small.csv", SMALL_UCI))
    cli.run("model", "register", work / "model", "--by", "test")
    version = json.loads((work / "model" / "card.json").read_text())["version"]
    cli.run("model", "promote", version, "--by", "test")
    first = cli.run("run-day", "--date", UCI_AS_OF)
    assert "3 accounts" in first.stdout and "decide" in first.stderr
    assert "agency recall 2005-10-01: 0 placements recalled" in first.stdout  # the sweep ends the run
    again = cli.run("run-day", "--date", UCI_AS_OF)
    assert "was already run; nothing changed" in again.stdout and "decide" not in again.stderr
    refused = cli.run("run-day", "--date", "2005-09-30", expect=1)
    assert "before the last completed run (2005-10-01)" in refused.stderr
