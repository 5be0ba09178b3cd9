"""``arrears agencies commission ...`` (an agency's commission schedule, the monthly statements, their
review and approval) and ``arrears agencies league --month YYYY-MM [--json]`` (the league table). The
``agencies`` command group registers ``commission_app`` and ``league``."""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from arrears.cli.common import console, parse_day, reports_errors

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from arrears.config import Settings
    from arrears.users.service import StaffUser

commission_app = typer.Typer(
    help="Agency commissions: each agency's schedule, the monthly statements (CSV and PDF, checksummed), "
    "their review and approval by two people.",
    no_args_is_help=True,
)
MONTH = typer.Option(..., "--month", help="The calendar month (YYYY-MM).")
USER = typer.Option(..., "--user", help="Who does it: an active user whose role allows it (audited).")


def _engine() -> tuple[Engine, Settings]:
    from arrears import migrate
    from arrears.config import get_settings
    from arrears.db import get_engine

    settings = get_settings()
    engine = get_engine(settings)
    migrate.upgrade(engine)
    return engine, settings


def _month(text: str) -> date:
    from arrears.agencies.commission_rules import parse_month
    from arrears.kit.inputs import InvalidField

    try:
        return parse_month(text)
    except InvalidField as error:
        raise typer.BadParameter(error.message_en, param_hint="--month") from None


def _user(connection: Connection, username: str) -> StaffUser:
    from arrears.kit.errors import NotFound
    from arrears.users.repository import UserRepository
    from arrears.users.service import StaffUser

    row = UserRepository(connection).by_username(username)
    if row is None or not row.is_active:
        raise NotFound(f"no active user {username}", f"没有在用的用户 {username}")
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)


def _yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}" if abs(fen) < 10**15 else str(fen)


# --- schedules -----------------------------------------------------------------------------------


@commission_app.command("set-rates")
@reports_errors
def set_rates(
    agency: str = typer.Option(..., "--agency", help="The agency's code."),
    starts: str = typer.Option(..., "--from", help="For the accounts placed from this day (YYYY-MM-DD)."),
    bands: list[str] = typer.Option(
        ...,
        "--band",
        help="A band as AGE:AMOUNT:RATE, e.g. M1-M3:0-50000:1500 (age: buckets M1-M3, M4, M7+ "
        "or days past due 91-180, 181+; amount: overdue yuan at placement, the max excluded, 50000+ or * "
        "for any; rate: basis points or a percentage). Repeat for each band; bands may not overlap.",
    ),
    user: str = USER,
) -> None:
    """Set the agency's commission schedule for the accounts placed from --from (replacing the schedule of
    that day, if any): rates by the account's age and overdue amount at placement. Needs
    commission:approve; audited."""
    from arrears.agencies import commission
    from arrears.agencies.commission_rules import parse_band
    from arrears.audit.repository import audit_transaction
    from arrears.kit.clock import now

    day = parse_day(starts, option="--from")
    assert day is not None
    parsed = [parse_band(one) for one in bands]
    engine, _ = _engine()
    with audit_transaction(engine) as connection:
        count = commission.set_schedule(
            connection,
            agency_code=agency,
            effective_from=day,
            bands=parsed,
            by=_user(connection, user),
            now=now(),
        )
    console.print(f"commission schedule of {agency} from {day}: {count} bands", highlight=False)


@commission_app.command("rates")
@reports_errors
def show_rates(
    agency: str = typer.Option(..., "--agency", help="The agency's code."),
    as_json: bool = typer.Option(False, "--json", help="Print the schedules as JSON."),
) -> None:
    """The agency's commission schedules, the latest first."""
    from arrears.agencies.commission_repository import CommissionRepository

    engine, _ = _engine()
    with engine.connect() as connection:
        rows = CommissionRepository(connection).schedule_rows(agency)
    keys = (
        "effective_from",
        "age_band",
        "min_dpd",
        "max_dpd",
        "min_overdue_fen",
        "max_overdue_fen",
        "rate_bp",
    )
    if as_json:
        console.print_json(json.dumps([{key: row[key] for key in keys} for row in rows], default=str))
        return
    table = Table("from", "age", "days past due", "overdue at placement (yuan)", "rate (bp)")
    for row in rows:
        ages = f"{row['min_dpd']}-{'' if row['max_dpd'] is None else row['max_dpd']}"
        high = "" if row["max_overdue_fen"] is None else _yuan(row["max_overdue_fen"])
        table.add_row(
            str(row["effective_from"]),
            row["age_band"],
            ages,
            f"{_yuan(row['min_overdue_fen'])}-{high}",
            f"{row['rate_bp']:,}",
        )
    console.print(table)


