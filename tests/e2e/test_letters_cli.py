"""``arrears letters``: the day's letters rendered for the print house, a folder never overwritten, the
post's tracking applied, and bad input refused with a message, never a traceback."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path

import pytest
from letter_book import DAY, seed
from test_cli import Cli

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from fixed_keys import TEST_KEY


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """Three cardholders with a queued letter each (one without a mailing address) in the command's
    SQLite file; the letters may still go today."""
    cli = Cli(tmp_path / "data")
    cli.data_dir.mkdir(parents=True)
    engine = make_engine(f"sqlite:///{cli.sqlite_file}")
    migrate.upgrade(engine)
    seed(
        engine, FieldCipher(TEST_KEY), count=3, without_address=(2,), deadline_at=now() + timedelta(hours=12)
    )
    engine.dispose()
    return cli


def test_render_then_tracking(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "print"

    rendered = cli.run("letters", "render", "--date", DAY.isoformat(), "--out", out)

    assert "2 letters (2 pages) rendered" in rendered.stdout
    assert "1 not rendered (no_address 1): see skipped.csv" in rendered.stdout
    with (out / "manifest.csv").open(encoding="utf-8-sig") as handle:
        assert [row["recipient"] for row in csv.DictReader(handle)] == ["张伟", "王秀英"]
    tracking = tmp_path / "post.csv"
    tracking.write_text(
        f"letter_id,tracking_no,status,date\nletters-{DAY}#000001,EA1,posted,{DAY}\n"
        f"letters-{DAY}#000002,EA2,delivered,{DAY}\n",
        encoding="utf-8",
    )
    applied = cli.run("letters", "tracking", tracking)
    assert "2 tracking events applied (1 delivered, 0 returned)" in applied.stdout
    tracked = cli.sql(
        "SELECT tracking_no, status FROM outbox_message WHERE tracking_no IS NOT NULL ORDER BY id"
    )
    assert tracked == [("EA1", "sent"), ("EA2", "delivered")]


def test_a_folder_holding_a_batch_is_refused(cli: Cli, tmp_path: Path) -> None:
    out = tmp_path / "print"
    cli.run("letters", "render", "--date", DAY.isoformat(), "--out", out)

    again = cli.run("letters", "render", "--date", DAY.isoformat(), "--out", out, expect=1)

    assert "already holds a batch" in again.stderr and "Traceback" not in again.stderr
    nothing = cli.run("letters", "render", "--date", DAY.isoformat(), "--out", tmp_path / "other")
    assert "no letters queued" in nothing.stdout


def test_a_bad_tracking_file_names_row_and_column(cli: Cli, tmp_path: Path) -> None:
    tracking = tmp_path / "post.csv"
    tracking.write_text("letter_id,tracking_no,status,date\nletters-2026-11-24#000001,EA1,lost,2026-11-24\n")

    refused = cli.run("letters", "tracking", tracking, expect=1)

    assert "post.csv row 2, column status: 'lost' is not one of" in refused.stderr
    assert "nothing was applied" in refused.stderr and "Traceback" not in refused.stderr


class _WithoutFonts(Cli):
    def env(self) -> dict[str, str]:
        return super().env() | {"ARREARS_LETTER_FONT_DIR": str(self.data_dir.parent / "no-fonts")}


def test_no_cjk_font_is_a_clear_refusal(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "no-fonts").mkdir()
    fontless = _WithoutFonts(cli.data_dir)

    refused = fontless.run("letters", "render", "--date", str(DAY), "--out", tmp_path / "print", expect=1)

    assert "no CJK font" in refused.stderr and "ARREARS_LETTER_FONT_DIR" in refused.stderr
