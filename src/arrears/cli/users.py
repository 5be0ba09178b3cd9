"""``arrears user``: staff accounts."""

from __future__ import annotations

import getpass
import os
import sys

import typer
from rich.table import Table

from arrears.cli.common import console, reports_errors

app = typer.Typer(help="Staff users: create them and list them.", no_args_is_help=True)
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
        "customer_service, manager, admin or agency_user.",
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
