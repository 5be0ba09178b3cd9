"""``arrears strategy``: check a strategy file and preview it on the book."""

from __future__ import annotations

import typer
from rich.table import Table

from arrears.cli.common import console, parse_day, reports_errors

app = typer.Typer(
    help="Collection strategies: validate a file, preview it on the book.", no_args_is_help=True
)

STRATEGY = typer.Argument(
    ..., help="`default` (the built-in strategy) or the path of a strategy file (YAML)."
)


@app.command()
@reports_errors
def validate(strategy: str = STRATEGY) -> None:
    """Check a strategy file: fields, channels, treatments, arm shares, and that no two segments overlap.

    Exit code 0 when it is valid, 1 with every problem named (file, line, field) when not.
    """
    from arrears.strategy.load import load_strategy

    loaded = load_strategy(strategy)
    plan = loaded.strategy
    arms = sum(len(one.arms_or_one()) for one in plan.segments)
    console.print(
        f"{loaded.source}: valid. {plan.name} version {plan.version}: {len(plan.segments)} segments, "
        f"{arms} arms, {len(plan.treatments)} treatments (sha256 {loaded.sha256[:12]})"
    )


@app.command()
@reports_errors
def preview(
    strategy: str = STRATEGY,
    as_of: str | None = typer.Option(None, "--as-of", help="Book date (default: the latest snapshot)."),
    model: str | None = typer.Option(
        None, "--model", help="A model directory or `active` to score the book (else the last run's)."
    ),
    lang: str | None = typer.Option(None, "--lang", help="zh_CN or en (default: ARREARS_LOCALE, zh_CN)."),
) -> None:
    """Accounts and balance per segment, arm and treatment on the book in the store; nothing is sent."""
    from arrears.cli.model import model_directory
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit.money import format_fen
    from arrears.strategy.load import load_strategy
    from arrears.strategy.preview import preview_book, summary

    plan = load_strategy(strategy).strategy
    locale = lang or get_settings().locale
    directory = model_directory(model) if model else None
    with get_engine().connect() as connection:
        day, segmented = preview_book(
            connection, plan, as_of=parse_day(as_of, option="--as-of"), model_directory=directory
        )
    rows = summary(segmented, plan, locale=locale)
    table = Table(title=f"{plan.name} v{plan.version} · {day} · {segmented.height:,}")
    for name in ("segment", "label", "arm", "treatment", "accounts", "balance", "escalated"):
        table.add_column(name, justify="right" if name in ("accounts", "balance", "escalated") else "left")
    for row in rows.iter_rows(named=True):
        table.add_row(
            row["segment"],
            row["label"],
            row["arm"],
            row["treatment"],
            f"{row['accounts']:,}",
            format_fen(row["balance_fen"]),
            f"{row['escalated']:,}",
        )
    console.print(table)
