"""The ``arrears`` command."""

from __future__ import annotations

import typer

from arrears import __version__
from arrears.cli import (
    agencies,
    assistant,
    audit,
    batch,
    compliance,
    db,
    debt_sale,
    demo,
    dispatch,
    imports,
    legal,
    letters,
    model,
    payments,
    portfolio,
    routing,
    run_day,
    serve,
    service,
    strategy,
    synth,
    templates,
    users,
    visits,
)

app = typer.Typer(
    name="arrears",
    help="Arrears: collections platform for card issuers and collection agencies (信用卡催收管理系统).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(imports.app, name="import")
app.add_typer(synth.app, name="synth")
app.add_typer(portfolio.app, name="portfolio")
app.add_typer(model.app, name="model")
app.add_typer(compliance.app, name="compliance")
app.add_typer(audit.app, name="audit")
app.add_typer(strategy.app, name="strategy")
app.add_typer(batch.app, name="batch")
app.add_typer(routing.app, name="routing")
app.add_typer(visits.app, name="visits")
app.add_typer(letters.app, name="letters")
app.add_typer(payments.app, name="payments")
app.add_typer(service.app, name="service")
app.command("run-day")(run_day.run_day)
app.command("serve")(serve.serve)
app.add_typer(users.app, name="user")
app.add_typer(templates.app, name="templates")
app.command("demo")(demo.demo)
app.command("dispatch")(dispatch.dispatch)
app.add_typer(assistant.app, name="assistant")
app.add_typer(legal.app, name="legal")
app.add_typer(agencies.app, name="agencies")
app.add_typer(debt_sale.app, name="debt-sale")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"arrears {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """Settings come from ARREARS_* environment variables (see README)."""
