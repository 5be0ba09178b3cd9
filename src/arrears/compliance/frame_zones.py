"""Time zones in vectorised compliance decisions: local dates and times, and local instants in UTC.

Polars converts time zones per column, not per row. Rows are therefore either shifted by a fixed
UTC offset (zones whose offset does not change over the dates a decision looks at), or handled in
one partition per zone.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import polars as pl

UTC_DATETIME = pl.Datetime("us", "UTC")

# Zones whose UTC offset does not change over the dates a decision looks at (set by decide_frame):
# their rows are converted with plain arithmetic instead of one partition per zone.
FIXED_OFFSETS: ContextVar[dict[str, int] | None] = ContextVar("fixed_offsets", default=None)
Zone = str | pl.Expr | None  # a zone name, or an expression giving each row's UTC offset in seconds


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


def by_zone(frame: pl.DataFrame, zone: str, build: object) -> pl.DataFrame:
    """Applies ``build(zone) -> list[Expr]`` to the rows of each zone. Zones with a fixed offset are
    done at once with an offset column; the others one partition each (Polars converts time zones
    per column, not per row). Row order is not kept; callers join on keys."""
    if frame.is_empty():
        return frame.with_columns(build(None))  # type: ignore[operator]
    fixed = FIXED_OFFSETS.get() or {}
    known = pl.col(zone).is_in(list(fixed))
    parts = []
    simple = frame.filter(known) if fixed else frame.clear()
    if not simple.is_empty():
        offset = pl.col(zone).replace_strict(fixed, return_dtype=pl.Int64)
        parts.append(simple.with_columns(build(offset)))  # type: ignore[operator]
    rest = frame.filter(~known) if fixed else frame
    parts += [
        part.with_columns(build(name))  # type: ignore[operator]
        for (name,), part in rest.partition_by(zone, as_dict=True).items()
    ]
    return pl.concat(parts) if parts else frame.with_columns(build(None))  # type: ignore[operator]


def local_parts(moment: str, prefix: str) -> object:
    def build(zone: Zone) -> list[pl.Expr]:
        if isinstance(zone, pl.Expr):
            local = pl.col(moment) + pl.duration(seconds=zone)  # still marked UTC: its wall clock is local
        else:
            local = pl.col(moment).dt.convert_time_zone(zone or "UTC")
        return [local.dt.date().alias(f"{prefix}_date"), local.dt.time().alias(f"{prefix}_time")]

    return build


def instant(day: pl.Expr, clock: time, out: str) -> object:
    """The UTC instant of ``clock`` on local ``day`` in the row's zone (earliest when ambiguous)."""

    def build(zone: Zone) -> list[pl.Expr]:
        naive = day.dt.combine(clock)
        if isinstance(zone, pl.Expr):
            return [(naive.dt.replace_time_zone("UTC") - pl.duration(seconds=zone)).alias(out)]
        local = naive.dt.replace_time_zone(zone or "UTC", ambiguous="earliest", non_existent="null")
        return [local.dt.convert_time_zone("UTC").alias(out)]

    return build
