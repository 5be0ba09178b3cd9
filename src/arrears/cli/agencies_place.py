"""``arrears agencies place --run-date D [--days 90] [--as-of D] [--json]``: a placement batch of a run's
hand-overs (:func:`arrears.agencies.placement.place`). A function the ``agencies`` command group
registers as its ``place`` subcommand."""

from __future__ import annotations

import json
from typing import Any

import typer

from arrears.cli.common import console, parse_day, reports_errors
from arrears.kit.inputs import InvalidField


@reports_errors
def place(
    run_date: str = typer.Option(
        ..., "--run-date", help="The run whose agency hand-overs to place (YYYY-MM-DD)."
    ),
    days: int = typer.Option(90, "--days", help="The placement period in days (1 to 366; default 90)."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="The first day of the placements (YYYY-MM-DD). Default: the run date."
    ),
    actor: str = typer.Option("arrears", "--actor", help="Who places them (recorded in the audit chain)."),
    as_json: bool = typer.Option(False, "--json", help="Print the batch's summary as JSON."),
) -> None:
    """Share the run's agency_placement actions among the agencies the register allows on the day (the
    rulebook's whitelist, inspection and contract rules), by capacity, territory and past performance,
    for --days days; write one masked hand-over file per agency (under the data directory, with its
    SHA-256). Accounts still placed, or recalled until that day, are left out, and so are sold ones. An
    agency refused is named with its reasons. One transaction, audited."""
    from arrears import migrate
    from arrears.agencies.placement import check_days
    from arrears.agencies.placement import place as place_batch
    from arrears.audit.repository import audit_transaction
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit.clock import now

    run = parse_day(run_date, option="--run-date")
    assert run is not None
    first = parse_day(as_of, option="--as-of") or run
    try:
        check_days(days)
    except InvalidField as error:
        raise typer.BadParameter(error.message_en, param_hint="--days") from None
    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with audit_transaction(engine) as connection:
        report = place_batch(connection, run_date=run, placed_on=first, days=days, actor=actor, actor_id=None,
                             now=now(), data_dir=settings.data_dir)  # fmt: skip
    if as_json:
        files = [{key: one[key] for key in ("agency_code", "path", "sha256", "rows")} for one in report.files]
        console.print_json(json.dumps({"batch_id": report.batch_id, **report.summary, "files": files}))
        return
    print_report(report.batch_id, report.summary, report.files)


def print_report(batch_id: int, summary: dict[str, Any], files: list[dict[str, Any]]) -> None:
    """The batch in words: what was placed with whom, who was refused and why, what was left, the files."""
    from rich.table import Table

    skipped = ", ".join(f"{why} {n:,}" for why, n in summary["skipped"].items() if n) or "none"
    console.print(
        f"placement batch {batch_id} of the run of {summary['run_date']}: {summary['placed']:,} of "
        f"{summary['candidates']:,} accounts placed from {summary['placed_on']} to {summary['ends_on']} "
        f"({summary['days']} days); {summary['handed_over']:,} handed over, left out before sharing: "
        f"{skipped}",
        highlight=False,
    )
    table = Table("agency", "capacity", "held", "spare", "rate", "owed (new)", "placed", "overdue (yuan)")
    for one in summary["agencies"]:
        rate = "new" if one["new"] else f"{one['rate']:.1%}"
        figures = [f"{one[key]:,}" for key in ("capacity", "held", "spare")]
        table.add_row(one["code"], *figures, rate, f"{one['owed']:,}", f"{one['placed']:,}",
                      f"{one['overdue_fen'] / 100:,.2f}")  # fmt: skip
    if summary["agencies"]:
        console.print(table)
    for one in summary["refused"]:
        console.print(f"agency {one['code']} refused: {'; '.join(one['reasons_en'])}", highlight=False)
    for why, n in summary["left"].items():
        console.print(f"not placed ({why}): {n:,}", highlight=False)
    for one in files:
        console.print(
            f"hand-over file {one['path']}: {one['rows']:,} rows, sha256 {one['sha256']}", highlight=False
        )
