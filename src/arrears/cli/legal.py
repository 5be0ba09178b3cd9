"""``arrears legal``: the malicious-overdraft referral check (恶意透支)."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import typer

from arrears.cli.common import console, parse_day, reports_errors

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from arrears.config import Settings

app = typer.Typer(help="Legal: the malicious-overdraft referral check.", no_args_is_help=True)


@app.command("overdraft-check")
@reports_errors
def overdraft_check(
    as_of: str | None = typer.Option(
        None, "--as-of", help="The check day (YYYY-MM-DD). Default: the business date (latest completed run)."
    ),
) -> None:
    """Record the accounts the rulebook allows to refer for malicious overdraft on the day (two effective
    collections at least 30 days apart, more than 3 months unpaid since the second) with their evidence,
    for legal to review on /legal/overdraft. Running it again for a day refreshes its pending candidates;
    decided ones are kept. `arrears run-day` runs it after each run."""
    from arrears import migrate
    from arrears.config import get_settings
    from arrears.db import get_engine

    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    run_check(engine, settings, parse_day(as_of, option="--as-of"))


def run_check(engine: Engine, settings: Settings, day: date | None) -> None:
    """The check of ``day`` (None: the business date) in one transaction, and its one-line report."""
    from zoneinfo import ZoneInfo

    from arrears.batch.business_day import business_day
    from arrears.kit import clock
    from arrears.legal.overdraft import check

    zone = ZoneInfo(settings.timezone)
    moment = clock.now()
    with engine.begin() as connection:
        if day is None:
            day = business_day(connection, today=moment.astimezone(zone).date()).date
        result = check(connection, as_of=day, zone=zone, now=moment)
    console.print(
        f"malicious overdraft check {result.check_date}: {result.candidates:,} candidates "
        f"({result.added:,} new, {result.refreshed:,} refreshed, {result.removed:,} no longer eligible, "
        f"{result.already_decided:,} decided before)",
        highlight=False,
    )
