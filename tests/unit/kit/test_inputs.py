from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from arrears.kit.inputs import (
    ID_PATTERN,
    MAX_ID,
    Day,
    InvalidField,
    Moment,
    RecordId,
    digits_at_most,
    nul_field,
    parse_day,
    parse_id,
    parse_moment,
)


class TestIds:
    @given(st.integers(min_value=1, max_value=10**6), st.integers(min_value=-(10**7), max_value=10**7))
    def test_the_pattern_matches_exactly_one_to_the_limit(self, limit: int, number: int) -> None:
        assert bool(re.fullmatch(digits_at_most(limit), str(number))) == (1 <= number <= limit)

    @given(st.integers(min_value=0, max_value=10**20))
    def test_the_id_pattern_stops_at_the_largest_bigint(self, number: int) -> None:
        assert bool(re.fullmatch(ID_PATTERN, str(number))) == (1 <= number <= MAX_ID)

    @pytest.mark.parametrize("text", ["0", "01", "-1", "1.0", "abc", "", str(MAX_ID + 1), "\u0661"])
    def test_the_pattern_and_the_parser_refuse(self, text: str) -> None:
        assert re.fullmatch(ID_PATTERN, text) is None
        with pytest.raises(InvalidField, match="account_id"):
            parse_id(text, field="account_id")

    def test_the_parser_reads_an_id(self) -> None:
        assert parse_id(f" {MAX_ID} ", field="account_id") == MAX_ID

    def test_an_id_in_a_body_is_bounded(self) -> None:
        class Body(BaseModel):
            contact_point_id: RecordId

        with pytest.raises(ValidationError, match="contact_point_id"):
            Body(contact_point_id=MAX_ID + 1)


class TestDates:
    class Body(BaseModel):
        day: Day
        at: Moment

    @pytest.mark.parametrize(
        ("day", "at"),
        [("0001-01-02", "2026-01-01T10:00:00+08:00"), ("2026-01-01", "9999-12-31T23:00:00-08:00")],
    )
    def test_dates_outside_the_range_are_refused(self, day: str, at: str) -> None:
        with pytest.raises(ValidationError, match="must be between 1900-01-01 and 2999-12-31"):
            self.Body.model_validate({"day": day, "at": at})

    def test_the_edges_are_accepted(self) -> None:
        body = self.Body.model_validate({"day": "1900-01-01", "at": "2999-12-31T23:59:59-12:00"})
        assert body.day == date(1900, 1, 1)

    @pytest.mark.parametrize("text", ["0001-01-02", "9999-12-31", "2026-02-30", "tomorrow"])
    def test_a_forms_date_is_refused_naming_the_field(self, text: str) -> None:
        with pytest.raises(InvalidField, match="first_due_date") as refused:
            parse_day(text, field="first_due_date")
        assert refused.value.field == "first_due_date" and refused.value.message_zh.startswith(
            "first_due_date："
        )

    def test_a_forms_time(self) -> None:
        assert parse_moment("2026-11-24T10:30", field="due_at") == datetime(2026, 11, 24, 10, 30)
        with pytest.raises(InvalidField, match="due_at"):
            parse_moment("9999-12-31T23:59", field="due_at")


def test_the_field_holding_a_nul_is_named() -> None:
    assert nul_field([("reason", "fine"), ("notes", "a\x00b")]) == "notes"
    assert nul_field([("a\x00", "x")]) == "a\x00"
    assert nul_field([("reason", "fine")]) is None
