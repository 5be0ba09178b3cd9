"""The business date: the day staff pages, worklists, the queue, visits and dashboards work on.

By default it is the date of the latest completed daily run (the book as the run left it); a page that
offers a date may choose another. When today's run has not completed, the pages still show the latest
completed run's day and say so."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection

from arrears.batch.store import RunRepository
from arrears.kit.inputs import FIRST_DAY


@dataclass(frozen=True)
class BusinessDay:
    date: dt.date  # the day the pages work on
    today: dt.date  # the calendar date in the cardholders' time zone
    latest_run: dt.date | None  # the latest completed daily run, None before the first

    @property
    def behind(self) -> bool:
        """Today's run has not completed (or no run ever has): the pages show an earlier day."""
        return self.latest_run is None or self.latest_run < self.today


def decide(latest_run: dt.date | None, *, today: dt.date) -> BusinessDay:
    """The latest completed run's date, not after today (a run dated ahead does not move the pages
    into the future) nor before FIRST_DAY (a run dated 0001-01-01 by mistake: the pages count days
    back from the business date); today when no run has completed yet."""
    if latest_run is None:
        return BusinessDay(today, today, None)
    shown = max(min(latest_run, today), FIRST_DAY)
    return BusinessDay(shown, today, latest_run)


def business_day(connection: Connection, *, today: dt.date) -> BusinessDay:
    return decide(RunRepository(connection).last_completed(), today=today)
