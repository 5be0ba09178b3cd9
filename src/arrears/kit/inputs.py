"""Bounds of what people and systems send in: ids, dates and times, text.

Anything outside them is refused with the field named before it reaches arithmetic or the database:

- an id is a whole number from 1 to 2^31-1: the schema's ids are INTEGER, 32 bits on PostgreSQL, so a
  larger one cannot exist (and would fail the query there; SQLite's stop at 2^63-1);
- a date (or the date of a time) lies from 1900-01-01 to 2999-12-31, so that adding the longest
  window or plan to it, or moving it between time zones, never overflows;
- text never holds a NUL character (PostgreSQL refuses it in text; no person types it), and free text
  (reasons, notes, comments) holds at most ``MAX_TEXT`` characters, whichever edge it comes through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, Field

from arrears.kit.errors import ArrearsError

MAX_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL int4); raise it with the columns to BIGINT
FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)
NUL = "\x00"
MAX_TEXT = 2_000  # characters of free text: a hold's reason, a note, a request's reason
_SHOWN = 24  # characters of a refused value repeated in its message


class InvalidField(ArrearsError, ValueError):
    """A field's value is refused; ``field`` names it (the form's or the JSON body's name)."""

    def __init__(self, field: str, message_en: str, message_zh: str) -> None:
        super().__init__(f"{field}: {message_en}", f"{field}：{message_zh}")
        self.field = field


def shown(text: str) -> str:
    """A refused value as repeated to the user: quoted, cut short."""
    return repr(text if len(text) <= _SHOWN else text[:_SHOWN] + "…")


def digits_at_most(limit: int) -> str:
    """A regular expression matching the decimal numbers from 1 to ``limit`` (no sign, no leading
    zero), so that a router can refuse a larger one without converting it."""
    text, options = str(limit), []
    if len(text) > 1:
        options.append(f"[1-9][0-9]{{0,{len(text) - 2}}}")  # fewer digits
    for place, digit in enumerate(text):  # the same digits up to here, then a smaller one
        low, rest = (1 if place == 0 else 0), len(text) - place - 1
        if int(digit) - 1 >= low:
            options.append(f"{text[:place]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "(?:" + "|".join([*options, text]) + ")"


ID_PATTERN = digits_at_most(MAX_ID)
_ID = re.compile(ID_PATTERN)

RecordId = Annotated[int, Field(ge=1, le=MAX_ID, description="an id (1 to 2^31-1)")]
"""An id in a query, a form or a JSON body: out of range answers 422 naming the field."""


def _day_in_range(value: date) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"must be between {FIRST_DAY} and {LAST_DAY}")
    return value


def _moment_in_range(value: datetime) -> datetime:
    _day_in_range(value.date())
    return value


Day = Annotated[date, AfterValidator(_day_in_range)]
"""A date from 1900-01-01 to 2999-12-31."""
Moment = Annotated[datetime, AfterValidator(_moment_in_range)]
"""A date and time whose date lies from 1900-01-01 to 2999-12-31."""


def check_day(value: date, *, field: str) -> date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise InvalidField(
            field,
            f"the date must be between {FIRST_DAY} and {LAST_DAY}",
            f"日期须在 {FIRST_DAY} 至 {LAST_DAY} 之间",
        )
    return value


def check_text(value: str, *, field: str) -> str:
    """Free text of at most ``MAX_TEXT`` characters; InvalidField naming ``field`` otherwise."""
    if len(value) > MAX_TEXT:
        raise InvalidField(
            field,
            f"the text is longer than {MAX_TEXT} characters ({len(value)})",
            f"文字不能超过 {MAX_TEXT} 个字符（现为 {len(value)} 个）",
        )
    return value


def parse_day(text: str, *, field: str) -> date:
    """A form's ``YYYY-MM-DD`` within the supported range; InvalidField naming ``field`` otherwise."""
    try:
        value = date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidField(
            field, f"{shown(text)} is not a date (YYYY-MM-DD)", f"{shown(text)} 不是日期（YYYY-MM-DD）"
        ) from None
    return check_day(value, field=field)


def parse_moment(text: str, *, field: str) -> datetime:
    """A form's date and time (``YYYY-MM-DDTHH:MM``, with or without an offset) within the supported
    range; InvalidField naming ``field`` otherwise."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidField(
            field, f"{shown(text)} is not a date and time", f"{shown(text)} 不是日期和时间"
        ) from None
    check_day(value.date(), field=field)
    return value


def parse_id(text: str, *, field: str) -> int:
    """A form's id (1 to 2^31-1); InvalidField naming ``field`` otherwise."""
    value = text.strip()
    if _ID.fullmatch(value) is None:
        raise InvalidField(field, f"{shown(text)} is not an id", f"{shown(text)} 不是有效的编号")
    return int(value)


def optional_id(text: str) -> int | None:
    """A form's id, or None when the field is empty or holds no id that can exist."""
    value = text.strip()
    return int(value) if _ID.fullmatch(value) else None


def nul_field(fields: Iterable[tuple[str, str]]) -> str | None:
    """The name of the first field whose name or value holds a NUL character, or None."""
    return next((name for name, value in fields if NUL in name or NUL in value), None)
