"""``arrears agencies``: the agency register (委外机构登记) and the daily recall of placed accounts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from arrears.cli.common import console, parse_day, reports_errors

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from arrears.agencies.register_rules import Contact, Entry
    from arrears.config import Settings

app = typer.Typer(
    help="Collection agencies: the register (licence, contract, inspection, capacity, territories, contact "
    "people), suspending and reinstating an agency, and the daily recall of placed accounts.",
    no_args_is_help=True,
)
ACTOR = typer.Option("arrears", "--actor", help="Who makes the change (recorded in the audit chain).")
CONTACT_HELP = (
    "A contact person as NAME|ROLE|PHONE|EMAIL (ROLE, PHONE or EMAIL may be empty, not both PHONE and "
    "EMAIL); repeat for each. Given to `update`, the list replaces the stored one."
)


def _contact(text: str, number: int) -> Contact:
    from arrears.agencies.register_rules import Contact
    from arrears.kit.inputs import InvalidField

    parts = text.split("|")
    if len(parts) != 4:
        raise InvalidField(
            f"contacts[{number}]", "write it as NAME|ROLE|PHONE|EMAIL", "格式为 姓名|职务|电话|邮箱"
        )
    name, role, phone, email = (part.strip() for part in parts)
    return Contact(name, role or None, phone or None, email or None)


def _territories(values: list[str]) -> tuple[str, ...]:
    from arrears.agencies.register_rules import parse_territories

    return tuple(one for value in values for one in parse_territories(value))


def _today(connection: Connection, settings: Settings) -> tuple[date, date]:
    """The business date and today in the cardholders' zone."""
    from zoneinfo import ZoneInfo

    from arrears.batch.business_day import business_day
    from arrears.kit import clock

    today = clock.now().astimezone(ZoneInfo(settings.timezone)).date()
    return business_day(connection, today=today).date, today


def _engine() -> tuple[Engine, Settings]:
    from arrears import migrate
    from arrears.config import get_settings
    from arrears.db import get_engine

    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    return engine, settings


@app.command("add")
@reports_errors
def add(
    code: str = typer.Argument(
        ..., help="The agency's code, as its teams' agency code names it (A-Z, 0-9, - _)."
    ),
    name: str = typer.Option(..., "--name", help="The agency's name."),
    licence: str = typer.Option(..., "--licence", help="Its licence number."),
    licence_until: str | None = typer.Option(None, "--licence-until", help="The licence's last valid day."),
    whitelisted: bool = typer.Option(
        False, "--whitelisted/--not-whitelisted", help="On the bank's whitelist."
    ),
    contract_from: str | None = typer.Option(None, "--contract-from", help="The contract's first day."),
    contract_until: str | None = typer.Option(
        None, "--contract-until", help="The contract's last valid day."
    ),
    terms_signed: bool = typer.Option(
        False,
        "--terms-signed/--no-terms-signed",
        help="The written outsourcing terms for personal data (PIPL Art. 21) are signed.",
    ),
    inspected: str | None = typer.Option(None, "--inspected", help="The day of its last inspection."),
    capacity: int = typer.Option(0, "--capacity", help="The most accounts it may hold at once."),
    territory: list[str] = typer.Option(
        [], "--territory", help="A region it works (repeat, or separate by commas); none: anywhere."
    ),
    contact: list[str] = typer.Option([], "--contact", help=CONTACT_HELP),
    actor: str = ACTOR,
) -> None:
    """Put an agency on the register (active). Dates are YYYY-MM-DD; a refusal names the field. Audited."""
    from arrears.agencies.register import create_agency
    from arrears.agencies.register_rules import Entry
    from arrears.audit.repository import audit_transaction
    from arrears.kit.clock import now

    entry = Entry(
        code=code, name=name, licence_no=licence,
        licence_valid_until=parse_day(licence_until, option="--licence-until"), whitelisted=whitelisted,
        contract_starts_on=parse_day(contract_from, option="--contract-from"),
        contract_ends_on=parse_day(contract_until, option="--contract-until"), terms_signed=terms_signed,
        last_inspection_on=parse_day(inspected, option="--inspected"), capacity=capacity,
        territories=_territories(territory),
        contacts=tuple(_contact(one, number) for number, one in enumerate(contact, start=1)),
    )  # fmt: skip
    engine, settings = _engine()
    with audit_transaction(engine) as connection:
        _, today = _today(connection, settings)
        create_agency(connection, entry, actor=actor, today=today, now=now())
    console.print(f"agency {entry.code.strip()} is on the register", highlight=False)


