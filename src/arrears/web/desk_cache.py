"""The service desk's counts and figures, kept briefly in each server process. With 100,000 open cases a
tab's count reads every open case (20-50 ms of PostgreSQL each) and the figures read the last 30 and 90
days' cases (about 250 ms); the lists themselves are read fresh on every request."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from fastapi import Request
from sqlalchemy import Connection

from arrears.servicedesk import desk
from arrears.users.service import StaffUser

COUNTS_SECONDS = 15  # a tab's count may lag its list by this much
FIGURES_SECONDS = 60  # the figures of the last 30 and 90 days


def cached(request: Request, key: tuple[object, ...], seconds: float, compute: Callable[[], Any]) -> Any:
    """``compute()``, kept ``seconds`` in this server process (two requests at once may both compute it)."""
    cache: dict[tuple[object, ...], tuple[float, Any]] = request.app.state.desk_cache
    found = cache.get(key)
    if found is not None and time.monotonic() - found[0] < seconds:
        return found[1]
    value = compute()
    cache[key] = (time.monotonic(), value)
    return value


def desk_counts(
    request: Request, connection: Connection, user: StaffUser, moment: datetime, tabs: Sequence[str]
) -> dict[str, int]:
    """The counts of ``tabs`` for ``user``: those alike for everyone, and Escalated (alike per role and
    team), from the cache; Mine counted now (an index scan of the user's own cases)."""
    setup, counts = request.app.state.desk, {}
    for tab in tabs:
        key: tuple[object, ...] = (
            ("count", tab) if tab in desk.SHARED else ("count", tab, user.role, user.team_id)
        )

        def count(tab: str = tab) -> int:
            return desk.tab_counts(connection, user=user, setup=setup, now=moment, tabs=(tab,))[tab]

        counts[tab] = count() if tab == "mine" else cached(request, key, COUNTS_SECONDS, count)
    return counts
