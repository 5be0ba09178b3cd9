"""What every command shares: the console, error reporting, date options, progress bars."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from functools import wraps
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from arrears.kit.errors import ArrearsError

# Piped output is not cut to 80 columns: tables stay readable in logs and files.
console = Console(width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 140)

P = ParamSpec("P")
R = TypeVar("R")


def reports_errors(function: Callable[P, R]) -> Callable[P, R]:
    """Turns an ArrearsError into a message and exit code 1, never a traceback."""

    @wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except ArrearsError as error:
            err_console.print(f"[red]{error.message_en}[/red]", highlight=False)
            raise typer.Exit(code=1) from None

    return wrapper


def parse_day(value: str | None, *, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from None


@contextmanager
def row_progress(enabled: bool, totals: dict[str, int]) -> Iterator[Callable[[str, int], None]]:
    """A progress bar per file; ``totals`` are the rows of each file."""
    if not enabled:
        yield lambda _name, _rows: None
        return
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=False) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(name: str, rows: int) -> None:
            if name not in tasks:
                tasks[name] = progress.add_task(name, total=totals.get(name))
            progress.advance(tasks[name], rows)

        yield advance
