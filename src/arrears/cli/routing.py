"""``arrears routing``: the route planner on benchmark instances."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from arrears.cli.common import console, err_console

app = typer.Typer(help="Route planning (PyVRP): solve benchmark instances.", no_args_is_help=True)

FORMATS = ("solomon",)


@app.command()
def solve(
    file: str = typer.Argument(
        ..., help="A Solomon VRPTW file, or the name of a shipped instance (C101 C201 R101 R201 RC101 RC201)."
    ),
    format: str = typer.Option("solomon", "--format", help="The file format: solomon."),
    seconds: float = typer.Option(10.0, "--seconds", min=0.01, help="Time limit for the solver."),
    seed: int = typer.Option(1, "--seed", help="Seed of the solver's random numbers."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Solve a VRPTW instance minimising the total distance (double-precision Euclidean; travel time
    equals distance); the solution is checked independently (exit code 3 when it is not feasible)."""
    from arrears.kit.errors import ArrearsError
    from arrears.visits.feasibility import solomon_problems
    from arrears.visits.routing import solve_solomon
    from arrears.visits.solomon import SHIPPED, read_solomon, shipped_instance_path

    if format not in FORMATS:
        raise typer.BadParameter(
            f"{format!r} is not a known format ({', '.join(FORMATS)})", param_hint="--format"
        )
    path = Path(file)
    if not path.exists() and file.upper() in SHIPPED:
        path = shipped_instance_path(file.upper())
    try:
        instance = read_solomon(path)
    except ArrearsError as error:
        err_console.print(f"[red]{error.message_en}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    solution = solve_solomon(instance, seconds=seconds, seed=seed)
    if as_json:
        document = {
            "instance": solution.instance,
            "cost": solution.cost,
            "vehicles": solution.vehicles,
            "routes": [list(route) for route in solution.routes],
            "seconds": solution.seconds,
        }
        typer.echo(json.dumps(document))
    else:
        console.print(_table(solution.instance, solution.routes, solution.cost, solution.seconds))
    problems = solomon_problems(instance, solution.routes)
    for problem in problems:
        err_console.print(f"[red]not feasible: {problem}[/red]", highlight=False, soft_wrap=True)
    if problems:
        raise typer.Exit(code=3)


def _table(name: str, routes: tuple[tuple[int, ...], ...], cost: float, seconds: float) -> Table:
    table = Table(title=f"{name}: distance {cost:.2f}, {len(routes)} vehicles, {seconds:.1f} s")
    table.add_column("vehicle", justify="right")
    table.add_column("customers", justify="right")
    table.add_column("route")
    for index, route in enumerate(routes, start=1):
        table.add_row(str(index), str(len(route)), " ".join(map(str, route)))
    return table
