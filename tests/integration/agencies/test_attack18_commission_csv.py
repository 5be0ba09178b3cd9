"""Attacks on the agency commission statements and the register's rules: a payment reference from the
bank's data that a spreadsheet would run as a formula lands in the statement's CSV as text; the
statement's CSV lines add up to its totals to the fen; a tampered CSV is caught by its SHA-256; a form's
capacity in other scripts' digits is refused (never a 500, never a silent 123)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine

from arrears.agencies import commission
from arrears.agencies import register_rules as rules
from arrears.agencies.commission_files import FileChanged
from arrears.kit.inputs import InvalidField
from commission_book import MARCH, accounts, agency, make, pay, place, schedule, snapshot

FORMULAS = ("=cmd|' /C calc'!A0", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1:A9)", "\t=1+1", "\r=1+1")


def _rows(data_dir: Path, made: commission.Made) -> list[dict[str, str]]:
    stored = data_dir / made.prepared.csv_path
    text = stored.read_bytes().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


@pytest.fixture
def statement(engine: Engine, tmp_path: Path) -> tuple[Path, commission.Made]:
    with engine.begin() as connection:
        (one,) = accounts(connection, 1)
        agency(connection, "A1")
        snapshot(connection, one, date(2026, 2, 27), dpd=45, overdue_fen=500_000)
        place(connection, one, "A1", date(2026, 2, 28), date(2026, 5, 28), run_date=date(2026, 2, 27))
        for number, ref in enumerate(FORMULAS, start=1):
            pay(connection, one, date(2026, 3, number), 10_001 * number, ref)
    schedule(engine, "A1", date(2026, 1, 1), "0-90:*:1250")
    (made,) = make(engine, tmp_path, MARCH, code="A1")
    return tmp_path, made


def test_a_payment_reference_that_is_a_formula_is_kept_as_text(
    statement: tuple[Path, commission.Made],
) -> None:
    data_dir, made = statement
    refs = [row["payment_ref"] for row in _rows(data_dir, made)]
    assert len(refs) == len(FORMULAS)
    for ref in refs:
        assert not ref.startswith(("=", "+", "-", "@", "\t", "\r")), refs
    assert sorted(ref.removeprefix("'") for ref in refs) == sorted(FORMULAS)


def test_the_lines_add_up_to_the_statement_to_the_fen(statement: tuple[Path, commission.Made]) -> None:
    data_dir, made = statement
    rows = _rows(data_dir, made)
    paid = sum(round(float(row["amount_yuan"]) * 100) for row in rows)
    earned = sum(round(float(row["commission_yuan"]) * 100) for row in rows)
    assert paid == sum(10_001 * n for n in range(1, len(FORMULAS) + 1)) == made.prepared.tally.collected_fen
    assert earned == made.prepared.tally.commission_fen > 0


def test_a_tampered_statement_csv_is_refused(statement: tuple[Path, commission.Made], engine: Engine) -> None:
    data_dir, made = statement
    stored = data_dir / made.prepared.csv_path
    stored.write_bytes(stored.read_bytes().replace(b"100.01", b"900.01"))
    with engine.connect() as connection, pytest.raises(FileChanged):
        commission.statement_file(connection, statement_id=made.statement_id, kind="csv", data_dir=data_dir)


@pytest.mark.parametrize("typed", ["²", "１２３", "٣", "1²", "⑤"])
def test_a_capacity_in_other_digits_is_refused_naming_the_field(typed: str) -> None:
    with pytest.raises(InvalidField) as refused:
        rules.parse_capacity(typed)
    assert refused.value.field == "capacity"


def test_the_frames_text_cell_is_the_letters_text_cell() -> None:
    import polars as pl

    from arrears.agencies.commission_frames import text_cell_expr
    from arrears.messaging.letters.rules import as_text_cell

    values = [*FORMULAS, "P-1", "", " =1", "'=1", "支付宝-1", "\n=1", "1-2"]
    frame = pl.DataFrame({"payment_ref": values}).select(text_cell_expr(pl.col("payment_ref")))
    assert frame["payment_ref"].to_list() == [as_text_cell(one) for one in values]
