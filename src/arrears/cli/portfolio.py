"""``arrears portfolio``: the book by bucket and regulatory class."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from arrears.accounts.rules import DEFAULT_BUCKETS, DEFAULT_CLASSES, BandTable
from arrears.cli.common import console, parse_day, reports_errors
from arrears.kit.money import format_fen

if TYPE_CHECKING:
    from arrears.accounts.service import BandTotals, PortfolioSummary

app = typer.Typer(help="Look at the portfolio.", no_args_is_help=True)


def summary_json(summary: PortfolioSummary) -> dict[str, object]:
    def totals(group: dict[str, BandTotals]) -> dict[str, dict[str, int]]:
        return {
            code: {"accounts": t.accounts, "balance_fen": t.balance_fen, "overdue_fen": t.overdue_fen}
            for code, t in group.items()
        }

    return {
        "as_of": summary.as_of.isoformat() if summary.as_of else None,
        "buckets": totals(summary.buckets),
        "classes": totals(summary.classes),
    }


def _table(title: str, group: dict[str, BandTotals], bands: BandTable) -> Table:
    table = Table(title=title, show_footer=True)
    count = sum(t.accounts for t in group.values())
    balance = sum(t.balance_fen for t in group.values())
    overdue = sum(t.overdue_fen for t in group.values())
    table.add_column("band", footer="total")
    table.add_column("", footer="")
    table.add_column("accounts", justify="right", footer=f"{count:,}")
    table.add_column("share", justify="right", footer="100.0%" if count else "")
    table.add_column("balance (yuan)", justify="right", footer=format_fen(balance))
    table.add_column("overdue (yuan)", justify="right", footer=format_fen(overdue))
    for band in bands.bands:
        t = group[band.code]
        share = f"{100 * t.accounts / count:.1f}%" if count else "-"
        table.add_row(
            band.code,
            band.label_zh,
            f"{t.accounts:,}",
            share,
            format_fen(t.balance_fen),
            format_fen(t.overdue_fen),
        )
    return table


@app.command()
@reports_errors
def summary(
    as_of: str | None = typer.Option(None, "--as-of", help="Snapshot date (default: the latest)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Accounts and balances by bucket (M0-M7+) and by regulatory class (五级分类)."""
    from arrears.accounts.service import portfolio_summary
    from arrears.db import get_engine

    day = parse_day(as_of, option="--as-of")
    with get_engine().connect() as connection:
        result = portfolio_summary(connection, as_of=day)
    if as_json:
        typer.echo(json.dumps(summary_json(result), ensure_ascii=False))
        return
    if result.as_of is None:
        console.print("no delinquency snapshot yet: import an extract first")
        raise typer.Exit(code=1)
    console.print(_table(f"Buckets on {result.as_of}", result.buckets, DEFAULT_BUCKETS))
    console.print(_table(f"Regulatory classes on {result.as_of}", result.classes, DEFAULT_CLASSES))
