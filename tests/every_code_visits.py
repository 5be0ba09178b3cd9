"""The every-code book's field work (see tests/every_code_book.py): a visitors' route on the business
date with a stop in each status, both kinds of safety alert, and follow-up tasks in each status.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select, update

from arrears.models import (
    AppUser,
    ContactPoint,
    FollowUpTask,
    SafetyAlert,
    Team,
    VisitPair,
    VisitRoute,
    VisitStop,
    table_of,
)
from arrears.users.service import create_user
from web_book import PASSWORD, RUN


def add_visits(connection: Connection, accounts: list[Any], users: dict[str, int], at: datetime) -> list[int]:
    """visitor1 and visitor2 (team phone-a) on a route of the business date: a stop in each status, both
    kinds of alert, follow-up tasks in each status."""
    t, p = table_of(Team), table_of(VisitPair)
    team = connection.execute(select(t.c.id).where(t.c.code == "phone-a")).scalar_one()
    create_user(
        connection,
        username="visitor2",
        display_name="孙涛",
        role="visitor",
        password=PASSWORD,
        now=at,
        team_code="phone-a",
    )
    visitor2 = connection.execute(
        select(table_of(AppUser).c.id).where(table_of(AppUser).c.username == "visitor2")
    ).scalar_one()
    connection.execute(
        update(table_of(AppUser)).where(table_of(AppUser).c.username == "visitor1").values(team_id=team)
    )
    pair = connection.execute(
        insert(p)
        .values(
            code="pair-a",
            first_user_id=users["visitor1"],
            second_user_id=visitor2,
            team_id=team,
            is_active=True,
        )
        .returning(p.c.id)
    ).scalar_one()
    start = datetime(RUN.year, RUN.month, RUN.day, 1, 0, tzinfo=at.tzinfo)
    r, s = table_of(VisitRoute), table_of(VisitStop)
    route = connection.execute(
        insert(r)
        .values(
            plan_date=RUN,
            pair_id=pair,
            status="started",
            planned_start_at=start,
            planned_end_at=start + timedelta(hours=8),
            created_at=at,
        )
        .returning(r.c.id)
    ).scalar_one()
    stops = []
    for number, (account, status) in enumerate(
        zip(accounts, ("done", "checked_in", "skipped", "planned"), strict=True), start=1
    ):
        address = connection.execute(
            select(table_of(ContactPoint).c.id).where(
                table_of(ContactPoint).c.customer_id == account.customer_id,
                table_of(ContactPoint).c.kind == "home_address",
            )
        ).scalar()
        values = {
            "route_id": route,
            "sequence": number,
            "account_id": account.id,
            "customer_id": account.customer_id,
            "contact_point_id": address,
            "lat": 23.13 + number / 100,
            "lon": 113.32,
            "value_fen": 50_000_00,
            "planned_arrival_at": start + timedelta(hours=number),
            "service_minutes": 30,
            "status": status,
            "checked_in_at": at if status in ("done", "checked_in") else None,
            "checked_out_at": at if status == "done" else None,
            "outcome": "promise" if status == "done" else None,
        }
        stops.append(int(connection.execute(insert(s).values(values).returning(s.c.id)).scalar_one()))
    connection.execute(
        insert(table_of(SafetyAlert)),
        [
            {
                "kind": kind,
                "route_id": route,
                "stop_id": stops[1],
                "raised_by_id": users["visitor1"],
                "raised_at": at,
                "lat": 23.14,
                "lon": 113.32,
            }
            for kind in ("missed_checkout", "panic")
        ],
    )
    connection.execute(
        insert(table_of(FollowUpTask)),
        [
            {
                "account_id": accounts[0].id,
                "kind": kind,
                "due_date": RUN + timedelta(days=3),
                "source_stop_id": stops[0],
                "assigned_to_id": users["collector1"],
                "status": status,
                "created_at": at,
            }
            for kind, status in (("call", "open"), ("visit", "done"), ("call", "cancelled"))
        ],
    )
    return stops
