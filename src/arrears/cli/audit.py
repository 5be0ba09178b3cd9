"""``arrears audit``: check the tamper-evident audit log."""

from __future__ import annotations

import typer
from rich.table import Table

from arrears.cli.common import console, reports_errors

app = typer.Typer(help="Check the tamper-evident audit log (审计日志).", no_args_is_help=True)


@app.callback()
def audit() -> None:
    """Every audit entry carries the hash of the entry before it: changes break the chain."""


@app.command()
@reports_errors
def verify() -> None:
    """Recompute the chain: exit 0 when intact, else list edited, deleted or reordered entries (exit 1)."""
    from sqlalchemy import inspect

    from arrears.audit.chain import verify as verify_chain
    from arrears.audit.repository import AuditLog
    from arrears.db import get_engine
    from arrears.kit.errors import ArrearsError

    with get_engine().connect() as connection:
        if not inspect(connection).has_table("audit_event"):
            raise ArrearsError(
                "the database has no audit log yet: run `arrears db upgrade` first",
                "数据库中还没有审计日志表：请先运行 `arrears db upgrade`",
            )
        entries = AuditLog(connection).entries()
    problems = verify_chain(entries)
    if not problems:
        console.print(f"audit chain intact: {len(entries)} entries", highlight=False)
        return
    count = f"{len(problems)} problem" + ("s" if len(problems) > 1 else "")
    table = Table(title=f"audit chain broken: {count} in {len(entries)} entries")
    table.add_column("entry", justify="right")
    table.add_column("kind")
    table.add_column("problem")
    for problem in problems:
        table.add_row(str(problem.entry_id), problem.kind, problem.message)
    console.print(table)
    raise typer.Exit(code=1)