@app.command("update")
@reports_errors
def update(
    code: str = typer.Argument(..., help="The agency's code (it does not change)."),
    name: str | None = typer.Option(None, "--name", help="The agency's name."),
    licence: str | None = typer.Option(None, "--licence", help="Its licence number."),
    licence_until: str | None = typer.Option(None, "--licence-until", help="The licence's last valid day."),
    whitelisted: bool | None = typer.Option(
        None, "--whitelisted/--not-whitelisted", help="On the bank's whitelist."
    ),
    contract_from: str | None = typer.Option(None, "--contract-from", help="The contract's first day."),
    contract_until: str | None = typer.Option(
        None, "--contract-until", help="The contract's last valid day."
    ),
    terms_signed: bool | None = typer.Option(
        None, "--terms-signed/--no-terms-signed", help="The written outsourcing terms are signed."
    ),
    inspected: str | None = typer.Option(None, "--inspected", help="The day of its last inspection."),
    capacity: int | None = typer.Option(None, "--capacity", help="The most accounts it may hold at once."),
    territory: list[str] = typer.Option(
        [], "--territory", help="A region it works (repeat); given, the list replaces the stored one."
    ),
    anywhere: bool = typer.Option(False, "--anywhere", help="Clear the regions: it works anywhere."),
    contact: list[str] = typer.Option([], "--contact", help=CONTACT_HELP),
    actor: str = ACTOR,
) -> None:
    """Change an agency's entry: only the options given change. When the agency can no longer hold
    accounts on the business date (a contract, inspection or licence ended, off the whitelist, terms
    withdrawn), the accounts it holds are recalled at once. Audited (the fields changed)."""
    from arrears.agencies import register
    from arrears.agencies.register_rules import entry_of
    from arrears.audit.repository import audit_transaction
    from arrears.kit.clock import now

    given: dict[str, Any] = {
        "name": name, "licence_no": licence, "whitelisted": whitelisted, "terms_signed": terms_signed,
        "capacity": capacity, "licence_valid_until": parse_day(licence_until, option="--licence-until"),
        "contract_starts_on": parse_day(contract_from, option="--contract-from"),
        "contract_ends_on": parse_day(contract_until, option="--contract-until"),
        "last_inspection_on": parse_day(inspected, option="--inspected"),
    }  # fmt: skip
    changes = {key: value for key, value in given.items() if value is not None}
    if territory or anywhere:
        changes["territories"] = () if anywhere else _territories(territory)
    if contact:
        changes["contacts"] = tuple(_contact(one, number) for number, one in enumerate(contact, start=1))
    engine, settings = _engine()
    with audit_transaction(engine) as connection:
        day, today = _today(connection, settings)
        stored: Entry = entry_of(register.agency(connection, code))
        changed, recalls = register.update_agency(connection, stored.code, replace(stored, **changes),
                                                  actor=actor, day=day, today=today, now=now())  # fmt: skip
    said = ", ".join(changed) or "nothing"
    console.print(
        f"agency {stored.code}: {said} changed; {len(recalls):,} accounts recalled", highlight=False
    )


@app.command("list")
@reports_errors
def list_agencies(
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The day of the eligibility and the counts (YYYY-MM-DD). Default: the business date.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the register as JSON (contacts masked)."),
) -> None:
    """The register: each agency with its status, whether it may hold accounts on the day (or why not),
    its capacity and the accounts it holds, its contract, inspection, regions and users."""
    from arrears.agencies.register import register_list

    engine, settings = _engine()
    with engine.connect() as connection:
        day = parse_day(as_of, option="--as-of") or _today(connection, settings)[0]
        rows = register_list(connection, day=day)
    if as_json:
        print(json.dumps([_plain(row) for row in rows], ensure_ascii=False, indent=2, default=str))
        return
    table = Table(title=f"agency register · {day}")
    for column in ("code", "name", "status", "eligible", "capacity", "placed", "contract until", "inspected",
                   "territories", "users"):  # fmt: skip
        table.add_column(column, justify="right" if column in ("capacity", "placed", "users") else "left")
    for row in rows:
        found = row["eligibility"]
        eligible = "yes" if found.allowed else "no: " + "; ".join(found.reasons_en)
        table.add_row(
            row["code"], row["name"], row["status"], eligible,
            f"{row['capacity']:,}", f"{row['placed']:,}", str(row["contract_ends_on"] or "-"),
            str(row["last_inspection_on"] or "-"), ", ".join(row["territory_list"]) or "anywhere",
            f"{len(row['users']):,}",
        )  # fmt: skip
    console.print(table)


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    found = row["eligibility"]
    keep = ("code", "name", "licence_no", "licence_valid_until", "whitelisted", "contract_starts_on",
            "contract_ends_on", "terms_signed", "last_inspection_on", "status", "capacity",
            "placed")  # fmt: skip
    return {key: row[key] for key in keep} | {
        "eligible": found.allowed, "reasons": list(found.codes), "reasons_en": list(found.reasons_en),
        "reasons_zh": list(found.reasons_zh), "territories": row["territory_list"],
        "contacts": row["contact_list"],
        "users": [one["username"] for one in row["users"]],
    }  # fmt: skip


