"""The check's aggregated path, pure: deciding on the three days SQL aggregates (the first collection
that counts, the earliest at least 30 days after it, the last payment) gives the verdict the rulebook's
entry point gives on every collection (``select``); and the zone's offsets the SQL dates instants with
are those of ``zoneinfo``."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.compliance.entry_points import MIN_DAYS_BETWEEN_COLLECTIONS, referral_eligible_from
from arrears.legal.overdraft_repository import zone_offsets
from arrears.legal.overdraft_rules import (
    Collection,
    Owed,
    Paid,
    allowed_on_pair,
    latest_second_collection,
    select,
)

AS_OF = date(2026, 5, 31)  # a month's end: three months before it are clamped (Feb 28)
days = st.integers(min_value=-220, max_value=5).map(lambda n: AS_OF + timedelta(days=n))
collections = st.lists(
    st.builds(Collection, days, st.sampled_from(["letter", "call"]), st.sampled_from(["EMS1", "#2", "#3"])),
    max_size=8,
)
payments = st.lists(st.builds(Paid, days, st.sampled_from([-50_00, 0, 1, 300_00])), max_size=4)


def aggregated(
    found: list[Collection], paid: list[Paid], as_of: date
) -> tuple[date, date, date | None] | None:
    """What the check's SQL aggregates for an account, written out in Python."""
    last = max((one.on for one in paid if one.on <= as_of and one.amount_fen > 0), default=None)
    counted = [one.on for one in found if one.on <= as_of and (last is None or one.on > last)]
    if not counted:
        return None
    first = min(counted)
    later = [day for day in counted if (day - first).days >= MIN_DAYS_BETWEEN_COLLECTIONS]
    return None if not later else (first, min(later), last)


@settings(max_examples=600, deadline=None)
@given(
    collections,
    payments,
    st.sampled_from([0, 1, 52_000_00]),
    st.sampled_from([AS_OF, date(2026, 6, 1), date(2026, 2, 28)]),
)
def test_the_aggregated_pair_decides_as_the_entry_point_on_every_collection(
    found: list[Collection], paid: list[Paid], overdue: int, as_of: date
) -> None:
    chosen = select(found, paid, owed=Owed(overdue, 0, 0), as_of=as_of)

    pair = aggregated(found, paid, as_of)

    if pair is None:
        assert not chosen.eligible and chosen.second is None
        return
    first, second, last = pair
    assert chosen.first is not None and chosen.second is not None
    assert (chosen.first.on, chosen.second.on) == (first, second)
    assert (None if chosen.last_payment is None else chosen.last_payment.on) == last
    assert allowed_on_pair(first, second, last, overdue_fen=overdue, as_of=as_of) == chosen.eligible


def test_a_pair_exactly_on_the_rule_s_edges() -> None:
    first, second = date(2026, 1, 10), date(2026, 2, 9)  # 30 days apart; eligible from 05-10

    assert allowed_on_pair(first, second, None, overdue_fen=1, as_of=date(2026, 5, 10))
    assert not allowed_on_pair(first, second, None, overdue_fen=1, as_of=date(2026, 5, 9))
    assert not allowed_on_pair(first, second, None, overdue_fen=0, as_of=date(2026, 5, 10))
    assert not allowed_on_pair(first, second, date(2026, 2, 10), overdue_fen=1, as_of=date(2026, 6, 1))
    assert allowed_on_pair(first, second, date(2026, 1, 9), overdue_fen=1, as_of=date(2026, 5, 10))


@settings(max_examples=300)
@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 1, 1)))
def test_sql_asks_for_no_pair_whose_second_collection_could_be_old_enough(as_of: date) -> None:
    latest = latest_second_collection(as_of)

    for back in range(0, 130):
        second = as_of - timedelta(days=back)
        assert (referral_eligible_from(second) <= as_of) == (second <= latest)


ZONES = ["Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "Pacific/Apia"]
UNTIL = datetime(2027, 1, 1, tzinfo=UTC)


@settings(max_examples=500, deadline=None)  # the first call per zone reads its offsets
@given(
    st.sampled_from(ZONES),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)),
)
def test_the_offsets_of_the_sql_are_those_of_zoneinfo(name: str, moment: datetime) -> None:
    zone = ZoneInfo(name)
    offsets = zone_offsets(zone, UNTIL)

    offset = next(shift for start, shift in offsets if moment >= start)

    assert offset == moment.astimezone(zone).utcoffset().total_seconds()  # type: ignore[union-attr]


def test_each_change_of_offset_is_found_to_the_second() -> None:
    zone = ZoneInfo("America/New_York")
    offsets = zone_offsets(zone, UNTIL)

    for start, shift in offsets[:-1]:
        before = start - timedelta(seconds=1)
        assert start.astimezone(zone).utcoffset().total_seconds() == shift  # type: ignore[union-attr]
        assert before.astimezone(zone).utcoffset().total_seconds() != shift  # type: ignore[union-attr]
    assert offsets[0][0] == datetime(2026, 11, 1, 6, tzinfo=UTC)  # 2 a.m. EDT: back to EST
