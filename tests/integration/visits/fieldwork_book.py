"""The fieldwork tests' book: the web book plus two visitor pairs (pair A in team phone-a, whose lead
is team_lead1; pair B in phone-b), each with a route on ``DAY`` whose stops are inserted directly."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, insert, select

from arrears.kit.crypto import FieldCipher
from arrears.models import (
    AppUser,
    CardAccount,
    ContactPoint,
    DailyRun,
    Team,
    VisitPair,
    VisitRoute,
    VisitStop,
    table_of,
)
from arrears.users.service import StaffUser, create_user
from web_book import PASSWORD, build_book

ZONE = ZoneInfo("Asia/Shanghai")
HOME = (22.522, 113.380)  # the stops' address (石岐, Zhongshan)


def user(connection: Connection, username: str) -> StaffUser:
    u = table_of(AppUser)
    row = connection.execute(select(u).where(u.c.username == username)).one()
    return StaffUser(row.id, row.username, row.display_name, row.role, row.team_id)


def _pair(connection: Connection, code: str, first: str, second: str, team: str) -> int:
    team_id = connection.execute(select(table_of(Team).c.id).where(table_of(Team).c.code == team)).scalar()
    p = table_of(VisitPair)
    values = {
        "code": code,
        "first_user_id": user(connection, first).id,
        "second_user_id": user(connection, second).id,
        "team_id": team_id,
        "is_active": True,
    }
    return int(connection.execute(insert(p).values(**values).returning(p.c.id)).scalar_one())


def _route(connection: Connection, pair_id: int, day: date, accounts: list[Any], at: datetime) -> list[int]:
    r, s, p = table_of(VisitRoute), table_of(VisitStop), table_of(ContactPoint)
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=ZONE)
    route_id = connection.execute(
        insert(r)
        .values(
            plan_date=day,
            pair_id=pair_id,
            planned_start_at=start,
            planned_end_at=start + timedelta(hours=8),
            created_at=at,
        )
        .returning(r.c.id)
    ).scalar_one()
    stops = []
    for number, (account_id, customer_id) in enumerate(accounts, start=1):
        address = connection.execute(
            select(p.c.id).where(p.c.customer_id == customer_id, p.c.kind == "home_address")
        ).scalar()
        values = {
            "route_id": route_id,
            "sequence": number,
            "account_id": account_id,
            "customer_id": customer_id,
            "contact_point_id": address,
            "lat": HOME[0] + 0.01 * (number - 1),
            "lon": HOME[1],
            "value_fen": 50_000,
            "planned_arrival_at": start + timedelta(hours=number),
            "service_minutes": 30,
            "status": "planned",
        }
        stops.append(int(connection.execute(insert(s).values(**values).returning(s.c.id)).scalar_one()))
    return stops


def _day_run_completed(connection: Connection, day: date, at: datetime) -> None:
    """The visits' day is the business date: its daily run has completed (the pages work on it)."""
    run = table_of(DailyRun)
    if connection.execute(select(run.c.id).where(run.c.run_date == day)).first() is None:
        connection.execute(
            insert(run).values(run_date=day, status="completed", started_at=at, completed_at=at)
        )


def build_fieldwork_book(
    engine: Engine, tmp_path: Path, cipher: FieldCipher, day: date
) -> dict[str, list[int]]:
    """The book; the stop ids of pair A (two stops) and pair B (one stop)."""
    build_book(engine, tmp_path, cipher)
    at = datetime.now(ZONE)
    with engine.begin() as connection:
        for name, team in (("visitor2", "phone-a"), ("visitor3", "phone-b"), ("visitor4", "phone-b")):
            create_user(
                connection,
                username=name,
                display_name=name,
                role="visitor",
                password=PASSWORD,
                now=at,
                team_code=team,
            )
        a = table_of(CardAccount)
        accounts = connection.execute(select(a.c.id, a.c.customer_id).order_by(a.c.id).limit(3)).all()
        pair_a = _pair(connection, "pair-a", "visitor1", "visitor2", "phone-a")
        pair_b = _pair(connection, "pair-b", "visitor3", "visitor4", "phone-b")
        _day_run_completed(connection, day, at)
        return {
            "a": _route(connection, pair_a, day, list(accounts[:2]), at),
            "b": _route(connection, pair_b, day, list(accounts[2:]), at),
        }
