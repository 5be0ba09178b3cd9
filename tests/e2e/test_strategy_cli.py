"""``arrears strategy``: validate a file, preview it on an imported book."""

from __future__ import annotations

from pathlib import Path

from test_cli import SMALL_UCI, Cli, write_uci


def test_validate_the_default_and_refuse_a_bad_file(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    assert "default version 3: 11 segments, 12 arms" in cli.run("strategy", "validate", "default").stdout
    bad = tmp_path / "plan.yaml"
    bad.write_text(
        "name: x\nversion: 1\nlabel: {zh: 甲, en: X}\neconomics: {}\ntreatments:\n"
        "  t: {label: {zh: 甲, en: T}, steps: [{channel: pigeon, within: 1}]}\n"
        "segments:\n  - {id: s, label: {zh: 甲, en: S}, when: {dpd: {min: 1}}, treatment: t}\n",
        "utf-8",
    )
    result = cli.run("strategy", "validate", bad, expect=1)
    assert f"{bad}: line 6, treatments.t.steps.0.channel" in result.stderr
    assert "Traceback" not in result.stderr


def test_preview_counts_the_book_per_segment(tmp_path: Path) -> None:
    cli = Cli(tmp_path / "data")
    cli.run("import", "uci", write_uci(tmp_path / "small.csv", SMALL_UCI))
    result = cli.run("strategy", "preview", "default", "--lang", "en")
    assert "m2" in result.stdout and "phone_m2" in result.stdout
    assert "no segment" in result.stdout
    assert "preview" not in result.stderr
