"""Time zones in vectorised compliance decisions, on instants held as integer microseconds.

Instants are Int64 microseconds since the epoch (UTC); a local wall-clock time is the same count
shifted by the zone's UTC offset, so that ``// DAY`` gives the local day and ``% DAY`` the local time.

Zones whose offset does not change over the dates a decision looks at (``FIXED_OFFSETS``) are plain
arithmetic with an offset column. Polars converts time zones per column, not per row, so the rows of
any other zone are converted one partition per zone and scattered back.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

UTC_DATETIME = pl.Datetime("us", "UTC")
DAY = 86_400_000_000  # microseconds

# Zones whose UTC offset (seconds) does not change over the dates a decision looks at (set by
# decide_frame).
FIXED_OFFSETS: ContextVar[dict[str, int] | None] = ContextVar("fixed_offsets", default=None)


def clock(moment: time) -> int:
    """Microseconds since local midnight."""
    return ((moment.hour * 60 + moment.minute) * 60 + moment.second) * 1_000_000 + moment.microsecond


def fixed_offsets(zones: Iterable[str], start: datetime, end: datetime) -> dict[str, int]:
    """The zones among ``zones`` whose offset is the same at every hour from ``start`` to ``end``."""
    fixed = {}
    for name in zones:
        zone = ZoneInfo(name)
        offsets: set[int] = set()
        moment = start
        while moment <= end and len(offsets) < 2:
            offset = moment.astimezone(zone).utcoffset()
            offsets.add(int(offset.total_seconds()) if offset is not None else 0)
            moment += timedelta(hours=1)
        if len(offsets) == 1:
            fixed[name] = offsets.pop()
    return fixed


def known_offset(zone: str) -> pl.Expr:
    """The fixed offset (microseconds) of the zone in column ``zone``; null for other zones."""
    fixed = {name: seconds * 1_000_000 for name, seconds in (FIXED_OFFSETS.get() or {}).items()}
    return pl.col(zone).replace_strict(fixed, default=None, return_dtype=pl.Int64)


def _others(frame: pl.DataFrame, zone: str, known: str) -> pl.DataFrame | None:
    """The rows (with their index ``_i``) whose zone is set but has no fixed offset, if any."""
    if frame.get_column(known).null_count() == frame.get_column(zone).null_count():
        return None
    return frame.with_row_index("_i").filter(pl.col(known).is_null() & pl.col(zone).is_not_null())


def offsets(frame: pl.DataFrame, at: str, zone: str, known: str) -> pl.Series:
    """The UTC offset (microseconds) at instant ``at`` of each row's ``zone``, where ``known`` holds
    the fixed offsets; null where the zone is null."""
    result = frame.get_column(known)
    others = _others(frame, zone, known)
    if others is None:
        return result
    parts = []
    for (name,), part in others.partition_by(zone, as_dict=True).items():
        local = pl.col(at).cast(UTC_DATETIME).dt.convert_time_zone(name).dt.replace_time_zone(None)
        parts.append(part.select("_i", offset=local.cast(pl.Int64) - pl.col(at)))
    found = pl.concat(parts)
    return result.scatter(found["_i"], found["offset"])


def to_utc(frame: pl.DataFrame, local: str, zone: str, known: str) -> pl.Series:
    """The instant of local wall-clock time ``local`` in each row's ``zone`` (the earlier one when
    the clock is set back; null for a time that the clock skips)."""
    result = frame.select(pl.col(local) - pl.col(known)).to_series()
    others = _others(frame, zone, known)
    if others is None:
        return result
    parts = []
    for (name,), part in others.partition_by(zone, as_dict=True).items():
        moment = pl.col(local).cast(pl.Datetime("us"))
        moment = moment.dt.replace_time_zone(name, ambiguous="earliest", non_existent="null")
        parts.append(part.select("_i", instant=moment.dt.convert_time_zone("UTC").cast(pl.Int64)))
    found = pl.concat(parts)
    return result.scatter(found["_i"], found["instant"])
