"""``arrears user``: staff accounts."""

from __future__ import annotations

import getpass
import os
import sys

import typer
from rich.table import Table

from arrears.cli.common import console, reports_errors

app = typer.Typer(
    help="Staff users: create, list, change roles, deactivate and activate them.", no_args_is_help=True
)
PASSWORD_VARIABLE = "ARREARS_NEW_PASSWORD"


def _password() -> str:
    given = os.environ.get(PASSWORD_VARIABLE)
    if given:
        return given
    if not sys.stdin.isatty():
        raise typer.BadParameter(f"no terminal to ask for the password: set {PASSWORD_VARIABLE}")
    first = getpass.getpass("password: ")
    if first != getpass.getpass("again: "):
        raise typer.BadParameter("the two passwords differ")
    return first


@app.command("add")
@reports_errors
def add(
    username: str = typer.Argument(..., help="Sign-in name."),
    role: str = typer.Option(
        ...,
        "--role",
        help="collector, visitor, team_lead, legal, compliance, "
        "customer_service, manager, admin, agency_user or lawyer.",
    ),
    name: str | None = typer.Option(None, "--name", help="Display name (default: the username)."),
    team: str | None = typer.Option(None, "--team", help="Team code."),
) -> None:
    """Create a user. The password comes from ARREARS_NEW_PASSWORD, or is asked twice on the terminal
    (at least 12 characters; stored as an Argon2id hash)."""
    from arrears import migrate
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.users.service import create_user

    engine = get_engine()
    migrate.upgrade(engine)
    with engine.begin() as connection:
        user = create_user(connection, username=username, display_name=name or username, role=role,
                           password=_password(), now=now(), team_code=team)  # fmt: skip
    console.print(f"user {user.username} ({user.role}) created")


@app.command("list")
@reports_errors
def list_users() -> None:
    """Users with their role, team and whether they are active or locked."""
    from sqlalchemy import select

    from arrears.db import get_engine
    from arrears.models import AppUser, table_of

    user = table_of(AppUser)
    query = select(user.c.username, user.c.display_name, user.c.role, user.c.team_id, user.c.is_active,
                   user.c.locked_until).order_by(user.c.username)  # fmt: skip
    table = Table()
    for column in ("username", "name", "role", "team", "active", "locked until"):
        table.add_column(column)
    with get_engine().connect() as connection:
        for row in connection.execute(query):
            table.add_row(*(str(value) if value is not None else "" for value in row))
    console.print(table)


ACTOR = typer.Option("arrears", "--actor", help="Who makes the change (recorded in the audit chain).")


@app.command("role")
@reports_errors
def role(
    username: str = typer.Argument(..., help="Sign-in name."),
    new_role: str = typer.Argument(..., metavar="ROLE", help="The new role."),
    team: str | None = typer.Option(None, "--team", help="Move the user to this team too (team code)."),
    actor: str = ACTOR,
) -> None:
    """Change a user's role (and team): the user's API tokens and page sessions end. Audited."""
    from arrears.audit.repository import audit_transaction
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.users.service import change_role

    with audit_transaction(get_engine()) as connection:
        user = change_role(
            connection, username=username, role=new_role, team_code=team, actor=actor, now=now()
        )
    console.print(f"user {user.username} is now {user.role}; their tokens and sessions have ended")


@app.command("deactivate")
@reports_errors
def deactivate_user(username: str = typer.Argument(..., help="Sign-in name."), actor: str = ACTOR) -> None:
    """Disable a user: no sign-in, and their API tokens and page sessions end. Audited."""
    _set_active(username, active=False, actor=actor)
    console.print(f"user {username} deactivated; their tokens and sessions have ended")


@app.command("activate")
@reports_errors
def activate_user(username: str = typer.Argument(..., help="Sign-in name."), actor: str = ACTOR) -> None:
    """Enable a disabled user again (they sign in anew). Audited."""
    _set_active(username, active=True, actor=actor)
    console.print(f"user {username} activated")


def _set_active(username: str, *, active: bool, actor: str) -> None:
    from arrears.audit.repository import audit_transaction
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.users.service import activate, deactivate

    change = activate if active else deactivate
    with audit_transaction(get_engine()) as connection:
        change(connection, username=username, actor=actor, now=now())
