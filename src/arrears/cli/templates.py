"""``arrears templates``: the governed message templates (list, show, approve)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from arrears.cli.common import console, reports_errors

app = typer.Typer(help="Message templates: list them, show a version, approve a draft.", no_args_is_help=True)


def _engine() -> Any:
    from arrears import migrate
    from arrears.db import get_engine

    engine = get_engine()
    migrate.upgrade(engine)
    return engine


@app.command("list")
@reports_errors
def list_templates() -> None:
    """Every template (the talk tracks included) with the version in use and the drafts waiting for
    approval."""
    from arrears.contacts.talk_tracks import ensure_talk_tracks
    from arrears.kit.clock import now
    from arrears.messaging.templates.governance import library
    from arrears.messaging.templates.repository import TemplateRepository
    from arrears.messaging.templates.service import ensure_seeded

    with _engine().begin() as connection:
        ensure_seeded(connection, now=now())
        ensure_talk_tracks(connection, now=now())
        entries = library(TemplateRepository(connection).library())
    table = Table("name", "channel", "kind", "in use", "waiting")
    for entry in entries:
        in_use = f"v{entry.in_use.version}" if entry.in_use else "-"
        waiting = " ".join(f"v{draft.version}" for draft in entry.pending) or "-"
        table.add_row(entry.name, entry.channel, entry.kind, in_use, waiting)
    console.print(table)


@app.command("show")
@reports_errors
def show(
    name: str = typer.Argument(..., help="The template's name."),
    version: int | None = typer.Option(None, "--version", help="A version (default: the one in use)."),
) -> None:
    """A version's texts in Chinese and English, and the template's history."""
    from arrears.kit.errors import NotFound
    from arrears.messaging.templates.governance import history

    with _engine().connect() as connection:
        versions = history(connection, name=name)
    wanted = [v for v in versions if v.version == version or (version is None and v.status == "approved")]
    chosen = wanted[0] if wanted else None
    if chosen is None:
        raise NotFound(f"no version {version} of the template {name}", f"模板 {name} 没有第 {version} 版")
    draft = chosen.draft
    console.print(
        f"{name} v{chosen.version} ({chosen.status}) · {draft.channel} · {draft.kind}", highlight=False
    )
    for label, subject, body in (
        ("zh", draft.subject_zh, draft.body_zh),
        ("en", draft.subject_en, draft.body_en),
    ):
        console.print(f"--- {label}" + (f": {subject}" if subject else ""), highlight=False, markup=False)
        console.print(body, highlight=False, markup=False)
    for v in versions:
        decided = f"{v.decided_by or 'system'} {v.decided_at:%Y-%m-%d %H:%M}" if v.decided_at else "-"
        console.print(
            f"v{v.version} {v.status} by {v.created_by or 'system'}; decided {decided}", highlight=False
        )


@app.command("approve")
@reports_errors
def approve_command(
    name: str = typer.Argument(..., help="The template's name."),
    version: int = typer.Argument(..., help="The draft's version."),
    user: str = typer.Option(..., "--user", help="Who approves: an active user with template:approve."),
    policy: str = typer.Option("cn", "--policy", help="Compliance policy: cn, us or a policy file."),
) -> None:
    """Approve a draft (four eyes: not its author), checked again against the rulebook; audited."""
    from arrears.audit.repository import audit_transaction
    from arrears.compliance import load_policy
    from arrears.kit.clock import now
    from arrears.kit.errors import NotFound
    from arrears.messaging.templates.governance import approve
    from arrears.users.repository import UserRepository
    from arrears.users.service import StaffUser

    with audit_transaction(_engine()) as connection:
        row = UserRepository(connection).by_username(user)
        if row is None or not row.is_active:
            raise NotFound(f"no active user {user}", f"没有在用的用户 {user}")
        by = StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)
        approved = approve(
            connection, name=name, version=version, by=by, policy=load_policy(policy), now=now()
        )
    console.print(f"{name} v{approved.version} approved by {user}: in use from now on", highlight=False)
