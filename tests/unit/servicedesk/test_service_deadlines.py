"""Service-desk deadline settings (bundled defaults, a bank's overrides, the resolution order) and the
due instants they give across weekends, Chinese public holidays, worked weekend days and years."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from arrears.kit.errors import ArrearsError, ConfigurationError
from arrears.servicedesk.calendar import CalendarRangeError, load_calendar, official_calendar
from arrears.servicedesk.deadlines import (
    SHANGHAI,
    DeadlineConfigError,
    DeadlineError,
    Due,
    Period,
    due_dates,
    load_deadlines,
    parse_period,
)

CAL = official_calendar()
SETTINGS = load_deadlines()


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def due(
    received: datetime, kind: str = "complaint", category: str = "privacy", regulator: bool = False
) -> Due:
    return due_dates(received, kind, category, regulator, SETTINGS, CAL, SHANGHAI)


@pytest.mark.parametrize(
    ("spec", "period"),
    [
        ("1 working day", Period(1, True)),
        ("10 working days", Period(10, True)),
        ("15 days", Period(15, False)),
        ("1 day", Period(1, False)),
        ("  2  days ", Period(2, False)),
        ("0 working days", Period(0, True)),
    ],
)
def test_parse_period(spec: str, period: Period) -> None:
    assert parse_period(spec) == period


@pytest.mark.parametrize(
    "spec", ["", "days", "2 weeks", "-1 days", "1.5 days", "working days 3", "400 days", "15"]
)
def test_parse_period_refuses(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_period(spec)


def test_period_reads_back() -> None:
    assert str(Period(1, True)) == "1 working day" and str(Period(15, False)) == "15 days"


def test_bundled_defaults() -> None:
    periods = {
        (kind, category, regulator): (
            SETTINGS.period("acknowledge", kind=kind, category=category, regulator=regulator),
            SETTINGS.period("resolve", kind=kind, category=category, regulator=regulator),
        )
        for kind, category, regulator in [
            ("complaint", "privacy", False),
            ("hardship", "illness", False),
            ("dispute", "already_paid", False),
            ("dispute", "fraud", False),
            ("hardship", "illness", True),
            ("dispute", "already_paid", True),
        ]
    }
    assert {key: (str(a), str(r)) for key, (a, r) in periods.items()} == {
        ("complaint", "privacy", False): ("1 working day", "15 days"),  # default
        ("hardship", "illness", False): ("1 working day", "10 working days"),  # kind
        ("dispute", "already_paid", False): ("1 working day", "5 working days"),  # category
        ("dispute", "fraud", False): ("1 working day", "15 days"),  # empty category table
        ("hardship", "illness", True): ("1 working day", "10 days"),  # regulator over kind
        ("dispute", "already_paid", True): ("1 working day", "10 days"),  # regulator over category
    }


def test_a_bank_override_replaces_single_keys(tmp_path: Path) -> None:
    path = tmp_path / "bank-deadlines.toml"
    path.write_text(
        '[default]\nresolve = "20 days"\n'
        '[category.hardship.illness]\nacknowledge = "0 working days"\n'
        '[category.hardship.income_loss]\nresolve = "3 working days"\n'
        '[regulator]\nresolve = "5 working days"\n',
        "utf-8",
    )
    bank = load_deadlines(path)
    periods = {
        (key, kind, category, regulator): bank.period(key, kind=kind, category=category, regulator=regulator)
        for key in ("acknowledge", "resolve")
        for kind, category in (
            ("complaint", "privacy"),
            ("hardship", "illness"),
            ("hardship", "income_loss"),
            ("dispute", "already_paid"),
        )
        for regulator in (False, True)
    }
    assert periods["resolve", "complaint", "privacy", False] == Period(20, False)
    assert periods["acknowledge", "complaint", "privacy", False] == Period(1, True)
    assert periods["acknowledge", "hardship", "illness", False] == Period(0, True)
    assert periods["resolve", "hardship", "illness", False] == Period(10, True)  # kind
    assert periods["resolve", "hardship", "income_loss", False] == Period(3, True)  # category over kind
    assert periods["acknowledge", "hardship", "income_loss", False] == Period(1, True)  # default
    assert periods["acknowledge", "hardship", "illness", True] == Period(1, True)
    assert periods["resolve", "hardship", "illness", True] == Period(5, True)
    assert periods["resolve", "dispute", "already_paid", False] == Period(5, True)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[default]\nresolve = "15 weeks"\n', "default.resolve"),
        ("[default]\nresolve = 15\n", "default.resolve"),
        ('[default]\nrespond = "1 day"\n', "default.respond"),
        ('[kind.inquiry]\nresolve = "1 day"\n', "kind.inquiry"),
        ('[kind.hardship]\nresolve = "ten working days"\n', "kind.hardship.resolve"),
        ('[category.dispute.stolen]\nresolve = "1 day"\n', "category.dispute.stolen"),
        ('[category.complaint.fraud]\nresolve = "1 day"\n', "category.complaint.fraud"),
        ('[category.dispute]\nfraud = "1 day"\n', "category.dispute.fraud"),
        ('[escalation]\nmanager = "2 working days"\n', "escalation"),
        ('default = "1 day"\n', "default"),
    ],
)
def test_a_bad_override_names_the_file_and_the_key(tmp_path: Path, text: str, key: str) -> None:
    path = tmp_path / "bank-deadlines.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(DeadlineConfigError) as caught:
        load_deadlines(path)
    assert isinstance(caught.value, ConfigurationError)
    assert f"{path}: {key}:" in caught.value.message_en and str(path) in caught.value.message_zh


def test_an_unreadable_override_is_named(tmp_path: Path) -> None:
    with pytest.raises(DeadlineConfigError, match=r"nowhere\.toml"):
        load_deadlines(tmp_path / "nowhere.toml")
    (tmp_path / "broken.toml").write_text("[default\n", "utf-8")
    with pytest.raises(DeadlineConfigError, match=r"broken\.toml: not valid TOML"):
        load_deadlines(tmp_path / "broken.toml")


def test_acknowledge_friday_evening_is_due_at_the_end_of_monday() -> None:
    found = due(at(2026, 12, 4, 17, 0))
    assert found.acknowledge_by == at(2026, 12, 8, 0, 0)
    assert found.resolve_by == at(2026, 12, 22, 0, 0)  # 19 Dec is a Saturday: end of Monday 21 Dec
    assert found.provisional is False


def test_the_receipt_date_is_the_local_date() -> None:
    # 16:30 UTC on Friday 13 Feb is 00:30 on Saturday 14 Feb (a worked Saturday) in Shanghai
    found = due(datetime(2026, 2, 13, 16, 30, tzinfo=UTC))
    assert found.acknowledge_by == at(2026, 2, 25, 0, 0)  # the working day after 14 Feb is 24 Feb
    assert found.acknowledge_by == datetime(2026, 2, 24, 16, 0, tzinfo=UTC)


def test_received_just_before_national_day_2026() -> None:
    found = due(at(2026, 9, 30, 10, 0))
    assert found.acknowledge_by == at(2026, 10, 9, 0, 0)  # 1-7 Oct off: Thursday 8 Oct
    assert found.resolve_by == at(2026, 10, 16, 0, 0)  # 15 Oct is a working Thursday
    hardship = due(at(2026, 9, 30, 10, 0), "hardship", "income_loss")
    assert hardship.resolve_by == at(2026, 10, 21, 0, 0)  # 10 working days, Saturday 10 Oct among them


def test_a_period_ending_in_national_day_rolls_to_the_day_after_it() -> None:
    assert due(at(2026, 9, 22, 9, 0)).resolve_by == at(2026, 10, 9, 0, 0)  # 7 Oct -> 8 Oct
    referral = due(at(2026, 9, 22, 9, 0), "dispute", "fraud", regulator=True)
    assert referral.resolve_by == at(2026, 10, 9, 0, 0)  # 10 days: 2 Oct -> 8 Oct


def test_received_before_spring_festival_2026() -> None:
    found = due(at(2026, 2, 13, 9, 0))
    assert found.acknowledge_by == at(2026, 2, 15, 0, 0)  # Saturday 14 Feb is worked
    assert found.resolve_by == at(2026, 3, 1, 0, 0)  # 28 Feb is a worked Saturday: no rolling
    assert due(at(2026, 2, 5, 9, 0)).resolve_by == at(2026, 2, 25, 0, 0)  # 20 Feb off -> 24 Feb


def test_a_date_in_2027_is_provisional_until_the_notice_is_loaded(tmp_path: Path) -> None:
    found = due(at(2026, 12, 17, 9, 0))
    # 1 Jan 2027 (Friday) off; without the notice Saturday 2 Jan counts as a working day (never late)
    assert found.resolve_by == at(2027, 1, 3, 0, 0)
    assert found.provisional is True
    assert due(at(2026, 12, 1, 9, 0)).provisional is False
    path = tmp_path / "holidays.toml"
    path.write_text('[2027]\nholidays = ["2027-01-01", "2027-01-04"]\n', "utf-8")
    noticed = due_dates(at(2026, 12, 17, 9, 0), "complaint", "privacy", False, SETTINGS, load_calendar(path))
    assert noticed.resolve_by == at(2027, 1, 6, 0, 0) and noticed.provisional is False


def test_bad_cases_are_refused() -> None:
    with pytest.raises(DeadlineError, match="aware"):
        due(datetime(2026, 12, 4, 17, 0))
    with pytest.raises(DeadlineError, match="complaint/fraud"):
        due(at(2026, 12, 4, 17, 0), "complaint", "fraud")
    with pytest.raises(DeadlineError):
        due(at(2026, 12, 4, 17, 0), "inquiry", "other")


def test_the_ends_of_the_calendar() -> None:
    early = due(datetime(1, 1, 1, 0, 0, tzinfo=UTC))  # 08:00 on 0001-01-01 (New Year) in Shanghai
    assert early.acknowledge_by == at(1, 1, 3, 0, 0) and early.provisional is True
    for received in (
        at(9999, 12, 30, 12, 0),
        datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
        datetime.max.replace(tzinfo=UTC),
    ):
        with pytest.raises(CalendarRangeError) as caught:
            due(received)
        assert isinstance(caught.value, ArrearsError)
