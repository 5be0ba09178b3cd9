"""``arrears batch``: the daily run in file mode (Parquet in, Parquet out)."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.table import Table

from arrears.cli.common import console, err_console, parse_day, reports_errors

app = typer.Typer(
    help="The daily run over Parquet files, in-process or on Apache Spark.", no_args_is_help=True
)


@app.command()
@reports_errors
def run(
    accounts: Path = typer.Option(..., "--accounts", help="The portfolio (Parquet, docs/batch.md)."),
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
    from arrears.batch.run_file import ENGINES, run_file
    from arrears.cli.model import model_directory
    from arrears.compliance import load_policy
    from arrears.strategy.load import load_strategy

    if engine not in ENGINES:
        raise typer.BadParameter(f"must be one of {', '.join(ENGINES)}", param_hint="--engine")
    day = parse_day(date_, option="--date")
    assert day is not None
    started = time.perf_counter()
    last = [started]

    def step(name: str) -> None:
        now = time.perf_counter()
        err_console.print(f"[{now - started:6.1f} s] {name}", highlight=False)
        last[0] = now

    outputs = run_file(
        accounts,
        strategy=load_strategy(strategy).strategy,
        model_directory=model_directory(model),
        policy=load_policy(policy),
        as_of=day,
        out=out,
        engine=engine,
        step=step,
    )
    report = outputs.report
    table = Table(title=f"{day} · {report['accounts']:,} accounts · {time.perf_counter() - started:.1f} s")
    for name in ("output", "actions", "expected value (yuan)"):
        table.add_column(name, justify="left" if name == "output" else "right")
    for channel, figures in report["chosen"].items():
        table.add_row(channel, f"{figures['actions']:,}", f"{figures['expected_value_fen'] / 100:,.2f}")
    console.print(table)
    blocked = ", ".join(f"{rule} {count:,}" for rule, count in report["blocked_by_rule"].items()) or "none"
    console.print(
        f"candidates {report['candidates']:,}, blocked {report['blocked']:,} ({blocked}); outputs in {out}"
    )
