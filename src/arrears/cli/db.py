"""``arrears db``: schema migrations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from arrears.cli.common import console

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _engine() -> Engine:
    from arrears.db import get_engine

    return get_engine()


app = typer.Typer(
    help="Create and migrate the operational database (ARREARS_DATABASE_URL).", no_args_is_help=True
)


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the latest)."""
    from arrears import migrate

    engine = _engine()
    migrate.upgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine)}")


@app.command()
def downgrade(
    revision: str = typer.Argument(..., help="Target revision, or 'base' to drop everything."),
) -> None:
    """Revert migrations down to REVISION."""
    from arrears import migrate

    engine = _engine()
    migrate.downgrade(engine, revision)
    console.print(f"database at revision {migrate.current_revision(engine) or 'base'}")


@app.command()
def current() -> None:
    """Print the database's revision and the latest known one."""
    from arrears import migrate

    engine = _engine()
    console.print(f"current: {migrate.current_revision(engine) or 'base'}; head: {migrate.head_revision()}")
