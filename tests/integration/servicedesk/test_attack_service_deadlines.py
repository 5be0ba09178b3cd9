"""Attacks on the desk's deadlines (SQLite and PostgreSQL where a case is stored): a case received one second
either side of midnight and of the year's end (2027 has no State Council notice: provisional), the
cardholders' zone set to Urumqi, zones whose clocks jump at midnight, the clock at the due instant, and the
promise that a provisional year's deadlines come out "early, never late" replayed on the official years."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from desk_book import DESK, accounts, app_for, cases, staff_client, user
from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.compliance import load_policy
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.servicedesk.calendar import WorkingCalendar, official_calendar
from arrears.servicedesk.categories import CATEGORIES
from arrears.servicedesk.deadlines import clock, due_dates
from arrears.servicedesk.intake import open_case
from arrears.servicedesk.rules import Intake
from arrears.servicedesk.setup import DeskSetup

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(text: str, zone: ZoneInfo = SHANGHAI) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


def test_a_case_received_at_the_last_second_of_2026_has_provisional_2027_deadlines(
    book: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    account, _ = accounts(book)[0]
    staff = user(book, "customer_service1")
    at = local("2026-12-31T23:59:59.999999")
    with audit_transaction(book) as connection:
        case = open_case(
            connection,
            account_id=account,
            intake=Intake("dispute", "amount", "call", "wrong"),
            actor="test",
            user_id=staff.id,
            setup=DESK,
            cipher=cipher,
            now=at,
        )
    # Thursday 31 December: 1 January is a holiday; provisional 2027 counts Saturday 2 January as a
    # working day (its days worked in lieu are unknown: never later than the notice); 15 days is Friday 15
    assert case.acknowledge_by == local("2027-01-03T00:00")
    assert case.resolve_by == local("2027-01-16T00:00")
    [row] = cases(book)
    assert row["provisional"] is True and row["received_at"] == at
    client, _ = staff_client(app_for(book, tmp_path), "customer_service1")
    assert "临时日历" in client.get(f"/service-desk/cases/{case.id}").text  # "provisional calendar"


@pytest.mark.parametrize(
    ("received", "acknowledge", "resolve"),
    [
        ("2026-12-03T23:59:59.999999", "2026-12-05T00:00", "2026-12-19T00:00"),  # Thursday: Friday; Fri 18
        ("2026-12-04T00:00:00", "2026-12-08T00:00", "2026-12-22T00:00"),  # Friday: Monday; Sat 19 -> Mon 21
        ("2027-01-01T00:00:00", "2027-01-03T00:00", "2027-01-17T00:00"),  # provisional: Sat 2, Sat 16
        ("2026-09-30T23:59:59", "2026-10-09T00:00", "2026-10-16T00:00"),  # the National Day week (official)
    ],
)
def test_deadlines_either_side_of_midnight(received: str, acknowledge: str, resolve: str) -> None:
    due = due_dates(local(received), "dispute", "amount", False, DESK.deadlines, DESK.calendar, SHANGHAI)
    assert (due.acknowledge_by, due.resolve_by) == (local(acknowledge), local(resolve))


def test_the_clock_turns_at_the_due_instant_not_a_second_later() -> None:
    due = local("2026-12-08T00:00")  # the end of Monday 7 December
    just_before = clock(due - timedelta(microseconds=1), due, DESK.calendar, SHANGHAI)
    at_due = clock(due, due, DESK.calendar, SHANGHAI)
    assert just_before.state == "at_risk" and just_before.working_days_left == 0
    next_day = clock(local("2026-12-08T23:59"), due, DESK.calendar, SHANGHAI)
    assert at_due.state == next_day.state == "breached"
    assert at_due.overdue_working_days == next_day.overdue_working_days == 1  # Tuesday: the first day late


def test_the_cardholders_zone_set_to_urumqi_counts_days_there(book: Engine, cipher: FieldCipher) -> None:
    setup = DeskSetup.of(Settings(timezone="Asia/Urumqi"), load_policy("cn"))
    at = datetime(2026, 12, 3, 17, 30, tzinfo=UTC)  # Thursday 23:30 in Urumqi, Friday 01:30 in Shanghai
    account, _ = accounts(book)[1]
    with audit_transaction(book) as connection:
        case = open_case(
            connection,
            account_id=account,
            intake=Intake("complaint", "privacy", "call", "x"),
            actor="test",
            user_id=None,
            setup=setup,
            cipher=cipher,
            now=at,
        )
    assert case.acknowledge_by == local("2026-12-05T00:00", ZoneInfo("Asia/Urumqi"))  # end of Friday there
    shanghai = due_dates(at, "complaint", "privacy", False, DESK.deadlines, DESK.calendar, SHANGHAI)
    assert shanghai.acknowledge_by == local("2026-12-08T00:00")  # received on Friday there: Monday


@pytest.mark.parametrize(
    ("zone", "received", "acknowledge_utc"),
    [
        ("America/New_York", "2026-03-06T12:00", datetime(2026, 3, 10, 4, tzinfo=UTC)),  # DST from 8 March
        ("America/New_York", "2026-10-30T12:00", datetime(2026, 11, 3, 5, tzinfo=UTC)),  # DST until 1 Nov
        ("Africa/Cairo", "2026-04-22T10:00", datetime(2026, 4, 23, 22, tzinfo=UTC)),  # 24 April 00:00 skipped
    ],
)
def test_zones_whose_clocks_change_near_midnight(zone: str, received: str, acknowledge_utc: datetime) -> None:
    where = ZoneInfo(zone)
    due = due_dates(
        local(received, where), "complaint", "privacy", False, DESK.deadlines, DESK.calendar, where
    )
    assert due.acknowledge_by.astimezone(UTC) == acknowledge_utc  # (a skipped midnight never compares ==)
    assert (
        clock(acknowledge_utc - timedelta(seconds=1), due.acknowledge_by, DESK.calendar, where).state
        == "at_risk"
    )
    assert clock(acknowledge_utc, due.acknowledge_by, DESK.calendar, where).state == "breached"


def provisional_for(year: int) -> WorkingCalendar:
    """The official calendar with ``year`` treated as if its notice were not published yet."""
    official = official_calendar()
    return WorkingCalendar(
        frozenset(day for day in official.holidays if day.year != year),
        frozenset(day for day in official.workdays if day.year != year),
        official.official_years - {year},
    )


@pytest.mark.parametrize("year", [2025, 2026])
def test_a_provisional_year_s_deadlines_are_never_later_than_the_notice_s(year: int) -> None:
    official, provisional = official_calendar(), provisional_for(year)
    late = []
    day = date(year, 1, 1)
    while day < date(year, 12, 1):  # periods that end inside the year
        received = datetime.combine(day, datetime.min.time(), SHANGHAI) + timedelta(hours=10)
        for kind, categories in CATEGORIES.items():
            for category in categories:
                for regulator in (False, True):
                    real = due_dates(received, kind, category, regulator, DESK.deadlines, official, SHANGHAI)
                    guess = due_dates(
                        received, kind, category, regulator, DESK.deadlines, provisional, SHANGHAI
                    )
                    if guess.acknowledge_by > real.acknowledge_by or guess.resolve_by > real.resolve_by:
                        late.append((day, kind, category, regulator))
        day += timedelta(days=1)
    assert late == [], f"{len(late)} deadlines late, first {late[:3]}"
