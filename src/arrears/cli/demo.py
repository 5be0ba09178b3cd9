"""``arrears demo``: a fresh embedded database with the sample portfolio."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import typer

from arrears.cli.common import console, reports_errors
from arrears.config import get_settings

PASSWORD_VARIABLE = "ARREARS_DEMO_PASSWORD"


@reports_errors
def demo(
    fresh: bool = typer.Option(True, "--fresh/--keep", help="Start from an empty database (default)."),
    prepare_only: bool = typer.Option(False, "--prepare-only", help="Everything but serving."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on."),
    port: int = typer.Option(8000, "--port", help="Port to serve on."),
) -> None:
    """Build the demo and serve it: a fresh SQLite database under the data directory, the bundled UCI
    portfolio imported (24,000 accounts) and summarised, then the probability-of-default model
    trained on it, registered, promoted and used to score the book (var/scores.parquet), the day run
    over the book with the default strategy sized for the demo's two collectors and a mail room of 40
    letters (written to <data dir>/strategies/demo.yaml; `arrears run-day --date 2005-10-01`), the
    day's SMS and e-mails sent and its letters rendered through the file transports, three agencies on
    the register and the day's agency hand-overs placed among them by a batch for 90 days (agency C
    refused: its inspection lapsed), one user per role (collector1, collector2, visitor1, visitor2,
    lead1 of the phone team, lead2 of the visitors' field team, legal1, compliance1, service1,
    manager1, admin1, agency1) with the password from ARREARS_DEMO_PASSWORD, or a random one that is
    printed, and the day's field visits planned for the visitors' pair (pair-1). Then `arrears serve`
    on http://127.0.0.1:8000 (unless --prepare-only)."""
    import json

    from arrears.cli import imports, model, portfolio, run_day
    from arrears.imports.uci import bundled_path

    settings = get_settings()
    if settings.database_url and not settings.database_url.startswith("sqlite"):
        console.print("the demo runs on the embedded database: unset ARREARS_DATABASE_URL")
        raise typer.Exit(code=1)
    database = settings.data_dir / "arrears.db"
    if fresh:
        for suffix in ("", "-wal", "-shm"):
            database.with_name(database.name + suffix).unlink(missing_ok=True)
    console.print(f"database: {database}")
    imports.uci_file(path=None, as_of="2005-10-01", keep_extract=None)
    portfolio.summary(as_of=None, as_json=False)
    directory = settings.data_dir / "models" / "pd-demo"
    console.print("\nTraining the probability-of-default model on the same 24,000 accounts:")
    model.train(
        data=str(bundled_path()),
        out=directory,
        as_of=None,
        outcome_date=None,
        calibration="isotonic",
        protected=False,
        seed=7,
        threads=0,
    )
    version = json.loads((directory / "card.json").read_text())["version"]
    model.register(model_dir=directory, by="demo")
    model.promote(version=version, by="demo")
    console.print("\nScoring the book in the store with the active model:")
    model.score(
        model_dir="active", data="store", out=settings.data_dir / "scores.parquet", as_of="2005-10-01"
    )
    strategy = _demo_strategy(settings.data_dir)
    console.print(f"\nThe day's run over the book (the demo team's strategy, {strategy}):")
    run_day.run_day(date_="2005-10-01", extract=None, strategy=str(strategy), policy="cn")
    _send_the_day()
    _people()
    _cardholder(host, port)
    if not prepare_only:
        from arrears.cli.serve import serve

        serve(host=host, port=port, policy="cn", dispatch=True)


DEMO_CAPACITY = {"call": {"people": 2, "per_person": 120}, "letter": 40}
"""The demo's day: its two collectors' 120 dials each and a small mail room; the rest as the default."""


