"""The demo's visitors have a team lead: their panic and missed check-outs reach lead2 (SQLite and
PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Engine, insert, select

from arrears.models import VisitPair, VisitRoute, table_of
from arrears.users.demo import PAIR, create_demo_users
from arrears.visits import safety


def test_the_demo_pairs_alerts_reach_the_lead_of_the_field_team(engine: Engine) -> None:
    at = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    with engine.begin() as connection:
        create_demo_users(connection, password="a demo password", now=at)
        pair_id = connection.execute(
            select(table_of(VisitPair).c.id).where(table_of(VisitPair).c.code == PAIR)
        ).scalar_one()
        route = table_of(VisitRoute)
        route_id = connection.execute(
            insert(route).values(plan_date=date(2005, 10, 1), pair_id=pair_id, planned_start_at=at,
                                 planned_end_at=at, created_at=at).returning(route.c.id)
        ).scalar_one()  # fmt: skip
        told = safety.recipients(connection, route_id=route_id, supervisors=())
    assert told.kind == "team_lead" and told.names == ("lead2",)
