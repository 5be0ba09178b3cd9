"""The deadline clock (on time, at risk, breached, in working days) and the escalation levels."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from arrears.servicedesk.calendar import official_calendar
from arrears.servicedesk.deadlines import SHANGHAI, Clock, DeadlineError, clock, escalation_level

CAL = official_calendar()
# A complaint received on Friday 2026-12-04 at 17:00: acknowledge by the end of Monday 7 Dec,
# resolve by the end of Monday 21 Dec (15 days, 19 Dec is a Saturday).
ACK_BY = datetime(2026, 12, 8, tzinfo=SHANGHAI)
RESOLVE_BY = datetime(2026, 12, 22, tzinfo=SHANGHAI)


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 12, 3, 10, 0), Clock("on_time", 2, 0)),  # Friday and Monday left
        (at(2026, 12, 4, 10, 0), Clock("at_risk", 1, 0)),  # Monday is the next working day
        (at(2026, 12, 5, 10, 0), Clock("at_risk", 1, 0)),  # Saturday
        (at(2026, 12, 7, 23, 59), Clock("at_risk", 0, 0)),  # the due day itself
        (at(2026, 12, 8, 0, 0), Clock("breached", 0, 1)),  # 24:00 on the due day
        (at(2026, 12, 9, 9, 0), Clock("breached", 0, 2)),
        (at(2026, 12, 12, 9, 0), Clock("breached", 0, 4)),  # Saturday: Tuesday to Friday
    ],
)
def test_clock_around_a_weekend(now: datetime, expected: Clock) -> None:
    assert clock(now, ACK_BY, CAL, SHANGHAI) == expected


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(2026, 9, 28, 10, 0), Clock("on_time", 2, 0)),  # 29 Sep, 30 Sep
        (at(2026, 9, 29, 10, 0), Clock("at_risk", 1, 0)),
        (at(2026, 10, 1, 0, 0), Clock("breached", 0, 0)),  # National Day: no working day late yet
        (at(2026, 10, 7, 18, 0), Clock("breached", 0, 0)),
        (at(2026, 10, 8, 9, 0), Clock("breached", 0, 1)),
        (at(2026, 10, 10, 9, 0), Clock("breached", 0, 3)),  # the worked Saturday counts
    ],
)
def test_clock_over_national_day(now: datetime, expected: Clock) -> None:
    due_by = datetime(2026, 10, 1, tzinfo=SHANGHAI)  # the end of Wednesday 30 Sep
    assert clock(now, due_by, CAL, SHANGHAI) == expected


def test_clock_before_a_long_holiday_is_at_risk_on_the_last_working_day() -> None:
    due_by = datetime(2026, 10, 9, tzinfo=SHANGHAI)  # the end of Thursday 8 Oct
    assert clock(at(2026, 9, 29, 12, 0), due_by, CAL).state == "on_time"
    assert clock(at(2026, 9, 30, 12, 0), due_by, CAL) == Clock("at_risk", 1, 0)


def test_clock_reads_instants_in_the_zone() -> None:
    assert clock(datetime(2026, 12, 7, 15, 59, tzinfo=UTC), ACK_BY, CAL).state == "at_risk"
    assert clock(datetime(2026, 12, 7, 16, 0, tzinfo=UTC), ACK_BY, CAL).state == "breached"
    with pytest.raises(DeadlineError, match="aware"):
        clock(datetime(2026, 12, 7, 12, 0), ACK_BY, CAL)


def level(now: datetime, *, acknowledged_at: datetime | None = None, resolved: bool = False,
          regulator: bool = False, resolve_by: datetime = RESOLVE_BY) -> int:  # fmt: skip
    return escalation_level(
        now=now,
        acknowledged_at=acknowledged_at,
        acknowledge_by=ACK_BY,
        resolve_by=resolve_by,
        resolved=resolved,
        regulator=regulator,
        calendar=CAL,
        zone=SHANGHAI,
    )


ON_TIME_ACK = at(2026, 12, 7, 11, 0)


def test_level_0_while_every_deadline_holds() -> None:
    assert level(at(2026, 12, 7, 23, 59)) == 0
    assert level(at(2026, 12, 21, 23, 59), acknowledged_at=ON_TIME_ACK) == 0


def test_level_1_when_the_acknowledgement_is_missed() -> None:
    assert level(at(2026, 12, 8, 0, 0)) == 1
    assert level(at(2026, 12, 10, 9, 0), acknowledged_at=at(2026, 12, 8, 9, 0)) == 1  # late counts as missed
    assert level(at(2026, 12, 10, 9, 0), acknowledged_at=ON_TIME_ACK) == 0


def test_level_1_then_2_as_the_resolution_deadline_recedes() -> None:
    assert level(at(2026, 12, 22, 0, 0), acknowledged_at=ON_TIME_ACK) == 1  # first working day late
    assert level(at(2026, 12, 22, 23, 59), acknowledged_at=ON_TIME_ACK) == 1
    assert level(at(2026, 12, 23, 0, 0), acknowledged_at=ON_TIME_ACK) == 2  # two working days late


def test_level_2_waits_for_working_days_not_calendar_days() -> None:
    resolve_by = datetime(2026, 10, 1, tzinfo=SHANGHAI)  # the end of 30 Sep, then National Day
    levels = [
        level(at(2026, 10, d, 12, 0), acknowledged_at=ON_TIME_ACK, resolve_by=resolve_by) for d in (7, 8, 9)
    ]
    assert levels == [1, 1, 2]


def test_a_regulator_referral_goes_to_the_manager_at_the_first_miss() -> None:
    assert level(at(2026, 12, 7, 12, 0), regulator=True) == 0
    assert level(at(2026, 12, 8, 0, 0), regulator=True) == 2
    assert level(at(2026, 12, 22, 0, 0), acknowledged_at=ON_TIME_ACK, regulator=True) == 2


def test_a_resolved_case_asks_for_nothing() -> None:
    assert level(at(2027, 3, 1, 12, 0), resolved=True) == 0
    assert level(at(2027, 3, 1, 12, 0), resolved=True, regulator=True) == 0


@pytest.mark.parametrize("regulator", [False, True])
@pytest.mark.parametrize("acknowledged_at", [None, ON_TIME_ACK, at(2026, 12, 9, 10, 0)])
def test_the_level_of_an_open_case_never_falls_and_a_resolved_one_never_rises(
    regulator: bool, acknowledged_at: datetime | None
) -> None:
    now, previous, seen = at(2026, 12, 4, 17, 0), 0, set()
    while now < at(2027, 1, 15, 0, 0):
        current = level(now, acknowledged_at=acknowledged_at, regulator=regulator)
        assert current >= previous
        assert level(now, acknowledged_at=acknowledged_at, regulator=regulator, resolved=True) == 0
        previous = current
        seen.add(current)
        now += timedelta(hours=3)
    assert 0 in seen and previous == 2