@app.command("suspend")
@reports_errors
def suspend(
    code: str = typer.Argument(..., help="The agency's code."),
    reason: str = typer.Option(
        ..., "--reason", help="Why the agency is suspended (recorded in the audit chain)."
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="The last day it holds its accounts (YYYY-MM-DD). Default: the business date."
    ),
    actor: str = ACTOR,
) -> None:
    """Suspend an agency: it gets no more accounts, and every account it holds is recalled at once
    (agency_suspended). Audited."""
    from arrears.agencies.register import suspend_agency
    from arrears.audit.repository import audit_transaction
    from arrears.kit.clock import now

    engine, settings = _engine()
    with audit_transaction(engine) as connection:
        day = parse_day(as_of, option="--as-of") or _today(connection, settings)[0]
        recalls = suspend_agency(connection, code, reason=reason, actor=actor, day=day, now=now())
    console.print(f"agency {code.strip()} suspended; {len(recalls):,} accounts recalled", highlight=False)


@app.command("reinstate")
@reports_errors
def reinstate(code: str = typer.Argument(..., help="The agency's code."), actor: str = ACTOR) -> None:
    """Make a suspended agency active again (the accounts recalled stay recalled: a later batch places
    accounts again). Audited."""
    from arrears.agencies.register import reinstate_agency
    from arrears.audit.repository import audit_transaction
    from arrears.kit.clock import now

    engine, _ = _engine()
    with audit_transaction(engine) as connection:
        reinstate_agency(connection, code, actor=actor, now=now())
    console.print(f"agency {code.strip()} reinstated", highlight=False)


@app.command("recall")
@reports_errors
def recall_day(
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="The sweep's day (YYYY-MM-DD). Default: the business date (latest completed run).",
    ),
) -> None:
    """Recall the placements that end by the day: periods ended before it (period_end), accounts with a
    hold or nothing overdue, agencies on the register whose inspection, contract or licence lapsed (from
    their last eligible day). Running it again for a day recalls nothing more. `arrears run-day` runs it
    at the end of each run."""
    engine, settings = _engine()
    run_recall(engine, settings, parse_day(as_of, option="--as-of"))


def run_recall(engine: Engine, settings: Settings, day: date | None) -> None:
    """The sweep of ``day`` (None: the business date) in one audited transaction, and its report lines."""
    from arrears.agencies.recall import sweep
    from arrears.audit.repository import audit_transaction
    from arrears.kit import clock

    moment = clock.now()
    with audit_transaction(engine) as connection:
        if day is None:
            day = _today(connection, settings)[0]
        result = sweep(connection, as_of=day, now=moment)
    reasons = ", ".join(f"{reason} {count:,}" for reason, count in result.by_reason().items())
    console.print(f"agency recall {result.as_of}: {len(result.recalls):,} placements recalled"
                  + (f" ({reasons})" if reasons else ""), highlight=False)  # fmt: skip
    if result.ineligible:
        named = ", ".join(f"{code} ({', '.join(codes)})" for code, codes in result.ineligible.items())
        console.print(f"  agencies that may not hold accounts on {result.as_of}: {named}", highlight=False)


def _placement_commands() -> None:
    """Placement batches (``place``), kept in a module of their own."""
    from arrears.cli.agencies_place import place

    app.command("place")(place)


_placement_commands()


def _money_commands() -> None:
    """Commission statements (``commission ...``) and the league table (``league``), in a module of
    their own."""
    from arrears.cli.agencies_money import commission_app, league

    app.add_typer(commission_app, name="commission")
    app.command("league")(league)


_money_commands()
