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
    imported (24,000 accounts), and the portfolio summary printed."""
    from arrears.cli import imports, portfolio

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
