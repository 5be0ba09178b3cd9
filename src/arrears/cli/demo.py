"""``arrears demo``: a fresh embedded database with the sample portfolio."""

from __future__ import annotations

import typer

from arrears.cli.common import console, reports_errors
from arrears.config import get_settings


@reports_errors
def demo(
    fresh: bool = typer.Option(True, "--fresh/--keep", help="Start from an empty database (default)."),
) -> None:
    """Build the demo: a fresh SQLite database under the data directory, the bundled UCI portfolio
    imported (24,000 accounts) and summarised, then the probability-of-default model trained on it,
    registered, promoted and used to score the book (var/scores.parquet), and the day run over the
    book with the default strategy (`arrears run-day --date 2005-10-01`)."""
    import json

    from arrears.cli import imports, model, portfolio, run_day
    from arrears.imports.uci import bundled_path

    settings = get_settings()
    if settings.database_url and not settings.database_url.startswith("sqlite"):
        console.print("the demo runs on the embedded database: unset ARREARS_DATABASE_URL")
        raise typer.Exit(code=1)
    database = settings.data_dir / "arrears.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
    console.print(f"database: {database}")
    imports.uci_file(path=None, as_of="2005-10-01", keep_extract=None)
    portfolio.summary(as_of=None, as_json=False)
    directory = settings.data_dir / "models" / "pd-demo"
    console.print("\nTraining the probability-of-default model on the same 24,000 accounts:")
    model.train(
        data=str(bundled_path()),
        out=directory,
        as_of=None,
        outcome_date=None,
        calibration="isotonic",
        protected=False,
        seed=7,
    )
    version = json.loads((directory / "card.json").read_text())["version"]
    model.register(model_dir=directory, by="demo")
    model.promote(version=version, by="demo")
    console.print("\nScoring the book in the store with the active model:")
    model.score(
        model_dir="active", data="store", out=settings.data_dir / "scores.parquet", as_of="2005-10-01"
    )
    console.print("\nThe day's run over the book (default strategy, policy cn):")
    run_day.run_day(date_="2005-10-01", extract=None, strategy="default", policy="cn")