def _demo_strategy(data_dir: Path) -> Path:
    """The default strategy with the demo team's capacity (``DEMO_CAPACITY``), written as a strategy
    file under the data directory: with 200 collectors' worth of dials every account whose call is due
    gets a call, and the demand letters that go to the accounts the team cannot call would never show."""
    import yaml

    from arrears.strategy.load import load_strategy

    data = yaml.safe_load(load_strategy("default").text)
    label = {"zh": "演示策略（默认策略，按演示团队规模）",
             "en": "Demo strategy (the default, sized for the demo team)"}  # fmt: skip
    data |= {"name": "demo", "version": 1, "label": label}
    data["capacity"] = data["capacity"] | DEMO_CAPACITY
    path = data_dir / "strategies" / "demo.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `arrears demo`: the default strategy with the demo team's capacity.\n"
    path.write_text(header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


DEMO_SENDING_AT = "2005-10-01T12:00:00+08:00"
"""The demo's day is in the past: its messages are sent on a clock that starts at noon that day."""


def _send_the_day() -> None:
    """The day's SMS, e-mails and notices sent through the file transports (``<data dir>/outbox``),
    as ``arrears dispatch --once --at 2005-10-01T12:00+08:00`` would, and its letters rendered for
    the print house (``arrears dispatch --channel letter``)."""
    from datetime import datetime

    from arrears.messaging import runner

    channels = list(runner.DISPATCHED)
    now = runner.replay_clock(datetime.fromisoformat(DEMO_SENDING_AT), get_settings(), channels=channels)
    console.print(f"\nThe day's messages sent through the file transports as at {DEMO_SENDING_AT}:")
    tally = runner.run_here(channels=channels, once=True, policy="cn", now=now)
    figures = {"sent": tally.sent, "waiting": tally.waiting, "failed": tally.failed,
               "expired": tally.expired, "cancelled": tally.cancelled}  # fmt: skip
    console.print(", ".join(f"{name} {count:,}" for name, count in figures.items()), highlight=False)
    done = runner.render_due_letters(policy="cn", now=now)
    skipped = ", ".join(f"{status} {count:,}" for status, count in sorted(done.skipped.items())) or "none"
    console.print(f"Letters rendered {done.rendered:,} (not rendered: {skipped})", highlight=False)
    for folder in done.folders:
        console.print(f"  for the print house: {folder}", highlight=False)


def _people() -> None:
    """The demo's teams and users, its agencies on the register, the day's agency hand-overs placed by a
    batch (agency C refused: its inspection lapsed), and the day's visits planned for the visitors' pair."""
    from datetime import date
    from zoneinfo import ZoneInfo

    from arrears.agencies.placement import place as place_batch
    from arrears.audit.repository import audit_transaction
    from arrears.cli.agencies_place import print_report
    from arrears.compliance.policy import load_policy
    from arrears.contacts.call_rules import CallLimits
    from arrears.db import get_engine
    from arrears.kit.clock import now
    from arrears.kit.crypto import cipher_for
    from arrears.servicedesk.setup import DeskSetup
    from arrears.users.demo import PAIR, USERS, create_demo_users, register_demo_agencies
    from arrears.users.demo_legal import legal_morning
    from arrears.users.demo_morning import Desk, morning
    from arrears.visits.planning import SOLVER, plan_visits
    from arrears.visits.setup import travel_times

    given = os.environ.get(PASSWORD_VARIABLE)
    password = given or secrets.token_urlsafe(12)
    run_date, settings, policy = date(2005, 10, 1), get_settings(), load_policy("cn")
    desk_setup = DeskSetup.of(settings, policy)
    with audit_transaction(get_engine()) as connection:
        users = {one.username: one for one in create_demo_users(connection, password=password, now=now())}
        register_demo_agencies(connection, today=run_date, now=now())
        batch = place_batch(connection, run_date=run_date, placed_on=run_date, days=90, actor="demo",
                            actor_id=users["manager1"].id, now=now(), data_dir=settings.data_dir)  # fmt: skip
        visits = plan_visits(connection, plan_date=run_date, policy=policy, zone=settings.timezone,
                             travel_times=travel_times(settings), now=now(), **SOLVER)  # fmt: skip
        day = morning(connection, day=run_date, collectors=[users["collector1"], users["collector2"]],
                      visitor=users["visitor1"], policy=policy, limits=CallLimits.of(settings),
                      max_held=settings.max_held_cases,
                      desk=Desk(users["service1"], desk_setup, cipher_for(settings)))  # fmt: skip
        legal = legal_morning(connection, day=run_date, officer=users["legal1"], lawyer=users["lawyer1"],
                              firm_team_id=int(users["lawyer1"].team_id or 0), policy=policy,
                              zone=ZoneInfo(settings.timezone))  # fmt: skip
    console.print("")
    print_report(batch.batch_id, batch.summary, batch.files)
    stops = sum(len(route.stops) for route in visits.routes)
    left = len(visits.dropped)
    console.print(f"Visits of {run_date} for {PAIR}: {stops} planned, {left:,} candidates left out.")
    console.print(
        f"The morning of {run_date} (09:00-11:30): {day.calls} calls logged by collector1 and collector2 "
        f"({', '.join(f'{name} {n}' for name, n in sorted(day.outcomes.items()))}; {day.blocked} refused by "
        f"the rulebook), {day.visits} visit made by {PAIR}, {day.promises} promises to pay "
        f"({day.promised_fen / 100:,.2f} yuan); {day.service_cases} calls to customer service logged as "
        "service cases (a complaint, a hardship request).",
        highlight=False,
    )
    console.print(
        f"Legal proceeded on {len(legal.cases)} referrals of {run_date} (legal cases opened, the accounts "
        "held); the first went to the law firm, whose lawyer1 issued its lawyer's letter from the template "
        "(queued for the print house).",
        highlight=False,
    )
    console.print("Users, one per role: " + ", ".join(f"{name} ({role})" for name, role, _ in USERS))
    if given:
        console.print(f"Their password is the one in {PASSWORD_VARIABLE}.")
    else:
        console.print(f"Their password (random; set {PASSWORD_VARIABLE} to choose one): {password}")


GATEWAY_SECRET_VARIABLE = "ARREARS_GATEWAY_SECRET"


def _cardholder(host: str, port: int) -> None:
    """How to sign in to the cardholder portal as one of the demo's cardholders (an overdue account
    with a mobile): the account's last four digits and the national ID's last six. The one-time code
    goes out through the SMS file transport (the demo serves with a dispatcher); payments go through
    the simulated gateway, whose key is ARREARS_GATEWAY_SECRET or a random one for this demo."""
    from sqlalchemy import select

    from arrears.config import get_settings
    from arrears.db import get_engine
    from arrears.kit.crypto import cipher_for
    from arrears.models import CardAccount, ContactPoint, Customer, table_of

    if not os.environ.get(GATEWAY_SECRET_VARIABLE):
        os.environ[GATEWAY_SECRET_VARIABLE] = secrets.token_urlsafe(32)
    if not os.environ.get("ARREARS_PUBLIC_URL"):  # pay links point at the server the demo starts
        os.environ["ARREARS_PUBLIC_URL"] = (
            f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
        )
    get_settings.cache_clear()
    settings = get_settings()
    account, customer, point = table_of(CardAccount), table_of(Customer), table_of(ContactPoint)
    query = (
        select(account.c.account_no, customer.c.national_id_enc)
        .join(customer, customer.c.id == account.c.customer_id)
        .join(point, (point.c.customer_id == customer.c.id) & (point.c.kind == "mobile"))
        .where(account.c.dpd > 30, account.c.dpd <= 60)
        .order_by(account.c.id)
        .limit(1)
    )
    with get_engine(settings).connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        return
    national_id = cipher_for(settings).decrypt(row.national_id_enc)
    console.print(
        f"\nCardholder portal: {settings.public_url}/my, as the demo cardholder of the account ending "
        f"{row.account_no[-4:]} (national ID ending {national_id[-6:]}); the one-time code arrives by SMS "
        f"in {settings.transport_url('sms').removeprefix('file:')}/*.jsonl (the file transport).",
        highlight=False,
    )