# --- statements ----------------------------------------------------------------------------------


@commission_app.command("statement")
@reports_errors
def statement(
    month: str = MONTH,
    agency: str | None = typer.Option(None, "--agency", help="The agency's code."),
    every: bool = typer.Option(False, "--all", help="Every agency that held an account in the month."),
    as_of: str | None = typer.Option(
        None, "--as-of", help="The business date (YYYY-MM-DD). Default: the latest completed run's date."
    ),
    actor: str = typer.Option("arrears", "--actor", help="Who makes them (recorded in the audit chain)."),
    as_json: bool = typer.Option(False, "--json", help="Print the statements as JSON."),
) -> None:
    """Make the month's commission statement of --agency (or of --all agencies): every payment made on an
    account while the agency held it (a reversal claws back where its payment was), at the rate of the
    agency's schedule in force when the account was placed; a CSV of one line per payment (accounts
    masked) and a PDF of the totals, both checksummed, under the data directory. A statement made again
    is a new version, back to draft; an approved one is left as it is. A month not over is provisional;
    gateway payments not posted yet are said. Audited."""
    if bool(agency) == every:
        raise typer.BadParameter("give --agency CODE or --all (one of them)", param_hint="--agency/--all")
    first = _month(month)
    engine, settings = _engine()
    made, approved = make_statements(
        engine, settings, first, agency, parse_day(as_of, option="--as-of"), actor
    )
    rows = [_made(one) for one in made]
    if as_json:
        console.print_json(
            json.dumps({"month": f"{first:%Y-%m}", "statements": rows, "left_approved": approved})
        )
        return
    table = Table(
        "id",
        "agency",
        "version",
        "payments",
        "collected (yuan)",
        "commission (yuan)",
        "unrated",
        "unposted",
        "provisional",
    )
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["agency_code"],
            str(row["version"]),
            f"{row['payments']:,}",
            _yuan(row["collected_fen"]),
            _yuan(row["commission_fen"]),
            f"{row['unrated_payments']:,}",
            f"{row['unposted']:,}",
            "yes" if row["provisional"] else "no",
        )
    console.print(f"commission statements of {first:%Y-%m}: {len(rows)} made", highlight=False)
    console.print(table)
    for row in rows:
        console.print(
            f"  {row['agency_code']}: {row['csv_path']} sha256 {row['csv_sha256']}", highlight=False
        )
        console.print(
            f"  {row['agency_code']}: {row['pdf_path']} sha256 {row['pdf_sha256']}", highlight=False
        )
    if approved:
        console.print(f"left as approved: {', '.join(approved)}", highlight=False)


def make_statements(
    engine: Engine, settings: Settings, month: date, agency: str | None, as_of: date | None, actor: str
) -> tuple[list[Any], list[str]]:
    """Prepared on a read connection, recorded in one audit transaction (the page's button does the same)."""
    from zoneinfo import ZoneInfo

    from arrears.agencies import commission
    from arrears.audit.repository import audit_transaction
    from arrears.batch.business_day import business_day
    from arrears.kit.clock import now

    zone, moment = ZoneInfo(settings.timezone), now()
    with engine.connect() as connection:
        day = as_of or business_day(connection, today=moment.astimezone(zone).date()).date
        prepared = commission.prepare(
            connection,
            month=month,
            as_of=day,
            zone=zone,
            data_dir=settings.data_dir,
            font_dir=settings.letter_font_dir,
            made_at=moment.astimezone(zone),
            agency_code=agency,
        )
    with audit_transaction(engine) as connection:
        made = commission.record(connection, prepared.statements, by=actor, now=moment)
    return made, prepared.approved


def _made(one: Any) -> dict[str, Any]:
    p, tally = one.prepared, one.prepared.tally
    count = int(p.unposted.get("notifications", 0)) + len(p.unposted.get("unreconciled_days", []))
    return {
        "id": one.statement_id,
        "agency_code": p.agency_code,
        "version": p.version,
        "status": "draft",
        "payments": tally.payments,
        "collected_fen": tally.collected_fen,
        "commission_fen": tally.commission_fen,
        "clawback_fen": tally.clawback_fen,
        "unrated_payments": tally.unrated_payments,
        "unposted": count,
        "provisional": p.provisional,
        "as_of": p.as_of.isoformat(),
        "csv_path": p.csv_path,
        "csv_sha256": p.csv_sha256,
        "pdf_path": p.pdf_path,
        "pdf_sha256": p.pdf_sha256,
    }


