"""End to end: ``arrears model`` train, score, evaluate, drift, register, promote, score the active one."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from demo_screens import figure, first_screens
from test_cli import ENCRYPTION_KEY, Cli

from arrears.imports.uci import bundled_path
from arrears.users.demo import USERS

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
    assert "lawyer1 (lawyer)" in users and "Legal proceeded on 2 referrals" in " ".join(result.stdout.split())
    assert "Their password (random" in result.stdout
    said = " ".join(result.stdout.split())
    assert "placement batch 1 of the run of 2005-10-01: 13 of 13 accounts placed" in said
    assert "agency C refused: the agency was not inspected in the last 365 days" in said
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
    password = re.search(r"Their password \(random; set \S+ to choose one\): (\S+)", result.stdout)
    assert password is not None
    with sqlite3.connect(cli.data_dir / "arrears.db") as db:  # the morning's calls, each with its recording
        recorded = db.execute(
            "SELECT count(*), min(duration_seconds) FROM contact_event WHERE recording_ref LIKE '20051001/%'"
        ).fetchone()
        lawyer_letters = db.execute(  # the firm's letter, from the template, for the print house
            "SELECT status FROM outbox_message WHERE template = 'lawyer_letter' AND legal_case_id IS NOT NULL"
        ).fetchall()
    assert recorded == (28, 25) and lawyer_letters == [("queued",)]
    _first_screens_have_work(cli, password.group(1))


def _first_screens_have_work(cli: Cli, password: str) -> None:
    """The demo's business date (2005-10-01, its run's) holds a day: every demo user's first screen
    has work on it."""
    users = [name for name, _, _ in USERS]
    screens = first_screens(cli.data_dir, ENCRYPTION_KEY, password, users)
    paths = {name: path for name, (path, _) in screens.items()}
    assert paths == {"collector1": "/", "collector2": "/", "visitor1": "/visits/today",
                     "visitor2": "/visits/today", "lead1": "/team", "lead2": "/visits/plan",
                     "legal1": "/legal", "compliance1": "/compliance", "service1": "/service/inbound",
                     "manager1": "/dashboard", "admin1": "/admin/users", "agency1": "/agency",
                     "lawyer1": "/legal/cases"}  # fmt: skip
    text = {name: shown for name, (_, shown) in screens.items()}
    assert all("业务日期 2005-10-01" in shown for shown in text.values())
    assert figure(text["collector1"], "队列中等待的案件") > 0 and figure(text["collector1"], "通话") == 14
    assert text["visitor1"].count("待处理") >= 5 and "已完成" in text["visitor1"]  # the morning's visit done
    assert figure(text["lead1"], "collector1") == 14  # each collector's calls on the floor
    assert "2005-10-01" in text["lead2"] and "pair-1" in text["lead2"]
    assert figure(text["manager1"], "接通率 · 本人联系率") > 0 and "28 通电话" in text["manager1"]
    # the run's 16 reviews (past 180 DPD, 10,000 yuan or more, able to pay), two decided that morning:
    # legal cases, the first with the law firm's letter
    assert figure(text["legal1"], "等待中") == 14 and "采取法律行动" in text["legal1"]
    assert "进行中的案件：1" in text["lawyer1"] and "律师函" in text["lawyer1"]
    assert "来电已记录" in text["compliance1"] or "客服案件已创建" in text["compliance1"]
    assert figure(text["service1"], "我的未结工单") == 1
    assert all(name in text["admin1"] for name in users)
    # the batch placed the day's 13 hand-overs with A and B (C refused: its inspection lapsed); B, new
    # like A and owed a share for its capacity, took three in its northern towns
    assert figure(text["agency1"], "委外的账户共") == 10
