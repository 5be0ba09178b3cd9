"""``arrears batch``: the daily run in file mode (Parquet in, Parquet out)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import typer

from arrears.cli.common import console, err_console, parse_day, reports_errors, row_progress
from arrears.cli.run_day import print_report

app = typer.Typer(
    help="The daily run over Parquet files, in-process or on Apache Spark.", no_args_is_help=True
)


@app.command()
@reports_errors
def run(
    accounts: str = typer.Option(
        ...,
        "--accounts",
        help="The portfolio (Parquet, docs/batch.md); with --engine spark, any URL Spark reads.",
    ),
    strategy: str = typer.Option("default", "--strategy", help="`default` or a strategy file (YAML)."),
    model: str = typer.Option(..., "--model", help="A model directory, or `active` (the promoted one)."),
    date_: str = typer.Option(..., "--date", help="Business date of the run (YYYY-MM-DD)."),
    out: Path = typer.Option(..., "--out", help="Folder for the outputs and report.json."),
    engine: str = typer.Option("local", "--engine", help="local (Polars, in-process) or spark (PySpark)."),
    policy: str = typer.Option("cn", "--policy", help="Compliance policy: cn, us or a policy file."),
) -> None:
    """Score, segment, decide due actions, check them against the rulebook, allocate team capacity and
    write the SMS outbox, call queue, visit candidates, letters, legal and agency tasks (Parquet) with
    report.json. The same inputs and date give the same rows."""
    from arrears.batch.portfolio import portfolio_rows
    from arrears.batch.run_file import ENGINES, run_file
    from arrears.cli.model import model_directory
    from arrears.compliance import load_policy
    from arrears.strategy.load import load_strategy

    if engine not in ENGINES:
        raise typer.BadParameter(f"must be one of {', '.join(ENGINES)}", param_hint="--engine")
    day = parse_day(date_, option="--date")
    assert day is not None
    started = time.perf_counter()

    def step(name: str) -> None:
        err_console.print(f"[{time.perf_counter() - started:6.1f} s] {name}", highlight=False)

    total = portfolio_rows(Path(accounts))
    with row_progress(sys.stderr.isatty(), {"accounts decided": total}) as progress:
        outputs = run_file(
            accounts,
            strategy=load_strategy(strategy).strategy,
            model_directory=model_directory(model),
            policy=load_policy(policy),
            as_of=day,
            out=out,
            engine=engine,
            step=step,
            advance=lambda rows: progress("accounts decided", rows),
        )
    print_report(outputs.report, seconds=time.perf_counter() - started)
    console.print(f"outputs in {out}")
