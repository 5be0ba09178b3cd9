"""``arrears compliance``: the check contract on JSON Lines."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import typer

from arrears.cli.common import reports_errors

if TYPE_CHECKING:
    from arrears.compliance import Decision, Policy

app = typer.Typer(help="Check actions against the collection rulebook.", no_args_is_help=True)


@app.command()
@reports_errors
def check(
    policy: str = typer.Option(
        "cn", "--policy", help="cn (default), us, or the path of a policy file (TOML)."
    ),
    record: bool = typer.Option(
        False, "--record", help="Append every decision to the audit chain before printing it."
    ),
    actor: str = typer.Option("arrears", "--actor", help="Who acts on the decisions (recorded with them)."),
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
        if record and decision.decision != "error":
            _record(decision, rulebook, actor)
        sys.stdout.write(json.dumps(decision.to_dict(), ensure_ascii=False) + "\n")
    sys.stdout.flush()
    if erred:
        raise typer.Exit(code=2)


def _record(decision: Decision, rulebook: Policy, actor: str) -> None:
    from arrears.audit.repository import AuditLog, audit_transaction
    from arrears.compliance.record import record_decision
    from arrears.db import get_engine
    from arrears.kit.clock import now

    with audit_transaction(get_engine()) as connection:
        record_decision(AuditLog(connection), decision, policy=rulebook, actor=actor, at=now())


@app.command()
@reports_errors
def override(
    subject: str = typer.Argument(..., help="The id of the action whose decision is overridden."),
    decision: str = typer.Option(..., "--decision", help="allow or block"),
    by: str = typer.Option(..., "--by", help="Who overrides."),
    why: str = typer.Option(..., "--why", help="Why (recorded in the audit chain)."),
) -> None:
    """Record a manual override of a decision in the audit chain (who, why, what instead)."""
    from arrears.audit.repository import AuditLog, audit_transaction
    from arrears.compliance.record import record_override
    from arrears.db import get_engine
    from arrears.kit.clock import now

    with audit_transaction(get_engine()) as connection:
        entry = record_override(
            AuditLog(connection), subject=subject, decision=decision, by=by, why=why, at=now()
        )
    typer.echo(f"override of {subject} recorded as audit entry {entry.id}")
