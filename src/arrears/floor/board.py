"""The floor view of one team: who holds which case and for how long, the queue by bucket and
segment, callbacks at risk, promises due, and each collector's day against their target. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.floor import rules
from arrears.floor.agenda import day_figures
from arrears.floor.repository import FloorRepository
from arrears.floor.rules import Figures, Progress, Target

QUEUE_STATES = ("free", "reserved", "held", "done")


@dataclass(frozen=True)
class CollectorDay:
    person: dict[str, Any]
    figures: Figures
    target: Target  # resolved: their own figures, else the team's
    own: Target | None  # what the lead set for them alone
    progress: list[Progress]
    held: int
    reserved: int


@dataclass(frozen=True)
class QueueRow:
    bucket: str
    segment: str
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Board:
    team: dict[str, Any]
    business_date: date
    members: list[dict[str, Any]]
    claims: list[dict[str, Any]]  # each with ``minutes`` held and ``long``
    queue: list[QueueRow]
    queue_totals: dict[str, int]
    at_risk: list[dict[str, Any]]  # open callbacks overdue or due soon, with ``overdue``
    promises_due: list[dict[str, Any]]
    days: list[CollectorDay]
    team_target: Target | None
    team_figures: Figures
    team_progress: list[Progress]
    segments: dict[str, tuple[str, str]]  # the run's segments' labels (zh, en)


def _queue(rows: list[dict[str, Any]]) -> tuple[list[QueueRow], dict[str, int]]:
    grouped: dict[tuple[str, str], dict[str, int]] = {}
    totals = dict.fromkeys(QUEUE_STATES, 0)
    for row in rows:
        counts = grouped.setdefault((row["bucket"], row["segment"]), dict.fromkeys(QUEUE_STATES, 0))
        counts[row["state"]] += int(row["calls"])
        totals[row["state"]] += int(row["calls"])
    return [
        QueueRow(bucket, segment, counts) for (bucket, segment), counts in sorted(grouped.items())
    ], totals


def board(connection: Connection, *, team_id: int, business_date: date, now: datetime, zone: str) -> Board:
    """The floor of ``team_id`` on ``business_date`` at ``now``."""
    repository = FloorRepository(connection)
    team = repository.team(team_id) or {"id": team_id, "code": "", "name": ""}
    members = repository.members(team_id)
    ids = [one["id"] for one in members]
    window = rules.day_window(business_date=business_date, now=now, zone=zone)
    claims = repository.held(ids, now=now)
    for one in claims:
        one["minutes"] = int((now - one["claimed_at"]).total_seconds() // 60)
        one["long"] = rules.long_claim(claimed_at=one["claimed_at"], now=now)
    reserved = repository.reserved_counts(ids, run_date=business_date, now=now)
    at_risk = repository.open_callbacks(ids, due_before=now + rules.DUE_SOON)
    names = {one["id"]: one["display_name"] for one in members}
    for one in at_risk:
        one["overdue"], one["collector"] = one["due_at"] < now, names.get(one["user_id"], "")
    promises = repository.promises(ids, promised_on=business_date, statuses=("open",))
    for one in promises:
        one["collector"] = names.get(one["taken_by_id"], "")
    figures = day_figures(repository, ids, window=window, zone=ZoneInfo(zone))
    team_target, own = repository.targets(team_id=team_id, users=ids, on=business_date)
    days = []
    for person in members:
        target = rules.resolved(team=team_target, own=own.get(person["id"]))
        mine = figures[person["id"]]
        days.append(CollectorDay(
            person, mine, target, own.get(person["id"]), rules.progress(mine, target),
            sum(1 for one in claims if one["claimed_by_id"] == person["id"]),
            reserved.get(person["id"], 0),
        ))  # fmt: skip
    total = sum((one.figures for one in days), Figures())
    queue, totals = _queue(repository.queue(team_id=team_id, run_date=business_date, now=now))
    return Board(
        team=team, business_date=business_date, members=members, claims=claims, queue=queue,
        queue_totals=totals, at_risk=at_risk, promises_due=promises, days=days, team_target=team_target,
        team_figures=total, team_progress=rules.progress(total, rules.summed([one.target for one in days])),
        segments=repository.segment_labels(business_date),
    )  # fmt: skip
