"""A synthetic extract passes the importer's checking pass without a single problem."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import pytest

from arrears.imports.checking import check_extract
from arrears.imports.problems import ProblemLog
from arrears.imports.source import open_extract
from arrears.imports.synth import synth_extract


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
@pytest.mark.parametrize("as_of", [date(2026, 11, 23), date(2024, 2, 29)])
def test_synthetic_extract_passes_the_checks(
    tmp_path: Path, file_format: Literal["csv", "parquet"], as_of: date
) -> None:
    summary = synth_extract(
        accounts=2_000, seed=2026, out=tmp_path, as_of=as_of, file_format=file_format, chunk_rows=750
    )
    problems = ProblemLog()
    source = open_extract(tmp_path, as_of=as_of, problems=problems)
    result = check_extract(
        source,
        problems=problems,
        known_in_store=lambda kind, keys: set(),
        batch_rows=50_000,
        progress=lambda f, n: None,
    )
    assert not problems, problems.kept[:20]
    assert sorted(source.files) == sorted(["customers", "accounts", "statements", "payments", "transactions"])
    assert all(path.suffix == f".{file_format}" for path in source.files.values())
    assert result.rows == {
        "customers": summary.customers,
        "accounts": summary.accounts,
        "statements": summary.statements,
        "payments": summary.payments,
        "transactions": summary.transactions,
    }
