"""``arrears synth``: synthetic data for scale tests."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import typer

from arrears.cli.common import console, parse_day, reports_errors

app = typer.Typer(
    help="Generate realistic synthetic data (distributions from the UCI portfolio).", no_args_is_help=True
)


@app.command("extract")
@reports_errors
def extract(
    accounts: int = typer.Option(..., "--accounts", min=1, help="How many card accounts."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same files."),
    out: Path = typer.Option(..., "--out", help="Folder to write the extract into."),
    as_of: str = typer.Option("2026-11-23", "--as-of", help="Business date of the extract."),
    file_format: str = typer.Option("csv", "--format", help="csv or parquet."),
) -> None:
    """Write a synthetic bank extract (format version 1) for scale tests."""
    from arrears.imports.synth import synth_extract

    if file_format not in ("csv", "parquet"):
        raise typer.BadParameter("must be csv or parquet", param_hint="--format")
    chosen: Literal["csv", "parquet"] = "csv" if file_format == "csv" else "parquet"
    day = parse_day(as_of, option="--as-of")
    assert day is not None
    summary = synth_extract(accounts=accounts, seed=seed, out=out, as_of=day, file_format=chosen)
    console.print(
        f"wrote {summary.accounts:,} accounts, {summary.statements:,} statements, "
        f"{summary.payments:,} payments, {summary.transactions:,} transactions to {out}"
    )


@app.command("portfolio")
@reports_errors
def portfolio(
    accounts: int = typer.Option(..., "--accounts", min=1, help="How many delinquent accounts."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed gives the same rows."),
    out: Path = typer.Option(..., "--out", help="The Parquet file to write."),
    as_of: str = typer.Option("2026-11-23", "--as-of", help="Business date of the book."),
) -> None:
    """Write a synthetic delinquent book in the portfolio format of `arrears batch run`."""
    from arrears.batch.synth_portfolio import synth_portfolio

    day = parse_day(as_of, option="--as-of")
    assert day is not None
    written = synth_portfolio(out, accounts=accounts, seed=seed, as_of=day)
    console.print(f"wrote {written:,} accounts to {out}")
