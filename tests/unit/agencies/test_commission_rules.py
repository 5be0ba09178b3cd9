"""Agency commission arithmetic: schedules read and checked, attribution to the placement covering a
payment's day, the rate at placement, rounding per payment half away from zero, reversals clawing
back; money conserved to the fen over hypothesis-generated books."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from arrears.agencies.commission_frames import (
    DAYS,
    HELD,
    LINES,
    PAYMENTS,
    RATES,
    SPANS,
    amount_band_expr,
    attribute_frame,
    bands_frame,
    csv_frame,
    price_lines,
    rate_frame,
    rate_row,
    tally_of,
)
from arrears.agencies.commission_rules import (
    PaymentIn,
    Placement,
    RateBand,
    Schedule,
    ScheduleRefused,
    StatementRefused,
    Tally,
    attribute,
    check_approval,
    check_review,
    check_schedule,
    commission_fen,
    month_end,
    parse_age_band,
    parse_amount_band,
    parse_band,
    parse_month,
    parse_rate_bp,
    price,
    provisional,
    schedule_on,
)
from arrears.kit.inputs import InvalidField

DAY = date(2026, 3, 1)


class TestReadingASchedule:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("M1-M3", ("M1-M3", 1, 90)),
            ("m4-m6", ("M4-M6", 91, 180)),
            ("M7+", ("M7+", 181, None)),
            ("M2", ("M2", 31, 60)),
            ("91-180", ("91-180", 91, 180)),
            ("181+", ("181+", 181, None)),
            ("30", ("30", 30, 30)),
        ],
    )
    def test_age_bands_by_bucket_or_days(self, text: str, expected: tuple[str, int, int | None]) -> None:
        assert parse_age_band(text) == expected

    @pytest.mark.parametrize("text", ["M3-M1", "M9", "180-91", "", "M1-", "1-2-3", "M7+-M8"])
    def test_a_bad_age_band_names_its_field(self, text: str) -> None:
        with pytest.raises(InvalidField) as raised:
            parse_age_band(text)
        assert raised.value.field == "age_band"

    def test_amount_bands_in_yuan_the_max_excluded(self) -> None:
        assert parse_amount_band("0-50000") == (0, 5_000_000)
        assert parse_amount_band("50000+") == (5_000_000, None)
        assert parse_amount_band("*") == parse_amount_band("") == (0, None)
        with pytest.raises(InvalidField):
            parse_amount_band("50000")

    @pytest.mark.parametrize(("text", "bp"), [("1500", 1500), ("15%", 1500), ("12.5%", 1250), ("0", 0),
                                              ("100%", 10_000), ("10000", 10_000)])  # fmt: skip
    def test_rates_in_basis_points_or_percent(self, text: str, bp: int) -> None:
        assert parse_rate_bp(text) == bp

    @pytest.mark.parametrize("text", ["10001", "100.01%", "-1", "abc", "1e3", "150%"])
    def test_a_rate_beyond_100_percent_is_refused(self, text: str) -> None:
        with pytest.raises(InvalidField) as raised:
            parse_rate_bp(text)
        assert raised.value.field == "rate"

    def test_a_band_in_one_text(self) -> None:
        assert parse_band("M1-M3:0-50000:1500") == RateBand("M1-M3", 1, 90, 1500, 0, 5_000_000)
        assert parse_band("M7+:*:25%") == RateBand("M7+", 181, None, 2500)
        with pytest.raises(InvalidField):
            parse_band("M1-M3:1500")


class TestCheckingASchedule:
    def test_bands_that_share_no_age_or_no_amount_pass(self) -> None:
        bands = [parse_band("M1-M3:0-50000:1000"), parse_band("M1-M3:50000+:800"), parse_band("M4-M6:*:1500"),
                 parse_band("M7+:*:2500")]  # fmt: skip
        assert check_schedule(bands) == tuple(bands)

    def test_overlapping_bands_are_refused_naming_both(self) -> None:
        with pytest.raises(ScheduleRefused, match=r"bands 1 \(M1-M3.*\) and 3 \(61-120.*\) overlap"):
            check_schedule(
                [parse_band("M1-M3:*:1000"), parse_band("M7+:*:2000"), parse_band("61-120:*:1500")]
            )

    def test_bands_touching_at_an_amount_do_not_overlap(self) -> None:
        check_schedule([parse_band("M1:0-100:1000"), parse_band("M1:100-200:900")])
        with pytest.raises(ScheduleRefused):
            check_schedule([parse_band("M1:0-100.01:1000"), parse_band("M1:100-200:900")])

    @pytest.mark.parametrize(
        "band",
        [RateBand("M1", 1, 30, 10_001), RateBand("M1", 1, 30, -1), RateBand("x", 30, 1, 100),
         RateBand("M1", 1, 30, 100, 500, 500), RateBand("", 1, 30, 100)],
    )  # fmt: skip
    def test_a_bad_band_is_refused_with_its_number(self, band: RateBand) -> None:
        with pytest.raises(ScheduleRefused, match="band 2"):
            check_schedule([RateBand("M7+", 181, None, 100), band])

    def test_no_band_is_no_schedule(self) -> None:
        with pytest.raises(ScheduleRefused):
            check_schedule([])

    def test_the_schedule_in_force_on_the_placement_day(self) -> None:
        old = Schedule("A", date(2026, 1, 1), (RateBand("M1+", 1, None, 1000),))
        new = Schedule("A", date(2026, 3, 1), (RateBand("M1+", 1, None, 2000),))
        assert schedule_on([new, old], date(2026, 2, 28)) == old
        assert schedule_on([new, old], date(2026, 3, 1)) == new
        assert schedule_on([new, old], date(2025, 12, 31)) is None


class TestPricing:
    BANDS = ("M1-M3:0-50000:1000", "M1-M3:50000+:800", "M7+:*:2500")
    SCHEDULE = Schedule("A", date(2026, 1, 1), check_schedule([parse_band(one) for one in BANDS]))

    def placed(self, dpd: int | None, overdue: int | None, on: date = DAY) -> Placement:
        return Placement(1, 1, "A", on, on + timedelta(days=89), dpd, overdue)

    def test_the_band_of_the_age_and_amount_at_placement(self) -> None:
        assert price(self.placed(45, 4_999_999), [self.SCHEDULE]).rate_bp == 1000
        assert price(self.placed(45, 5_000_000), [self.SCHEDULE]).rate_bp == 800
        assert price(self.placed(400, 1), [self.SCHEDULE]).rate_bp == 2500

    def test_unrated_placements_say_why(self) -> None:
        assert price(self.placed(120, 100), [self.SCHEDULE]).unrated == "no_band"  # M4: no band
        assert price(self.placed(None, None), [self.SCHEDULE]).unrated == "no_delinquency"
        assert price(self.placed(45, 100, date(2025, 12, 1)), [self.SCHEDULE]).unrated == "no_schedule"
        assert price(self.placed(45, 100), []).rate_bp == 0


class TestRounding:
    @pytest.mark.parametrize(
        ("amount", "rate", "expected"),
        [(10_000, 1500, 1500), (1, 5000, 1), (1, 4999, 0), (3, 5000, 2), (-3, 5000, -2), (-1, 4999, 0),
         (12_345, 1250, 1543), (12_344, 1250, 1543), (12_340, 1250, 1543), (0, 10_000, 0)],
    )  # fmt: skip
    def test_half_away_from_zero_per_payment(self, amount: int, rate: int, expected: int) -> None:
        assert commission_fen(amount, rate) == expected

    @given(st.integers(-(10**12), 10**12), st.integers(0, 10_000))
    def test_within_half_a_fen_and_symmetric(self, amount: int, rate: int) -> None:
        exact = Fraction(amount * rate, 10_000)
        earned = commission_fen(amount, rate)
        assert abs(earned - exact) <= Fraction(1, 2)
        assert commission_fen(-amount, rate) == -earned


class TestMonths:
    def test_months(self) -> None:
        assert parse_month(" 2026-02 ") == date(2026, 2, 1)
        assert month_end(date(2024, 2, 1)) == date(2024, 2, 29) and month_end(date(2026, 12, 1)) == date(
            2026, 12, 31
        )
        for bad in ("2026-13", "2026-2", "26-02", "0001-01", ""):
            with pytest.raises(InvalidField):
                parse_month(bad)

    def test_a_month_is_provisional_until_its_last_day_is_the_business_date(self) -> None:
        assert provisional(date(2026, 3, 1), as_of=date(2026, 3, 30))
        assert not provisional(date(2026, 3, 1), as_of=date(2026, 3, 31))
        assert not provisional(date(2026, 3, 1), as_of=date(2026, 5, 1))


class TestReviewAndApproval:
    def test_a_draft_is_reviewed_then_approved_by_someone_else(self) -> None:
        check_review(status="draft", provisional=False)
        check_approval(status="reviewed", provisional=False, reviewed_by_id=1, approver_id=2)

    @pytest.mark.parametrize(
        ("status", "provisional_", "match"),
        [("reviewed", False, "not a draft"), ("approved", False, "not a draft"),
         ("draft", True, "provisional")],
    )  # fmt: skip
    def test_review_refusals(self, status: str, provisional_: bool, match: str) -> None:
        with pytest.raises(StatementRefused, match=match):
            check_review(status=status, provisional=provisional_)

    def test_approval_refusals(self) -> None:
        with pytest.raises(StatementRefused, match="reviewed the statement cannot approve"):
            check_approval(status="reviewed", provisional=False, reviewed_by_id=1, approver_id=1)
        with pytest.raises(StatementRefused, match="only a reviewed"):
            check_approval(status="draft", provisional=False, reviewed_by_id=None, approver_id=1)
        with pytest.raises(StatementRefused, match="provisional"):
            check_approval(status="reviewed", provisional=True, reviewed_by_id=1, approver_id=2)


# --- money conserved, over generated books ---------------------------------------------------------

AGENCIES = ("A", "B", "C")


def _schedule(agency: str, starts: date, *bands: str) -> Schedule:
    return Schedule(agency, starts, check_schedule([parse_band(one) for one in bands]))


SCHEDULES = {
    "A": [_schedule("A", date(2026, 1, 1), "M1-M3:*:1000", "M4+:*:1733")],
    "B": [
        _schedule("B", date(2026, 1, 1), "1-120:0-1000:3333", "1-120:1000+:1", "M7+:*:10000"),
        _schedule("B", date(2026, 2, 10), "1+:*:777"),
    ],
    "C": [],
}


@st.composite
def books(draw: st.DrawFn) -> tuple[list[Placement], list[PaymentIn], dict[int, date]]:
    """Accounts with back-to-back placements (never overlapping), payments and reversals of them."""
    placements: list[Placement] = []
    payments: list[PaymentIn] = []
    for account in range(1, draw(st.integers(1, 6)) + 1):
        start = DAY - timedelta(days=draw(st.integers(0, 60)))
        for _ in range(draw(st.integers(0, 3))):
            length = draw(st.integers(0, 40))
            known = draw(st.booleans())
            placements.append(
                Placement(len(placements) + 1, account, draw(st.sampled_from(AGENCIES)), start,
                          start + timedelta(days=length), draw(st.integers(1, 400)) if known else None,
                          draw(st.integers(0, 300_000)) if known else None)
            )  # fmt: skip
            start += timedelta(days=length + 1 + draw(st.integers(0, 5)))
        for _ in range(draw(st.integers(0, 8))):
            day = DAY - timedelta(days=draw(st.integers(-30, 70)))
            payments.append(PaymentIn(len(payments) + 1, account, day, draw(st.integers(1, 10**9))))
    for original in list(payments):
        if draw(st.integers(0, 3)) == 0:  # reversed, whole or in part, some days later
            amount = -draw(st.integers(1, original.amount_fen))
            later = original.paid_date + timedelta(days=draw(st.integers(0, 40)))
            payments.append(
                PaymentIn(len(payments) + 1, original.account_id, later, amount, "reversal", original.id)
            )
    if draw(st.booleans()) and payments:  # a reversal naming no payment: by its own date
        payments.append(PaymentIn(len(payments) + 1, payments[0].account_id, DAY, -1, "reversal", None))
    return placements, payments, {one.id: one.paid_date for one in payments}


@settings(max_examples=300, deadline=None)
@given(books())
def test_money_is_conserved_to_the_fen(
    book: tuple[list[Placement], list[PaymentIn], dict[int, date]],
) -> None:
    placements, payments, paid_dates = book
    found = attribute(payments, placements, paid_dates)

    assert set(found) == {one.id for one in payments}  # every payment decided once
    tallies: dict[str, Tally] = defaultdict(Tally)
    lines: dict[str, list[int]] = defaultdict(list)
    attributed = unattributed = 0
    for payment in payments:
        placement = found[payment.id]
        if placement is None:
            unattributed += payment.amount_fen
            continue
        day = paid_dates[payment.reverses_id] if payment.reverses_id else payment.paid_date
        assert placement.account_id == payment.account_id and placement.placed_on <= day <= placement.last_day
        attributed += payment.amount_fen
        priced = price(placement, SCHEDULES[placement.agency_code])
        lines[placement.agency_code].append(
            tallies[placement.agency_code].add(
                payment.amount_fen, priced, reversal=payment.source == "reversal"
            )
        )

    assert attributed + unattributed == sum(one.amount_fen for one in payments)
    assert sum(t.collected_fen for t in tallies.values()) == attributed
    for agency, tally in tallies.items():
        assert tally.commission_fen == sum(lines[agency])  # the statement is the sum of its lines
        rows = tally.breakdown()
        assert sum(row["payments"] for row in rows) == tally.payments == len(lines[agency])
        assert sum(row["collected_fen"] for row in rows) == tally.collected_fen
        assert sum(row["commission_fen"] for row in rows) == tally.commission_fen
        assert sum(row["collected_fen"] for row in rows if row["unrated"]) == tally.unrated_fen
        assert all(row["commission_fen"] == 0 for row in rows if row["unrated"])


@given(st.integers(1, 10**10), st.integers(0, 10_000))
def test_a_whole_reversal_takes_back_exactly_what_the_payment_earned(amount: int, rate: int) -> None:
    placement = Placement(1, 1, "A", DAY, DAY + timedelta(days=30), 10, 0)
    paid = PaymentIn(1, 1, DAY + timedelta(days=30), amount)
    back = PaymentIn(2, 1, DAY + timedelta(days=45), -amount, "reversal", 1)  # after the recall
    schedule = [Schedule("A", DAY, (RateBand("any", 0, None, rate),))]

    found = attribute([paid, back], [placement], {1: paid.paid_date})
    tally = Tally()
    for one in (paid, back):
        tally.add(
            one.amount_fen, price(found[one.id] or placement, schedule), reversal=one.source == "reversal"
        )

    assert found[2] == placement  # the reversal follows its payment, though dated after the period
    assert (
        tally.collected_fen == 0
        and tally.commission_fen == 0
        and tally.clawback_fen == -commission_fen(amount, rate)
    )


@settings(max_examples=150, deadline=None)
@given(books())
def test_the_month_at_once_is_the_lines_one_by_one(
    book: tuple[list[Placement], list[PaymentIn], dict[int, date]],
) -> None:
    """The statements' path (frames: ``price_lines``, ``tally_of``, ``csv_frame``) sums, rounds and
    writes exactly as the lines one by one (``Tally.add``, ``commission_fen``)."""
    placements, payments, paid_dates = book
    found = attribute(payments, placements, paid_dates)
    attributed = [(one, placement) for one in payments if (placement := found[one.id]) is not None]
    lines = pl.DataFrame(
        [(p.agency_code, one.paid_date, one.id, f"R{one.id}", one.amount_fen, one.source, p.id)
         for one, p in attributed],
        schema=LINES, orient="row",
    )  # fmt: skip
    priced_of = {p.id: price(p, SCHEDULES[p.agency_code]) for _, p in attributed}
    used = {p.id: p for _, p in attributed}.values()
    rates = pl.DataFrame([rate_row(p, "0042", priced_of[p.id]) for p in used], schema=RATES, orient="row")
    held = pl.DataFrame(
        [(p.id, p.account_id, p.agency_code, p.placed_on, p.last_day, p.dpd, p.overdue_fen, p.bucket, "0042")
         for p in used],
        schema=HELD, orient="row",
    )  # fmt: skip
    at_once = rate_frame(held, bands_frame([one for per in SCHEDULES.values() for one in per]))
    assert at_once.sort("placement_id").equals(rates.sort("placement_id"))  # price() of each at once

    priced = price_lines(lines, rates)

    for agency in AGENCIES:
        one_by_one = Tally()
        earned = []
        for one, p in sorted(attributed, key=lambda pair: (pair[0].paid_date, pair[0].id)):
            if p.agency_code == agency:
                earned.append(
                    one_by_one.add(one.amount_fen, priced_of[p.id], reversal=one.source == "reversal")
                )
        part = priced.filter(pl.col("agency_code") == agency)
        at_once = tally_of(part)
        assert at_once.breakdown() == one_by_one.breakdown()
        assert (at_once.payments, at_once.collected_fen, at_once.commission_fen, at_once.clawback_fen,
                at_once.reversals, at_once.unrated_payments, at_once.unrated_fen) == (
            one_by_one.payments, one_by_one.collected_fen, one_by_one.commission_fen, one_by_one.clawback_fen,
            one_by_one.reversals, one_by_one.unrated_payments, one_by_one.unrated_fen)  # fmt: skip
        assert part["commission_fen"].to_list() == earned
        assert csv_frame(part)["commission_yuan"].to_list() == [
            f"{'-' if fen < 0 else ''}{abs(fen) // 100}.{abs(fen) % 100:02d}" for fen in earned
        ]


@pytest.mark.parametrize("fen", [0, 1, 99, 100, 123_456, 100_000_000, 1_234_567_890, 10_000_000_000])
def test_amount_bands_read_the_same_at_once(fen: int) -> None:
    band = RateBand("M1", 1, 30, 100, fen, None)
    frame = pl.DataFrame({"min_overdue_fen": [fen, fen], "max_overdue_fen": [None, fen + 1]})
    assert frame.select(amount_band_expr()).to_series().to_list() == [
        band.amount_band(), RateBand("M1", 1, 30, 100, fen, fen + 1).amount_band()]  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(books())
def test_the_month_attributed_at_once_is_the_rule(
    book: tuple[list[Placement], list[PaymentIn], dict[int, date]],
) -> None:
    placements, payments, paid_dates = book
    frame = pl.DataFrame(
        [(one.id, f"R{one.id}", one.account_id, one.paid_date, one.amount_fen, one.source, one.reverses_id)
         for one in payments],
        schema=PAYMENTS, orient="row",
    )  # fmt: skip
    spans = pl.DataFrame(
        [(p.id, p.account_id, p.agency_code, p.placed_on, p.last_day)  # the first twice: still once
         for p in placements + placements[:1]],
        schema=SPANS, orient="row",
    )  # fmt: skip
    days = pl.DataFrame(list(paid_dates.items()), schema=DAYS, orient="row")

    lines = attribute_frame(frame, spans, days)

    expected = attribute(payments, placements, paid_dates)
    assert dict(zip(lines["payment_id"], lines["placement_id"], strict=True)) == {
        key: found.id for key, found in expected.items() if found is not None
    }
    assert lines.height == sum(1 for found in expected.values() if found is not None)
    assert lines.columns == list(LINES)
