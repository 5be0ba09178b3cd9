"""The clock lives at the edge: commands and requests read it and pass ``now`` down."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
