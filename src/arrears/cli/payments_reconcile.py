"""``arrears payments reconcile FILE``: the gateway's daily settlement file against the payments here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from arrears.cli.common import console, parse_day, reports_errors
from arrears.kit.money import format_fen

EXIT_DIFFERENCES = 3
_TITLES = {
    "matched": "matched",
    "closed": "closed at the gateway, nothing here",
    "missing_here": "missing here (posted now)",
    "missing_at_gateway": "missing at the gateway (review)",
    "amount_difference": "amount differences (review)",
    "unknown_order": "unknown orders (review)",
    "second_trade": "second trades of a paid order (review)",
    "order_difference": "posted for another order (review)",
    "closed_after_posting": "closed at the gateway, posted here (review)",
    "time_difference": "paid more than a day from the file's day: not posted (review)",
}


@reports_errors
def reconcile(
    file: Path = typer.Argument(
        ..., help="The settlement file (CSV: trade_no,out_trade_no,total_amount,trade_status,gmt_payment)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as one JSON object."),
    day: str | None = typer.Option(
        None,
        "--day",
        help="The day the file settles (YYYY-MM-DD). Default: a date in the file's name, else the one "
        "day of its payment times.",
    ),
    actor: str = typer.Option("arrears", "--actor", help="Who runs it (recorded in the audit chain)."),
) -> None:
    """Reconcile the gateway's daily settlement file: each trade is matched with the payment posted
    here; a TRADE_SUCCESS of one of our orders that was never posted is posted now (source reconcile,
    audited); a payment posted here from the gateway on the file's day that the file lacks, an amount
    that differs, an unknown order, a second trade of a paid order and a trade closed at the gateway
    but posted here are reported for review (the /payments page shows the latest report). The file is
    checked in full first: a bad row stops the run, naming the line and the field, and nothing is
    written. Running the same file again posts nothing more.

    Exit codes:
    0 every row agrees with what is here (nothing posted, nothing to review);
    1 an error (a bad file, settings): nothing written;
    3 differences: something was missing here (now posted) or is left for review; see the report.
    """
    from zoneinfo import ZoneInfo

    from arrears import migrate
    from arrears.audit.repository import audit_transaction
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit import clock
    from arrears.payments.reconcile import read_settlement_file, run_reconciliation, settlement_day

    settings = get_settings()
    settlement = read_settlement_file(file, zone=ZoneInfo(settings.timezone))
    settled = settlement_day(settlement, given=parse_day(day, option="--day"))
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with audit_transaction(engine) as connection:
        report = run_reconciliation(
            connection, settlement, day=settled, actor=actor, now=clock.now(), settings=settings
        )
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        _print(report.to_dict())
    if not report.all_matched:
        raise typer.Exit(code=EXIT_DIFFERENCES)


def _print(report: dict[str, Any]) -> None:
    console.print(
        f"reconciliation {report['id']}: {report['file_name']} (day {report['day']}, {report['rows']} rows, "
        f"sha256 {report['file_sha256'][:12]}…)",
        highlight=False,
    )
    counts = Table(title="Counts")
    counts.add_column("result")
    counts.add_column("trades", justify="right")
    for kind, title in _TITLES.items():
        counts.add_row(title, f"{report['counts'][kind]:,}")
    console.print(counts)
    if not report["differences"]:
        console.print("every trade agrees: nothing posted, nothing to review")
        return
    rows = Table(title="Differences")
    for column in (
        "line",
        "result",
        "trade_no",
        "out_trade_no",
        "account",
        "gateway",
        "here",
        "payment",
        "action",
    ):
        rows.add_column(
            column, justify="right" if column in ("line", "gateway", "here", "payment") else "left"
        )
    for item in report["differences"]:
        rows.add_row(
            str(item["line"] or ""),
            item["kind"],
            item["trade_no"],
            item["out_trade_no"] or "",
            f"****{item['account_tail']}" if item["account_tail"] else "",
            format_fen(item["gateway_fen"]) if item["gateway_fen"] is not None else "",
            format_fen(item["here_fen"]) if item["here_fen"] is not None else "",
            str(item["payment_id"] or ""),
            item["action"],
        )
    console.print(rows)