def _decide(statement_id: int, user: str, what: str) -> None:
    from arrears.agencies import commission
    from arrears.audit.repository import audit_transaction
    from arrears.kit.clock import now

    engine, settings = _engine()
    with audit_transaction(engine) as connection:
        decide = commission.review if what == "reviewed" else commission.approve
        done = decide(
            connection,
            statement_id=statement_id,
            by=_user(connection, user),
            now=now(),
            data_dir=settings.data_dir,
        )
    console.print(
        f"commission statement {statement_id} ({done['agency_code']} {done['month']:%Y-%m} "
        f"v{done['version']}) {what} by {user}",
        highlight=False,
    )


@commission_app.command("review")
@reports_errors
def review(
    statement_id: int = typer.Argument(..., min=1, max=2**31 - 1, help="The statement's id."),
    user: str = USER,
) -> None:
    """Mark a draft statement reviewed (its files read back against their SHA-256; not a provisional
    month). Needs commission:review; audited."""
    _decide(statement_id, user, "reviewed")


@commission_app.command("approve")
@reports_errors
def approve(
    statement_id: int = typer.Argument(..., min=1, max=2**31 - 1, help="The statement's id."),
    user: str = USER,
) -> None:
    """Approve a reviewed statement: never by the person who reviewed it. Needs commission:approve;
    audited."""
    _decide(statement_id, user, "approved")


@commission_app.command("list")
@reports_errors
def list_statements(
    month: str | None = typer.Option(None, "--month", help="Only this month (YYYY-MM)."),
    as_json: bool = typer.Option(False, "--json", help="Print them as JSON."),
) -> None:
    """The statements, the latest month first."""
    from arrears.agencies import commission

    engine, _ = _engine()
    with engine.connect() as connection:
        rows = commission.listing(connection, month=_month(month) if month else None)["statements"]
    keys = (
        "id",
        "agency_code",
        "month",
        "version",
        "status",
        "provisional",
        "payments",
        "collected_fen",
        "commission_fen",
        "unposted",
        "reviewed_by",
        "approved_by",
    )
    if as_json:
        console.print_json(json.dumps([{key: row[key] for key in keys} for row in rows], default=str))
        return
    table = Table(
        "id",
        "agency",
        "month",
        "v",
        "status",
        "payments",
        "collected (yuan)",
        "commission (yuan)",
        "unposted",
        "reviewed by",
        "approved by",
    )
    for row in rows:
        status = row["status"] + (" (provisional)" if row["provisional"] else "")
        table.add_row(
            str(row["id"]),
            row["agency_code"],
            f"{row['month']:%Y-%m}",
            str(row["version"]),
            status,
            f"{row['payments']:,}",
            _yuan(row["collected_fen"]),
            _yuan(row["commission_fen"]),
            f"{row['unposted']:,}",
            row["reviewed_by"] or "-",
            row["approved_by"] or "-",
        )
    console.print(table)


# --- the league table ----------------------------------------------------------------------------


@reports_errors
def league(
    month: str = MONTH,
    as_json: bool = typer.Option(False, "--json", help="Print the table as JSON."),
) -> None:
    """The agencies' league table of the month: accounts held and newly placed, amount recovered and
    recovery rate (over the overdue amount at placement), promise kept rate, complaints and compliance
    blocks per 1,000 accounts; ranked by recovery rate."""
    from zoneinfo import ZoneInfo

    from arrears.agencies.league import league_table

    first = _month(month)
    engine, settings = _engine()
    with engine.connect() as connection:
        table = league_table(connection, month=first, zone=ZoneInfo(settings.timezone))
    if as_json:
        console.print_json(
            json.dumps({"month": f"{first:%Y-%m}", "agencies": [row.to_dict() for row in table]})
        )
        return
    shown = Table(
        "#",
        "agency",
        "accounts",
        "new",
        "recovered (yuan)",
        "recovery",
        "promises kept",
        "complaints /1,000",
        "blocks /1,000",
    )
    for row in table:
        f = row.figures
        shown.add_row(
            str(row.rank),
            f.agency_code,
            f"{f.accounts:,}",
            f"{f.new_placements:,}",
            _yuan(f.recovered_fen),
            _percent(row.recovery_rate),
            _percent(row.promise_kept_rate),
            _number(row.complaints_per_1000),
            _number(row.blocks_per_1000),
        )
    console.print(f"agency league table of {first:%Y-%m}: {len(table)} agencies", highlight=False)
    console.print(shown)


def _percent(value: Any) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _number(value: Any) -> str:
    return "-" if value is None else f"{value:,}"
