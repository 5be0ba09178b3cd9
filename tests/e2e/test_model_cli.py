"""End to end: ``arrears model`` train, score, evaluate, drift, register, promote, score the active one."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from test_cli import Cli

from arrears.imports.uci import bundled_path

pytestmark = pytest.mark.slow


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6,000 accounts of the bundled file (training on all of them takes longer than a test should)."""
    path = tmp_path_factory.mktemp("uci") / "sample.csv"
    pl.read_csv(bundled_path(), infer_schema=False).head(6000).write_csv(path)
    return path


def test_train_score_evaluate_drift_and_the_registry(cli: Cli, sample: Path, tmp_path: Path) -> None:
    model = tmp_path / "model"
    trained = cli.run("model", "train", "--data", sample, "--out", model)
    assert "CV AUC" in trained.stdout
    assert {"card.json", "card.md", "booster.txt", "tables.npz", "drift_reference.json"} <= {
        p.name for p in model.iterdir()
    }

    scores = tmp_path / "scores.parquet"
    cli.run("model", "score", "--model", model, "--data", sample, "--out", scores)
    frame = pl.read_parquet(scores)
    assert frame.height == 6000
    assert frame.columns[:6] == ["ID", "p_default", "score", "risk_tier", "willingness", "ability"]
    assert frame["reason_1_zh"].null_count() < frame.height

    evaluated = cli.run(
        "model", "evaluate", "--model", model, "--data", sample, "--plots", tmp_path / "plots"
    )
    assert "AUC" in evaluated.stdout and "Gains by decile" in evaluated.stdout
    assert (tmp_path / "plots" / "roc.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "plots" / "calibration.png").exists()

    extract = tmp_path / "extract"
    cli.run("synth", "extract", "--accounts", "300", "--seed", "5", "--out", extract)
    from_extract = tmp_path / "extract-scores.parquet"
    cli.run(
        "model", "score", "--model", model, "--data", extract, "--as-of", "2026-11-23", "--out", from_extract
    )
    assert pl.read_parquet(from_extract).height == 300
    refused = cli.run(
        "model", "train", "--data", extract, "--as-of", "2026-11-23", "--out", tmp_path / "x", expect=1
    )
    assert "no outcomes" in refused.stderr

    drift = cli.run("model", "drift", "--model", model, "--data", sample)  # exit code 3 on an alert
    assert "score" in drift.stdout

    cli.run("db", "upgrade")
    no_active = cli.run("model", "score", "--model", "active", "--data", sample, "--out", scores, expect=1)
    assert "no model is active" in no_active.stderr
    registered = cli.run("model", "register", model, "--by", "analyst")
    version = registered.stdout.split()[1]
    cli.run("model", "promote", version, "--by", "risk-manager")
    listed = cli.run("model", "list")
    assert version in listed.stdout and "risk-manager" in listed.stdout
    cli.run("model", "score", "--model", "active", "--data", sample, "--out", tmp_path / "again.parquet")
    assert pl.read_parquet(tmp_path / "again.parquet").equals(frame)


def test_bad_input_gives_a_clear_error(cli: Cli, sample: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.csv"
    rows = pl.read_csv(sample, infer_schema=False).drop("LIMIT_BAL")
    rows.write_csv(broken)
    result = cli.run("model", "train", "--data", broken, "--out", tmp_path / "m", expect=1)
    assert "broken.csv" in result.stderr and "LIMIT_BAL" in result.stderr
    missing = cli.run(
        "model",
        "score",
        "--model",
        tmp_path / "nowhere",
        "--data",
        sample,
        "--out",
        tmp_path / "x.parquet",
        expect=1,
    )
    assert "is not a model directory" in missing.stderr


def test_the_demo_imports_summarises_trains_and_scores(cli: Cli) -> None:
    result = cli.run("demo", "--prepare-only")
    assert "18,523" in result.stdout and "2,959" in result.stdout  # M0 and M1 of the bundled book
    assert "is now the active model" in result.stdout
    scores = pl.read_parquet(cli.data_dir / "scores.parquet")
    assert scores.height == 24_000
    assert set(scores["risk_tier"].cast(pl.String).unique()) == {"A", "B", "C", "D", "E"}
    users = " ".join(result.stdout.split())  # the console wraps the list of users at its width
    assert "collector1 (collector)" in users and "agency1 (agency_user)" in users
    assert "lead2 (team_lead)" in users  # the field team's lead
    assert "Their password (random" in result.stdout
    said = " ".join(result.stdout.split())
    queued = re.search(r"messages queued ([\d,]+) \(email ([\d,]+), letter 40, sms ([\d,]+)\)", said)
    assert queued, said
    total, emails, texts = (int(group.replace(",", "")) for group in queued.groups())
    assert total == emails + 40 + texts and texts > 0 and emails > 0  # the two collectors cannot call all
    assert f"sent {emails + texts:,}, waiting 0, failed 0" in said  # letters go to the print house instead
    assert "Letters rendered 40 (not rendered: none)" in said
    sms = (cli.data_dir / "outbox" / "sms").glob("*.jsonl")
    lines = [json.loads(line) for path in sms for line in path.read_text("utf-8").splitlines()]
    assert len(lines) == texts and all(line["key"].startswith("run:2005-10-01:sms:") for line in lines)
    letters = cli.data_dir / "outbox" / "letter" / "2005-10-01"
    manifest = pl.read_csv(letters / "manifest.csv", infer_schema=False)
    assert manifest.height == 40 and (letters / "letters-2005-10-01.pdf").stat().st_size > 0
    assert (cli.data_dir / "strategies" / "demo.yaml").is_file()
