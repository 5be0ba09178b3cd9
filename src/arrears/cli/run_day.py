"""``arrears run-day``: the daily run in store mode."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from arrears.cli.common import console, err_console, parse_day, reports_errors


@reports_errors
def run_day(
    date_: str = typer.Option(..., "--date", help="Business date of the run (YYYY-MM-DD)."),
    extract: Path | None = typer.Option(
        None, "--extract", help="Import this bank extract for the date first."
    ),
    strategy: str = typer.Option("default", "--strategy", help="`default` or a strategy file (YAML)."),
    policy: str = typer.Option("cn", "--policy", help="Compliance policy: cn, us or a policy file."),
) -> None:
    """Run the day over the store: import (optional), delinquency snapshot, promises settled, scoring
    with the active model, segmentation, compliance, capacity allocation; the actions (SMS outbox,
    call queue, visit candidates, letters, legal and agency tasks) and the report are written with the
    run's completion; then the service cases whose deadlines passed are escalated, the
    malicious-overdraft referral check of the day records its candidates for legal, and the agencies'
    placements that end by the day are recalled (`arrears agencies recall`). A completed date is
    not run again; an earlier date is refused; a run that stopped half-way is completed by running it
    again."""
    from arrears import migrate
    from arrears.batch.run_day import RunInputs
    from arrears.batch.run_day import run_day as run
    from arrears.cli.agencies import run_recall
    from arrears.cli.legal import run_check
    from arrears.compliance import load_policy
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit import clock
    from arrears.kit.errors import NotFound
    from arrears.messaging.from_run import RunTexts
    from arrears.scoring.model import load_model
    from arrears.scoring.registry import ModelRegistry
    from arrears.strategy.load import load_strategy

    day = parse_day(date_, option="--date")
    assert day is not None
    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with engine.connect() as connection:
        active = ModelRegistry(connection).active()
    if active is None:
        raise NotFound("no model is active: promote one with `arrears model promote`", "没有已启用的模型")
    started = time.perf_counter()

    def step(name: str) -> None:
        err_console.print(f"[{time.perf_counter() - started:6.1f} s] {name}", highlight=False)

    inputs = RunInputs(
        strategy=load_strategy(strategy),
        model=load_model(Path(active.directory)),
        model_version=active.version,
        policy=load_policy(policy),
        zone=settings.timezone,
        now=clock.now,
        texts=RunTexts(hotline=settings.sms_hotline, issuer=settings.bank_name, pay_link=settings.pay_url),
    )
    result = run(
        engine,
        day,
        inputs,
        import_extract=_importer(extract, day) if extract else None,
        on_step=step,
    )
    if result.already_completed:
        console.print(f"{day} was already run; nothing changed. Its report:")
    print_report(result.report, seconds=time.perf_counter() - started)
    _escalate(engine, settings, load_policy(policy))
    run_check(engine, settings, day)  # the malicious-overdraft referral check of the day
    run_recall(engine, settings, day)  # the agencies' placements that end by the day, recalled


def _escalate(engine: Any, settings: Any, policy: Any) -> None:
    """The service cases whose deadlines passed, escalated (as ``arrears service escalate`` does)."""
    from arrears.audit.repository import audit_transaction
    from arrears.kit import clock
    from arrears.kit.crypto import FieldCipher, load_master_key
    from arrears.servicedesk.escalation import escalate_due
    from arrears.servicedesk.setup import DeskSetup

    cipher = FieldCipher(load_master_key(settings))
    with audit_transaction(engine) as connection:
        raised = escalate_due(
            connection, setup=DeskSetup.of(settings, policy), cipher=cipher, now=clock.now()
        )
    if raised:
        console.print(f"service cases escalated: {len(raised)}", highlight=False)


def _importer(directory: Path, day: Any) -> Any:
    from arrears.cli.common import row_progress
    from arrears.cli.imports import count_rows
    from arrears.config import get_settings
    from arrears.imports.service import import_extract
    from arrears.kit import clock
    from arrears.kit.crypto import cipher_for

    settings = get_settings()

    def load(connection: Any) -> object:
        totals = count_rows(directory)
        with row_progress(sys.stderr.isatty(), totals) as progress:
            return import_extract(
                connection,
                directory,
                as_of=day,
                cipher=cipher_for(settings),
                now=clock.now(),
                batch_rows=settings.import_batch_rows,
                progress=progress,
                total_rows=sum(totals.values()),
            )

    return load


def print_report(report: dict[str, Any], *, seconds: float) -> None:
    table = Table(title=f"{report['as_of']} · {report['accounts']:,} accounts · {seconds:.1f} s")
    for name in ("output", "actions", "expected value (yuan)"):
        table.add_column(name, justify="left" if name == "output" else "right")
    for channel, figures in report["chosen"].items():
        table.add_row(channel, f"{figures['actions']:,}", f"{figures['expected_value_fen'] / 100:,.2f}")
    console.print(table)
    blocked = ", ".join(f"{rule} {count:,}" for rule, count in report["blocked_by_rule"].items()) or "none"
    console.print(f"candidates {report['candidates']:,}, blocked {report['blocked']:,} ({blocked})")
    skipped = report.get("skipped_by_reason") or {}  # reports of runs before e-mail and notices have none
    if skipped:
        reasons = ", ".join(f"{reason} {count:,}" for reason, count in skipped.items())
        console.print(f"skipped, nowhere to reach: {sum(skipped.values()):,} ({reasons})")
    outbox = report.get("outbox")
    if outbox:
        channels = ", ".join(
            f"{channel} {count:,}" for channel, count in sorted(outbox["by_channel"].items())
        )
        failed = sum(outbox["failed"].values())
        console.print(f"messages queued {outbox['queued']:,} ({channels or 'none'}); not made {failed:,}")
        for reason, count in sorted(outbox["failed"].items()):
            console.print(f"  {count:,} not made: {reason}", highlight=False)
