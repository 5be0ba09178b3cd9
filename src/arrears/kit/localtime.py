"""Instants as people read them: stored instants are UTC; shown, they are local to a zone and say
which (``2026-12-05 10:30 UTC+8``), never an ISO string."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Shape = Literal["datetime", "date", "time"]
FORMATS: dict[str, str] = {"datetime": "%Y-%m-%d %H:%M", "date": "%Y-%m-%d", "time": "%H:%M"}


def offset_label(moment: datetime) -> str:
    """The moment's UTC offset as a label: ``UTC+8``, ``UTC-3:30``, ``UTC``."""
    offset = moment.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    if minutes == 0:
        return "UTC"
    sign, minutes = ("+" if minutes > 0 else "-"), abs(minutes)
    hours, rest = divmod(minutes, 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def in_zone(moment: datetime, zone: ZoneInfo | None = None) -> datetime:
    """The aware ``moment`` in ``zone`` (its own zone when None); ValueError for a naive one."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("a naive datetime has no place in time: pass an aware one")
    return moment.astimezone(zone) if zone is not None else moment


def local_text(
    moment: datetime, zone: ZoneInfo | None = None, *, shape: Shape = "datetime", label: bool | None = None
) -> str:
    """``moment`` in ``zone`` (default: its own) as ``2026-12-05 10:30 UTC+8``; a ``date`` has no
    label unless asked for. A moment the zone's offset would carry past the calendar's first or last
    day (0001-01-01, 9999-12-31) is shown in UTC, labelled so."""
    try:
        local = in_zone(moment, zone)
    except OverflowError:
        local = moment.astimezone(UTC)
    text = local.strftime(FORMATS[shape])
    labelled = shape != "date" if label is None else label
    return f"{text} {offset_label(local)}" if labelled else text


def local_moment(text: str, zone: ZoneInfo) -> datetime:
    """A local date and time typed in a form (``2026-12-05T10:30``, as a ``datetime-local`` field
    sends it) as the aware instant in ``zone``; one with an offset keeps it. ValueError when it is not
    a date and time."""
    moment = datetime.fromisoformat(text.strip())
    return moment.replace(tzinfo=zone) if moment.tzinfo is None else moment
