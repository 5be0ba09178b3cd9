"""``arrears compliance``: the check contract on JSON Lines."""

from __future__ import annotations

import json
import sys

import typer

from arrears.cli.common import reports_errors

app = typer.Typer(help="Check actions against the collection rulebook.", no_args_is_help=True)


@app.command()
@reports_errors
def check(
    policy: str = typer.Option(
        "cn", "--policy", help="cn (default), us, or the path of a policy file (TOML)."
    ),
) -> None:
    """Read one situation per line (JSON) on standard input; write one decision per line, in order.

    Exit code 0 when every line was decided, 2 when at least one line was malformed (its decision is
    "error"; the other lines are still decided), 1 when the policy cannot be used.
    """
    from arrears.compliance import check_lines, load_policy

    rulebook = load_policy(policy)
    erred = False
    for decision in check_lines(rulebook, sys.stdin):
        erred = erred or decision.decision == "error"
        sys.stdout.write(json.dumps(decision.to_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if erred:
        raise typer.Exit(code=2)
