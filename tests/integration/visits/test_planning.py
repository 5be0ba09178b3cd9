"""Planning the day's visits from the store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from planning_book import APPOINTMENT_AT, ZONE, build_visit_book
from sqlalchemy import Engine, delete, insert, select, update

from arrears.compliance.policy import load_policy
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import (
    CardAccount,
    CaseRequest,
    CollectionAction,
    ContactPoint,
    Hold,
    VisitAppointment,
    VisitorProfile,
    VisitPair,
    VisitRoute,
    VisitStop,
    table_of,
)
from arrears.visits.matrix import HaversineMatrix
from arrears.visits.plan_result import VisitDay
from arrears.visits.planning import legal_hours, plan_visits, request_value
from arrears.visits.repository import VisitRepository
from arrears.visits.routing import PlanningError
from arrears.visits.setup import SetupError, add_pair, parse_shift
from web_book import RUN

_ROUTE, _STOP = table_of(VisitRoute), table_of(VisitStop)


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    return build_visit_book(engine, tmp_path, cipher)


def _plan(engine: Engine, day: date = RUN, **options: Any) -> VisitDay:
    with engine.begin() as connection:
        return plan_visits(connection, plan_date=day, policy=load_policy("cn"), zone=str(ZONE),
                           travel_times=HaversineMatrix(), seconds=20, seed=3, iterations=300, now=now(),
                           **options)  # fmt: skip


def _stored(engine: Engine) -> list[tuple[Any, ...]]:
    query = (
        select(_ROUTE.c.pair_id, _STOP.c.sequence, _STOP.c.account_id, _STOP.c.planned_arrival_at)
        .join(_ROUTE, _ROUTE.c.id == _STOP.c.route_id)
        .order_by(_ROUTE.c.pair_id, _STOP.c.sequence)
    )
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(query)]


def test_the_plan_writes_routes_and_keeps_the_appointment(book: Engine) -> None:
    result = _plan(book)

    assert result.run_date == RUN and result.routes
    assert {route.pair_code for route in result.routes} <= {"pair-a", "pair-b"}
    stops = [stop for route in result.routes for stop in route.stops]
    planned = {stop.account_no for stop in stops} | {d.account_no for d in result.dropped}
    assert len(planned) == 12  # every candidate is planned or explained
    with book.connect() as connection:
        appointment = connection.execute(select(table_of(VisitAppointment))).mappings().one()
        kept = (
            connection.execute(select(_STOP).where(_STOP.c.appointment_id == appointment["id"]))
            .mappings()
            .one()
        )
        assert connection.execute(select(_ROUTE)).mappings().all().__len__() == len(result.routes)
    start = next(stop.start_at for stop in stops if stop.appointment)
    assert APPOINTMENT_AT <= start.astimezone(ZONE) <= APPOINTMENT_AT.replace(minute=30)
    assert kept["planned_arrival_at"] <= start
    first, last = legal_hours(load_policy("cn"))
    for stop in stops:
        local = stop.start_at.astimezone(ZONE)
        assert first <= local.hour * 60 + local.minute and local.hour * 60 + local.minute + 30 <= last
    assert all("*" in stop.address_masked for stop in stops)  # masked, never the clear address


def test_planning_again_gives_the_same_routes_and_does_not_add_any(book: Engine) -> None:
    first = _plan(book)
    before = _stored(book)

    second = _plan(book)

    assert _stored(book) == before
    assert [(r.pair_code, [s.account_no for s in r.stops]) for r in first.routes] == [
        (r.pair_code, [s.account_no for s in r.stops]) for r in second.routes
    ]


def test_a_started_route_is_kept_and_its_accounts_are_not_planned_again(book: Engine) -> None:
    _plan(book)
    with book.begin() as connection:
        route_id, pair_id = connection.execute(select(_ROUTE.c.id, _ROUTE.c.pair_id).limit(1)).one()
        connection.execute(update(_ROUTE).where(_ROUTE.c.id == route_id).values(status="started"))
        mine = set(
            connection.execute(select(_STOP.c.account_id).where(_STOP.c.route_id == route_id)).scalars()
        )

    result = _plan(book)

    assert result.kept_routes == 1
    with book.connect() as connection:
        assert (
            connection.execute(select(_ROUTE.c.status).where(_ROUTE.c.id == route_id)).scalar_one()
            == "started"
        )
        others = select(_STOP.c.account_id).where(_STOP.c.route_id != route_id)
        assert not mine & set(connection.execute(others).scalars())
        assert pair_id not in {
            row
            for row in connection.execute(select(_ROUTE.c.pair_id).where(_ROUTE.c.id != route_id)).scalars()
        }


def test_candidates_outside_every_territory_are_dropped_with_the_reason(book: Engine) -> None:
    with book.begin() as connection:
        districts = sorted(
            d for d in connection.execute(select(table_of(ContactPoint).c.district).distinct()).scalars() if d
        )
        connection.execute(update(table_of(VisitorProfile)).values(territory=districts[0]))

    result = _plan(book)

    outside = [d for d in result.dropped if d.reason == "outside_territory"]
    assert outside and outside[0].reason_en == "outside every pair's territory"
    assert all(stop.district == districts[0] for route in result.routes for stop in route.stops)


def test_a_pair_of_one_member_is_refused(book: Engine) -> None:
    with book.begin() as connection, pytest.raises(SetupError) as refused:
        add_pair(connection, code="solo", first="visitor1", second="visitor1")
    assert refused.value.field == "user2" and "CN-VISIT" in refused.value.message_en
    with book.begin() as connection:
        pairs = table_of(VisitPair)
        visitor = connection.execute(
            select(pairs.c.first_user_id).where(pairs.c.code == "pair-a")
        ).scalar_one()
        connection.execute(update(pairs).values(is_active=False))
        connection.execute(insert(pairs).values(code="solo", first_user_id=visitor, second_user_id=visitor,
                                                is_active=True))  # fmt: skip

    with pytest.raises(PlanningError, match="CN-VISIT"):
        _plan(book)


def test_a_day_without_a_completed_run_is_refused(book: Engine) -> None:
    with pytest.raises(PlanningError, match="no completed daily run"):
        _plan(book, date(2005, 9, 30))


def test_a_request_is_valued_from_the_overdue_amount_and_the_score() -> None:
    assert request_value(overdue_fen=100_000, p_default=0.25) == 15_000
    assert request_value(overdue_fen=100_000, p_default=None) == 10_000


def test_a_shift_names_its_field_when_it_is_wrong() -> None:
    assert parse_shift("08:30-18:00") == (510, 1080)
    for bad in ("8-18", "18:00-08:30", "08:61-09:00"):
        with pytest.raises(SetupError) as refused:
            parse_shift(bad)
        assert refused.value.field == "shift"


def test_the_legal_hours_exclude_the_end_minute_under_cn() -> None:
    assert legal_hours(load_policy("cn")) == (8 * 60, 22 * 60 - 1)
    assert isinstance(datetime(2005, 10, 1), datetime)


def _request_visit(connection: Any, account_id: int, customer_id: int, *, hold: str | None = None) -> None:
    at, whose = now(), {"account_id": account_id, "customer_id": customer_id}
    request = {"kind": "visit", "reason": "asked by the collector", "status": "open", "requested_at": at}
    connection.execute(insert(table_of(CaseRequest)).values(**whose, **request))
    if hold is not None:
        connection.execute(
            insert(table_of(Hold)).values(**whose, kind=hold, reason="under review", placed_at=at)
        )


def test_held_accounts_are_left_out_with_the_hold_and_requests_are_marked(book: Engine) -> None:
    a = table_of(CardAccount)
    with book.begin() as connection:
        (held, held_customer, held_no), (asked, asked_customer, asked_no) = connection.execute(
            select(a.c.id, a.c.customer_id, a.c.account_no).order_by(a.c.id).offset(5).limit(2)
        ).all()
        connection.execute(
            delete(table_of(CollectionAction)).where(table_of(CollectionAction).c.account_id == held)
        )
        _request_visit(connection, held, held_customer, hold="complaint")
        _request_visit(connection, asked, asked_customer)

    result = _plan(book)

    left_out = {d.account_no: d for d in result.dropped}
    assert left_out[held_no].reason == "on_hold" and left_out[held_no].requested
    assert left_out[held_no].reason_en == "on hold: complaint" and "投诉" in left_out[held_no].reason_zh
    assert held_no not in {stop.account_no for route in result.routes for stop in route.stops}
    requested = {s.account_no: s.requested for r in result.routes for s in r.stops} | {
        d.account_no: d.requested for d in result.dropped
    }
    assert requested[asked_no] is True and sum(requested.values()) == 2  # the two requests, no other
    with book.connect() as connection:
        stored = {stop["account_no"]: stop["requested"] for route in VisitRepository(connection).day_routes(
            plan_date=RUN) for stop in route["stops"]}  # fmt: skip
    assert stored.get(asked_no, True) is True and not any(v for k, v in stored.items() if k != asked_no)
