"""``arrears visits``: visitor profiles, pairs, appointments, and the day's visit routes."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from arrears.cli.common import console, err_console, parse_day
from arrears.visits.solver import SOLVER

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from arrears.visits.plan_result import VisitDay

app = typer.Typer(
    help="Field visits: profiles, pairs, appointments and the day's routes.", no_args_is_help=True
)
pair_app = typer.Typer(help="Visiting pairs (two staff per visit).", no_args_is_help=True)
profile_app = typer.Typer(help="Visitor profiles: base, shift, capacity, territory.", no_args_is_help=True)
appointment_app = typer.Typer(help="Visits agreed with the cardholder.", no_args_is_help=True)
availability_app = typer.Typer(
    help="When the cardholder is at home (visits only then).", no_args_is_help=True
)
app.add_typer(pair_app, name="pair")
app.add_typer(profile_app, name="profile")
app.add_typer(appointment_app, name="appointment")
app.add_typer(availability_app, name="availability")


@contextmanager
def _transaction() -> Iterator[Connection]:
    """The store's transaction; a SetupError is a bad parameter (exit 2), another ArrearsError exit 1."""
    from arrears import migrate
    from arrears.db import get_engine
    from arrears.kit.errors import ArrearsError
    from arrears.visits.setup import SetupError

    engine = get_engine()
    migrate.upgrade(engine)
    try:
        with engine.begin() as connection:
            yield connection
    except SetupError as error:
        err_console.print(f"[red]{error.field}: {error.message_en}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(code=2) from None
    except ArrearsError as error:
        err_console.print(f"[red]{error.message_en}[/red]", highlight=False, soft_wrap=True)
        raise typer.Exit(code=1) from None


def _bad(option: str) -> Callable[[str], typer.BadParameter]:
    return lambda message: typer.BadParameter(message, param_hint=option)


@app.command()
def plan(
    date_: str = typer.Option(..., "--date", help="The day to plan (YYYY-MM-DD)."),
    seconds: float = typer.Option(SOLVER["seconds"], "--seconds", min=0.01, help="Time cap for the solver."),
    seed: int = typer.Option(SOLVER["seed"], "--seed", help="Seed of the solver's random numbers."),
    iterations: int = typer.Option(
        SOLVER["iterations"],
        "--iterations",
        min=1,
        help="Stop after this many iterations (the same plan for the same input and seed; the page's).",
    ),
    policy: str = typer.Option("cn", "--policy", help="Compliance policy for the legal visiting hours."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Plan the day's visits: the latest completed run's visit candidates, the open visit requests and
    the day's appointments, over the active pairs. Writes the routes (replacing the day's routes that
    have not started), then prints each pair's stops and the candidates left out, with the reason."""
    from arrears.compliance.policy import load_policy
    from arrears.config import get_settings
    from arrears.kit.clock import now
    from arrears.visits.planning import plan_visits
    from arrears.visits.setup import travel_times

    day = parse_day(date_, option="--date")
    assert day is not None
    settings = get_settings()
    with _transaction() as connection:
        result = plan_visits(connection, plan_date=day, policy=load_policy(policy), zone=settings.timezone,
                             travel_times=travel_times(settings), seconds=seconds, seed=seed,
                             iterations=iterations, now=now())  # fmt: skip
    zone = ZoneInfo(settings.timezone)
    if as_json:
        typer.echo(json.dumps(plan_document(result, zone), ensure_ascii=False))
        return
    _print(result, zone)


def plan_document(result: VisitDay, zone: ZoneInfo) -> dict[str, Any]:
    """The plan as JSON-ready data (local times, masked addresses)."""

    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%H:%M")

    return {
        "date": result.plan_date.isoformat(),
        "run_date": result.run_date.isoformat(),
        "value_fen": result.value_fen,
        "travel_minutes": result.travel_minutes,
        "kept_routes": result.kept_routes,
        "routes": [
            {
                "pair": r.pair_code,
                "depart": local(r.depart_at),
                "back": local(r.back_at),
                "value_fen": r.value_fen,
                "travel_minutes": r.travel_minutes,
                "stops": [
                    {
                        "sequence": s.sequence,
                        "account_no": s.account_no,
                        "district": s.district,
                        "arrival": local(s.arrival_at),
                        "start": local(s.start_at),
                        "value_fen": s.value_fen,
                        "appointment": s.appointment,
                    }
                    for s in r.stops
                ],
            }
            for r in result.routes
        ],
        "dropped": [
            {"account_no": d.account_no, "reason": d.reason, "why": d.reason_en} for d in result.dropped
        ],
        "skipped_pairs": [{"pair": p.code, "why": p.reason_en} for p in result.skipped_pairs],
    }


def _print(result: VisitDay, zone: ZoneInfo) -> None:
    def local(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%H:%M")

    console.print(
        f"{result.plan_date}: {sum(len(r.stops) for r in result.routes)} visits on {len(result.routes)} "
        f"routes, value {result.value_fen / 100:,.2f} yuan, {result.travel_minutes} min on the road "
        f"(candidates of the run of {result.run_date})"
    )
    for route in result.routes:
        table = Table(title=f"pair {route.pair_code}: {local(route.depart_at)}-{local(route.back_at)}")
        for column in ("#", "arrival", "start", "account", "district", "value (yuan)", "appointment"):
            table.add_column(column)
        for s in route.stops:
            table.add_row(
                str(s.sequence),
                local(s.arrival_at),
                local(s.start_at),
                s.account_no,
                s.district or "",
                f"{s.value_fen / 100:,.2f}",
                "yes" if s.appointment else "",
            )
        console.print(table)
    if result.kept_routes:
        console.print(f"{result.kept_routes} routes already under way were kept as they were.")
    for pair in result.skipped_pairs:
        console.print(f"pair {pair.code} skipped: {pair.reason_en}", highlight=False)
    if result.dropped:
        console.print(f"{len(result.dropped)} candidates left out:")
        for dropped in result.dropped:
            console.print(f"  {dropped.account_no}: {dropped.reason_en}", highlight=False)


@pair_app.command("add")
def pair_add(
    code: str = typer.Argument(..., help="The pair's code, e.g. pair-1."),
    user1: str = typer.Argument(..., help="First visitor (the pair starts from this one's base)."),
    user2: str = typer.Argument(..., help="Second visitor."),
    team: str | None = typer.Option(None, "--team", help="Team code."),
) -> None:
    """Add a visiting pair of two different visitors."""
    from arrears.visits.setup import add_pair

    with _transaction() as connection:
        add_pair(connection, code=code, first=user1, second=user2, team=team)
    console.print(f"pair {code}: {user1} and {user2}")


@profile_app.command("set")
def profile_set(
    user: str = typer.Argument(..., help="The visitor's username."),
    base_lat: float = typer.Option(..., "--base-lat", help="Latitude of the base (degrees)."),
    base_lon: float = typer.Option(..., "--base-lon", help="Longitude of the base (degrees)."),
    base_label: str = typer.Option(..., "--base-label", help="Name of the base, e.g. the branch."),
    shift: str = typer.Option("08:30-18:00", "--shift", help="Working hours, local time."),
    capacity: int = typer.Option(8, "--capacity", help="Visits a day."),
    territory: str = typer.Option("", "--territory", help="Districts, comma-separated (empty: anywhere)."),
    skills: str = typer.Option("", "--skills", help="Skills, comma-separated."),
) -> None:
    """Create or replace a visitor's profile."""
    from arrears.visits.setup import parse_shift, set_profile

    with _transaction() as connection:
        set_profile(connection, username=user, base_lat=base_lat, base_lon=base_lon, base_label=base_label,
                    shift=parse_shift(shift), capacity=capacity, territory=_split(territory),
                    skills=_split(skills))  # fmt: skip
    console.print(f"profile of {user} saved")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("，", ",").split(",") if part.strip()]


@appointment_app.command("add")
def appointment_add(
    account_no: str = typer.Argument(..., help="The account number."),
    at: str = typer.Option(..., "--at", help="Local start, 'YYYY-MM-DD HH:MM' (the cardholders' time zone)."),
    minutes: int = typer.Option(60, "--minutes", help="The window the visit starts in, in minutes."),
    note: str | None = typer.Option(None, "--note", help="A note for the visitors."),
) -> None:
    """Add an appointment: the day's plan must keep it."""
    from arrears.config import get_settings
    from arrears.kit.clock import now
    from arrears.visits.setup import add_appointment

    try:
        starts = datetime.strptime(at, "%Y-%m-%d %H:%M")
    except ValueError:
        raise _bad("--at")(f"{at!r} is not a local time 'YYYY-MM-DD HH:MM'") from None
    starts_at = starts.replace(tzinfo=ZoneInfo(get_settings().timezone))
    with _transaction() as connection:
        add_appointment(connection, account_no=account_no, starts_at=starts_at, minutes=minutes, note=note,
                        now=now())  # fmt: skip
    console.print(f"appointment for {account_no} at {at}")


@availability_app.command("add")
def availability_add(
    account_no: str = typer.Argument(..., help="The account number."),
    start: str = typer.Option(..., "--from", help="Local start, HH:MM."),
    end: str = typer.Option(..., "--to", help="Local end, HH:MM."),
    weekday: int | None = typer.Option(None, "--weekday", help="0 (Monday) to 6 (Sunday); none: every day."),
    note: str | None = typer.Option(None, "--note", help="A note for the visitors."),
) -> None:
    """Add a window when the account's cardholder is at home: planning visits only inside such windows."""
    from arrears.kit.clock import now
    from arrears.visits.setup import add_availability, parse_clock

    with _transaction() as connection:
        add_availability(connection, account_no=account_no, start_minute=parse_clock(start, "from"),
                         end_minute=parse_clock(end, "to"), weekday=weekday, note=note,
                         now=now())  # fmt: skip
    day = "every day" if weekday is None else f"weekday {weekday}"
    console.print(f"{account_no} available {start}-{end}, {day}")
