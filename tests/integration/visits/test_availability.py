"""Cardholders' availability windows in the day's plan (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from planning_book import ZONE, build_visit_book
from sqlalchemy import Engine, select, update

from arrears.compliance.policy import load_policy
from arrears.kit.clock import now
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, VisitAppointment, VisitorProfile, table_of
from arrears.visits.matrix import HaversineMatrix
from arrears.visits.plan_result import VisitDay
from arrears.visits.planning import plan_visits
from arrears.visits.setup import SetupError, add_availability, parse_clock
from web_book import RUN


@pytest.fixture
def book(engine: Engine, tmp_path: Path, cipher: FieldCipher) -> Engine:
    """The visit book with pairs working until 21:00, and two accounts (not the appointment's)."""
    build_visit_book(engine, tmp_path, cipher)
    with engine.begin() as connection:
        connection.execute(
            update(table_of(VisitorProfile)).values(shift_start_minute=480, shift_end_minute=1260)
        )
    return engine


def _accounts(engine: Engine) -> list[str]:
    account, appointment = table_of(CardAccount), table_of(VisitAppointment)
    with engine.connect() as connection:
        booked = set(connection.execute(select(appointment.c.account_id)).scalars())
        rows = connection.execute(select(account.c.id, account.c.account_no).order_by(account.c.id)).all()
    return [number for id_, number in rows if id_ not in booked]


def _plan(engine: Engine) -> VisitDay:
    with engine.begin() as connection:
        return plan_visits(connection, plan_date=RUN, policy=load_policy("cn"), zone=str(ZONE),
                           travel_times=HaversineMatrix(), seconds=20, seed=3, iterations=300,
                           now=now())  # fmt: skip


def test_a_cardholder_at_home_only_in_the_evening_is_visited_then(book: Engine) -> None:
    evening, night = _accounts(book)[:2]
    with book.begin() as connection:
        add_availability(connection, account_no=evening, start_minute=parse_clock("18:00", "from"),
                         end_minute=parse_clock("20:00", "to"), weekday=RUN.weekday(), now=now())  # fmt: skip
        add_availability(connection, account_no=night, start_minute=22 * 60, end_minute=23 * 60, now=now())
        # a window on another weekday does not count
        add_availability(connection, account_no=night, start_minute=600, end_minute=720,
                         weekday=(RUN.weekday() + 1) % 7, now=now())  # fmt: skip

    result = _plan(book)

    stop = next(s for route in result.routes for s in route.stops if s.account_no == evening)
    start = stop.start_at.astimezone(ZONE)
    assert 18 * 60 <= start.hour * 60 + start.minute <= 20 * 60 - 30  # the visit ends by 20:00
    assert stop.arrival_at <= stop.start_at
    assert night not in {s.account_no for route in result.routes for s in route.stops}
    assert [d.reason for d in result.dropped if d.account_no == night] == ["outside_every_window"]


def test_an_availability_window_must_be_a_window_of_a_known_account(book: Engine) -> None:
    account_no = _accounts(book)[0]
    with book.begin() as connection:
        with pytest.raises(SetupError) as bad_time:
            parse_clock("25:00", "from")
        with pytest.raises(SetupError) as empty:
            add_availability(connection, account_no=account_no, start_minute=600, end_minute=600, now=now())
        with pytest.raises(SetupError) as unknown:
            add_availability(connection, account_no="nope", start_minute=600, end_minute=660, now=now())
    assert (bad_time.value.field, empty.value.field, unknown.value.field) == ("from", "to", "account_no")
