"""``arrears letters``: the day's letters rendered for the print house, and the post's tracking read back."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import typer

from arrears.cli.common import console, parse_day, reports_errors

app = typer.Typer(
    help="Printed letters: render the day's letters for the print house, read the post's tracking back.",
    no_args_is_help=True,
)


@app.command()
@reports_errors
def render(
    date_: str = typer.Option(..., "--date", help="The letters of this run date (YYYY-MM-DD)."),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for the batch. Default: ARREARS_LETTER_DIR (<data_dir>/outbox/letter)/DATE.",
    ),
    reprint: bool = typer.Option(
        False, "--reprint", help="Typeset the date's rendered letters again, with their numbers (new folder)."
    ),
    workers: int | None = typer.Option(
        None, "--workers", min=1, help="Typesetting processes (default: one per core)."
    ),
    policy: str = typer.Option(
        "cn", "--policy", help="Compliance policy for the re-check: cn, us or a file."
    ),
) -> None:
    """Render the date's queued letters as PDF (A4, embedded CJK font) for the print house: one merged
    PDF, each letter's own PDF, manifest.csv and skipped.csv. Each letter's message is marked sent, or
    failed / cancelled with the reason. Rendered letters are never rendered again (see --reprint); a
    folder that already holds a batch is refused."""
    from arrears import migrate
    from arrears.compliance import load_policy
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit import clock
    from arrears.kit.crypto import cipher_for
    from arrears.messaging.letters import render_letters

    day = parse_day(date_, option="--date")
    assert day is not None
    settings = get_settings()
    folder = out if out is not None else settings.letter_directory() / day.isoformat()
    rulebook = load_policy(policy)
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        batch = render_letters(
            connection, run_date=day, out_dir=folder, now=clock.now(), cipher=cipher_for(settings),
            settings=settings, policy=rulebook, reprint=reprint, workers=workers,
        )  # fmt: skip
    if batch.paths is None:
        what = "rendered" if reprint else "queued"
        console.print(f"no letters {what} for {day}; nothing written")
        return
    console.print(
        f"{len(batch.rendered):,} letters ({batch.pages:,} pages) {'reprinted' if reprint else 'rendered'} "
        f"into {batch.paths.folder}: {batch.paths.merged.name}, {batch.paths.manifest.name}",
        highlight=False,
    )
    if batch.skipped:
        reasons = Counter(one.skip.code for one in batch.skipped)
        listed = ", ".join(f"{code} {count:,}" for code, count in sorted(reasons.items()))
        console.print(f"{len(batch.skipped):,} not rendered ({listed}): see {batch.paths.skipped.name}")


@app.command()
@reports_errors
def tracking(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True, help="The post's CSV file."),
) -> None:
    """Read the post's tracking (CSV: letter_id or account_no, tracking_no, status posted / delivered /
    returned, date): each letter gets its tracking number and a timeline event; a returned letter
    counts against its address. A file with a bad row is refused whole, each problem named by row and
    column."""
    from arrears import migrate
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit import clock
    from arrears.messaging.inbound import inbound_rules
    from arrears.messaging.letters.tracking import load_tracking, read_tracking

    settings = get_settings()
    rows = read_tracking(file)
    engine = get_engine(settings)
    migrate.upgrade(engine)
    with engine.begin() as connection:
        summary = load_tracking(
            connection, rows=rows, now=clock.now(), zone=settings.timezone, rules=inbound_rules(settings),
            file=file.name,
        )  # fmt: skip
    console.print(
        f"{summary.applied:,} tracking events applied ({summary.delivered:,} delivered, "
        f"{summary.returned:,} returned), {summary.unchanged:,} already known; "
        f"{summary.invalidated:,} addresses marked invalid",
        highlight=False,
    )
