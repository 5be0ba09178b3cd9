"""``arrears service``: the customer-service desk from the command line: open a case received by letter,
e-mail or regulator referral (a mailroom's or an integration's intake), list the cases by deadline, and
escalate the cases whose deadlines passed (run it on a schedule; ``arrears run-day`` runs it too)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import typer

from arrears.cli.common import console, reports_errors
from arrears.servicedesk.categories import CATEGORIES, STAFF_CHANNELS

app = typer.Typer(
    help="The customer-service desk: open cases from letters, e-mails and regulator referrals, list them "
    "by deadline, escalate the late ones.",
    no_args_is_help=True,
)
TABS = ("due", "breached", "at_risk", "escalated", "unassigned", "to_close", "closed")


def _moment(text: str | None) -> datetime:
    from arrears.config import get_settings
    from arrears.kit.clock import now
    from arrears.kit.inputs import parse_moment

    if text is None:
        return now()
    moment = parse_moment(text, field="at")  # without an offset: in the cardholders' zone, as the desk counts
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo(get_settings().timezone))


def _setup() -> Any:
    from arrears import migrate
    from arrears.compliance import load_policy
    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit.crypto import FieldCipher, load_master_key
    from arrears.servicedesk.setup import DeskSetup

    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    return engine, FieldCipher(load_master_key(settings)), DeskSetup.of(settings, load_policy("cn"))


@app.command("open")
@reports_errors
def open_(
    account_no: str = typer.Argument(..., help="The card account the case is about."),
    kind: str = typer.Option(..., "--kind", help="complaint, dispute or hardship."),
    category: str = typer.Option(
        ..., "--category", help="; ".join(f"{kind}: {', '.join(found)}" for kind, found in CATEGORIES.items())
    ),
    channel: str = typer.Option(..., "--channel", help=f"How it came in: {', '.join(STAFF_CHANNELS)}."),
    summary: str = typer.Option(..., "--summary", help="What the cardholder says (stored encrypted)."),
    amount: str | None = typer.Option(None, "--amount", help="A dispute's amount, in yuan."),
    regulator_ref: str | None = typer.Option(None, "--regulator-ref", help="A regulator referral's number."),
    actor: str = typer.Option("mailroom", "--actor", help="Who logs it (recorded in the audit)."),
    as_json: bool = typer.Option(False, "--json", help="Print the case as JSON."),
) -> None:
    """Open a service case: its deadlines from the category's setting and the working-day calendar, and
    the holds the rulebook asks for, placed at once. Audited."""
    from arrears.audit.repository import audit_transaction
    from arrears.kit.clock import now
    from arrears.kit.errors import NotFound
    from arrears.kit.money import parse_amount_fen
    from arrears.servicedesk.intake import open_case
    from arrears.servicedesk.repository import ServiceRepository
    from arrears.servicedesk.rules import Intake

    if channel not in STAFF_CHANNELS:
        raise typer.BadParameter(f"one of {', '.join(STAFF_CHANNELS)}", param_hint="--channel")
    engine, cipher, setup = _setup()
    fen = parse_amount_fen(amount, field="amount") if amount else None
    intake = Intake(kind, category, channel, summary, fen, regulator=channel == "regulator",
                    regulator_ref=regulator_ref)  # fmt: skip
    with audit_transaction(engine) as connection:
        account_id = ServiceRepository(connection).account_by_number(account_no.strip())
        if account_id is None:
            raise NotFound(f"no account {account_no}", f"没有账户 {account_no}")
        opened = open_case(connection, account_id=account_id, intake=intake, actor=actor, user_id=None,
                           setup=setup, cipher=cipher, now=now())  # fmt: skip
    result = {"case_id": opened.id, "account_no": account_no, "holds": list(opened.hold_kinds),
              "repeat": opened.repeat, "acknowledge_by": opened.acknowledge_by.isoformat(),
              "resolve_by": opened.resolve_by.isoformat()}  # fmt: skip
    if as_json:
        console.print_json(json.dumps(result))
        return
    acknowledge, resolve = (f"{moment.astimezone(setup.zone):%Y-%m-%d %H:%M}"
                            for moment in (opened.acknowledge_by, opened.resolve_by))  # fmt: skip
    holds = ", ".join(opened.hold_kinds) or "none"
    repeat = "; repeat complaint" if opened.repeat else ""
    console.print(f"case {opened.id} opened on {account_no}: acknowledge by {acknowledge}, resolve by "
                  f"{resolve}; holds: {holds}{repeat}", highlight=False)  # fmt: skip


@app.command("list")
@reports_errors
def list_(
    tab: str = typer.Option("due", "--tab", help=f"Which cases: {', '.join(TABS)}."),
    limit: int = typer.Option(50, "--limit", min=1, max=1000, help="At most this many."),
    at: str | None = typer.Option(None, "--at", help="As of this moment (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print the cases as JSON."),
) -> None:
    """The cases of a list, by deadline (the desk page's lists), with their clocks."""
    from arrears.servicedesk.desk import PAGE_SIZE, desk_page
    from arrears.users.service import StaffUser

    if tab not in TABS:
        raise typer.BadParameter(f"one of {', '.join(TABS)}", param_hint="--tab")
    engine, _, setup = _setup()
    moment = _moment(at)
    operator = StaffUser(0, "cli", "cli", "manager", None)
    rows: list[dict[str, Any]] = []
    with engine.connect() as connection:
        for number in range(1, -(-limit // PAGE_SIZE) + 1):
            shown = desk_page(connection, user=operator, setup=setup, now=moment, tab=tab, page=number)
            rows += shown.rows
            if number >= shown.pages:
                break
    listed = [
        {"case_id": row["id"], "account_no": row["account_no"], "kind": row["kind"],
         "category": row["category"], "channel": row["channel"], "status": row["status"],
         "regulator": bool(row["regulator"]), "repeat": bool(row["repeat"]),
         "escalation_level": row["escalation_level"],
         "resolve_by": row["resolve_by"].isoformat(),
         "clock": row["resolve_clock"].state if row["resolve_clock"] else None}
        for row in rows[:limit]
    ]  # fmt: skip
    if as_json:
        console.print_json(json.dumps(listed))
        return
    for row in listed:
        console.print(
            f"#{row['case_id']}  {row['account_no']}  {row['kind']}/{row['category']}  {row['status']}  "
            f"resolve by {row['resolve_by']}  {row['clock'] or ''}",
            highlight=False,
        )
    console.print(f"{len(listed)} cases", highlight=False)


@app.command()
@reports_errors
def escalate(
    at: str | None = typer.Option(None, "--at", help="As of this moment (default: now)."),
    as_json: bool = typer.Option(False, "--json", help="Print what was escalated as JSON."),
) -> None:
    """Escalate the unresolved cases whose deadlines passed: to the team lead when the acknowledgement or
    the resolution is late, to the manager when the resolution is 2 working days late (a regulator
    referral at once). Each once; audited."""
    from arrears.audit.repository import audit_transaction
    from arrears.servicedesk.escalation import escalate_due

    engine, cipher, setup = _setup()
    with audit_transaction(engine) as connection:
        raised = escalate_due(connection, setup=setup, cipher=cipher, now=_moment(at))
    result = [{"case_id": one.case_id, "level": one.level} for one in raised]
    if as_json:
        console.print_json(json.dumps(result))
        return
    console.print(f"{len(raised)} cases escalated", highlight=False)
