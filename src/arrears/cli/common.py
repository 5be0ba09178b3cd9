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
from arrears.kit.inputs import FIRST_DAY, LAST_DAY, check_day

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
    """The option's date (YYYY-MM-DD) within the calendar the pages and forms accept (``kit.inputs``:
    1900-01-01 to 2999-12-31, so that a day's windows never overflow); BadParameter naming it else."""
    if value is None:
        return None
    try:
        return check_day(date.fromisoformat(value), field=option)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date from {FIRST_DAY} to {LAST_DAY} (YYYY-MM-DD)", param_hint=option
        ) from None


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
