"""The clock lives at the edge: commands and requests read it and pass ``now`` down."""

from __future__ import annotations

from datetime import UTC, date, datetime


def now() -> datetime:
    return datetime.now(UTC)


def parse_date(text: str, *, what: str = "date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"{what} {text!r} is not a date (YYYY-MM-DD)") from exc
