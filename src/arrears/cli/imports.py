"""``arrears import``: bank extracts and the bundled sample portfolio."""

from __future__ import annotations

import csv
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from arrears.cli.common import console, err_console, parse_day, reports_errors, row_progress
from arrears.imports.extract_format import FILES
from arrears.imports.problems import ExtractRejected, ProblemLog, count_problems

if TYPE_CHECKING:
    from arrears.imports.service import ImportReport

# The heavy modules (database, Polars, Arrow) are imported inside the commands: --help stays fast.
UCI_AS_OF = "2005-10-01"

app = typer.Typer(
    help="Import the bank's daily extract or the bundled sample portfolio.", no_args_is_help=True
)

SHOWN_PROBLEMS = 50


def count_rows(directory: Path) -> dict[str, int]:
    """Rows per file (for the progress bars), counted cheaply."""
    import pyarrow.parquet as pq

    totals: dict[str, int] = {}
    for spec in FILES:
        for suffix in (".csv", ".parquet"):
            path = directory / f"{spec.name}{suffix}"
            if not path.exists():
                continue
            if suffix == ".parquet":
                totals[path.name] = pq.ParquetFile(path).metadata.num_rows
            else:
                with path.open("rb") as handle:
                    lines = sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 22), b""))
                totals[path.name] = max(lines - 1, 0)
    return totals


def print_problems(problems: ProblemLog, report: Path | None) -> None:
    for problem in problems.kept[:SHOWN_PROBLEMS]:
        err_console.print(str(problem), highlight=False, markup=False)
    hidden = problems.total - min(len(problems.kept), SHOWN_PROBLEMS)
    if hidden > 0:
        err_console.print(f"... and {hidden:,} more", highlight=False)
    if report is not None:
        with report.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file", "row", "column", "problem"])
            writer.writerows([p.file, p.row or "", p.column or "", p.message] for p in problems.kept)
        err_console.print(f"problems written to {report}", highlight=False)
    err_console.print(f"[red]{count_problems(problems.total)}; nothing was imported.[/red]", highlight=False)


def print_report(report: ImportReport) -> None:
    table = Table(title=f"Import as of {report.as_of}", show_edge=False)
    table.add_column("file")
    table.add_column("rows read", justify="right")
    for name, rows in report.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    written = ", ".join(f"{name} {count:,}" for name, count in report.written.items() if count) or "none"
    console.print(f"rows inserted or changed: {written}")
    console.print(
        f"delinquency snapshot {report.snapshot.as_of}: {report.snapshot.accounts:,} accounts, "
        f"{report.snapshot.written:,} rows written"
    )
    if not report.changed_anything:
        console.print("this extract was already imported: nothing changed")


def run_import(directory: Path, *, as_of_text: str, label: str, problems_out: Path | None) -> ImportReport:
    from arrears import migrate
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.imports.service import import_extract
    from arrears.kit import clock
    from arrears.kit.crypto import cipher_for

    as_of = parse_day(as_of_text, option="--as-of")
    assert as_of is not None
    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    cipher = cipher_for(settings)
    totals = count_rows(directory)
    with row_progress(sys.stderr.isatty(), totals) as progress, engine.begin() as connection:
        try:
            report = import_extract(
                connection,
                directory,
                as_of=as_of,
                cipher=cipher,
                now=clock.now(),
                source_label=label,
                batch_rows=settings.import_batch_rows,
                progress=progress,
                total_rows=sum(totals.values()),
            )
        except ExtractRejected as rejected:
            connection.rollback()
            print_problems(rejected.problems, problems_out)
            raise typer.Exit(code=2) from None
    return report


@app.command("extract")
@reports_errors
def extract(
    directory: Path = typer.Argument(
        ..., help="Folder with manifest.json and the extract files (CSV or Parquet)."
    ),
    as_of: str = typer.Option(..., "--as-of", help="Business date of the extract (YYYY-MM-DD)."),
    problems_out: Path | None = typer.Option(
        None, "--problems-out", help="Also write every problem to this CSV."
    ),
) -> None:
    """Import a bank extract (format: docs/extract-format.md). All or nothing; re-importing changes nothing.

    Exit code 2 when the extract has problems: each is listed with file, row and column, and nothing
    is written.
    """
    print_report(run_import(directory, as_of_text=as_of, label="extract", problems_out=problems_out))


@app.command("uci")
@reports_errors
def uci_file(
    path: Path | None = typer.Argument(
        None, help="UCI credit-card CSV (default: the bundled 24,000 accounts)."
    ),
    as_of: str = typer.Option(UCI_AS_OF, "--as-of", help="Portfolio date; the file is of 2005-10-01."),
    keep_extract: Path | None = typer.Option(None, "--keep-extract", help="Keep the generated extract here."),
) -> None:
    """Import the UCI "default of credit card clients" file as a portfolio with synthetic identities."""
    from arrears.imports import uci

    source = path or uci.bundled_path()
    try:
        frame = uci.read_uci(source)
    except ExtractRejected as rejected:
        print_problems(rejected.problems, None)
        raise typer.Exit(code=2) from None
    with tempfile.TemporaryDirectory(prefix="arrears-uci-") as scratch:
        directory = keep_extract or Path(scratch)
        uci.write_extract(frame, directory, as_of=parse_day(as_of, option="--as-of"))
        report = run_import(directory, as_of_text=as_of, label="uci", problems_out=None)
    print_report(report)
