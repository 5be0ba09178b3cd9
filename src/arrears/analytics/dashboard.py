"""The manager dashboard: the book, the latest run, the queues, the teams' calls, promises and contact
rates over a window of business days ending on ``as_of``. Every ratio is None when its denominator
is 0. The clock stays at the edge: ``as_of`` (and the cardholders' time zone) are passed in."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection

from arrears.accounts.rules import DEFAULT_BUCKETS, DEFAULT_CLASSES, BandTable
from arrears.analytics.repository import (
    BookGroup,
    DashboardRepository,
    PromiseGroup,
    QueueGroup,
    RunRecord,
    TeamDayCalls,
)
from arrears.analytics.rules import day_starts, ratio, window_days, zone_of

UNASSIGNED = "unassigned"  # the team label of work (or people) that belongs to no team


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True)


class BandFigures(_Figures):
    """Accounts and balances (fen) in one bucket or regulatory class, as stored."""

    code: str
    label_zh: str
    label_en: str
    accounts: int
    balance_fen: int
    overdue_fen: int


class Book(_Figures):
    """Accounts and balances by bucket and by regulatory class on ``as_of``, the date of the snapshot
    they come from (None: there is no snapshot yet, the accounts are as imported)."""

    as_of: date | None
    accounts: int
    balance_fen: int
    overdue_fen: int
    buckets: tuple[BandFigures, ...]
    classes: tuple[BandFigures, ...]


class ChannelFigures(_Figures):
    channel: str
    actions: int
    expected_value_fen: int


class RunFigures(_Figures):
    """The latest completed daily run on or before the dashboard's date, and its report as stored."""

    run_date: date
    completed_at: datetime | None
    model_version: str | None
    policy: str | None
    accounts: int | None
    candidates: int | None
    allowed: int | None
    blocked: int | None
    expected_value_fen: int | None
    by_channel: tuple[ChannelFigures, ...]
    blocked_by_rule: dict[str, int]
    report: dict[str, Any]


class QueueDepth(_Figures):
    """The calls of the latest run in one team's queue (``team`` is ``unassigned`` for any team's)."""

    team_id: int | None
    team: str
    team_name: str | None
    planned: int
    claimed: int
    done: int
    other: int
    total: int


class ContactFigures(_Figures):
    """Calls logged, connected, and conversations with the debtor (right-party contacts)."""

    calls: int
    connected: int
    conversations: int
    contact_rate: float | None  # connected / calls
    rpc_rate: float | None  # conversations / calls


class DayContacts(ContactFigures):
    day: date


class TeamThroughput(ContactFigures):
    """The calls logged by the members of a team over the window, and on the last day of it."""

    team_id: int | None
    team: str
    team_name: str | None
    calls_today: int


class PromiseFigures(_Figures):
    """Promises settled in the window; ``kept_rate`` is kept / settled."""

    settled: int
    kept: int
    partly_kept: int
    broken: int
    promised_fen: int
    paid_fen: int
    kept_rate: float | None


class Dashboard(_Figures):
    as_of: date
    days: int
    first_day: date
    zone: str
    book: Book
    latest_run: RunFigures | None
    queue: tuple[QueueDepth, ...]
    throughput: tuple[TeamThroughput, ...]
    promises: PromiseFigures
    contacts: ContactFigures
    contacts_by_day: tuple[DayContacts, ...]


def dashboard(
    connection: Connection,
    *,
    as_of: date,
    days: int = 30,
    zone: str = "Asia/Shanghai",
    buckets: BandTable = DEFAULT_BUCKETS,
    classes: BandTable = DEFAULT_CLASSES,
) -> Dashboard:
    """The dashboard on ``as_of`` over the ``days`` business days ending with it, days being those of
    ``zone`` (the cardholders' time zone, as the contact rules count them)."""
    repository = DashboardRepository(connection)
    window = window_days(as_of=as_of, days=days)
    bounds = day_starts(window, zone_of(zone))
    latest = repository.latest_run(on_or_before=as_of)
    calls = repository.calls(days=window, bounds=bounds, zone=zone)
    return Dashboard(
        as_of=as_of,
        days=days,
        first_day=window[0],
        zone=zone,
        book=_book(repository, as_of=as_of, buckets=buckets, classes=classes),
        latest_run=None if latest is None else run_figures(latest),
        queue=() if latest is None else queue_depth(repository.queue(latest.run_date)),
        throughput=throughput(calls, today=as_of),
        promises=promise_figures(repository.settled_promises(first=window[0], last=as_of)),
        contacts=contact_figures(*_totals(calls)),
        contacts_by_day=contacts_by_day(calls, window),
    )


# --- from the groups the repository returns to the figures ---------------------------------------


def _bands(groups: Sequence[BookGroup], by: str, table: BandTable) -> tuple[BandFigures, ...]:
    """The table's bands in order (zeros where no account is), then any other code stored, sorted."""
    totals: dict[str, tuple[int, int, int]] = {}
    for group in groups:
        code = group.bucket if by == "bucket" else group.regulatory_class
        before = totals.get(code, (0, 0, 0))
        totals[code] = (
            before[0] + group.accounts,
            before[1] + group.balance_fen,
            before[2] + group.overdue_fen,
        )
    labels = {band.code: (band.label_zh, band.label_en) for band in table.bands}
    codes = [*table.codes, *sorted(code for code in totals if code not in labels)]
    return tuple(
        BandFigures(
            code=code,
            label_zh=labels.get(code, (code, code))[0],
            label_en=labels.get(code, (code, code))[1],
            accounts=totals.get(code, (0, 0, 0))[0],
            balance_fen=totals.get(code, (0, 0, 0))[1],
            overdue_fen=totals.get(code, (0, 0, 0))[2],
        )
        for code in codes
    )


def book(groups: Sequence[BookGroup], *, as_of: date | None, buckets: BandTable, classes: BandTable) -> Book:
    """The book from its (bucket, class) groups."""
    return Book(
        as_of=as_of,
        accounts=sum(g.accounts for g in groups),
        balance_fen=sum(g.balance_fen for g in groups),
        overdue_fen=sum(g.overdue_fen for g in groups),
        buckets=_bands(groups, "bucket", buckets),
        classes=_bands(groups, "regulatory_class", classes),
    )


def _book(repository: DashboardRepository, *, as_of: date, buckets: BandTable, classes: BandTable) -> Book:
    """The accounts' current state; when the dashboard looks back before the latest snapshot, the
    latest snapshot on or before its date instead."""
    latest = repository.snapshot_date()
    if latest is None or latest <= as_of:
        return book(repository.book(), as_of=latest, buckets=buckets, classes=classes)
    earlier = repository.snapshot_date(on_or_before=as_of)
    groups = repository.book(snapshot=earlier) if earlier else []
    return book(groups, as_of=earlier, buckets=buckets, classes=classes)


def _count(value: object) -> int | None:
    """A count or an amount of the report; None when it is missing or not a number."""
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _channels(chosen: object) -> tuple[ChannelFigures, ...]:
    """The report's ``chosen``: ``{channel: {actions, expected_value_fen}}``."""
    if not isinstance(chosen, dict):
        return ()
    return tuple(
        ChannelFigures(
            channel=str(channel),
            actions=_count(figures.get("actions")) or 0,
            expected_value_fen=_count(figures.get("expected_value_fen")) or 0,
        )
        for channel, figures in sorted(chosen.items())
        if isinstance(figures, dict)
    )


def run_figures(record: RunRecord) -> RunFigures:
    """The run record with its report (JSON, as ``arrears.batch.pipeline.report`` writes it) read;
    a figure the report lacks is None."""
    loaded = json.loads(record.report) if record.report else {}
    report: dict[str, Any] = loaded if isinstance(loaded, dict) else {}
    rules = report.get("blocked_by_rule")
    return RunFigures(
        run_date=record.run_date,
        completed_at=record.completed_at,
        model_version=record.model_version,
        policy=record.policy,
        accounts=_count(report.get("accounts")),
        candidates=_count(report.get("candidates")),
        allowed=_count(report.get("allowed")),
        blocked=_count(report.get("blocked")),
        expected_value_fen=_count(report.get("expected_value_fen")),
        by_channel=_channels(report.get("chosen")),
        blocked_by_rule={str(k): _count(v) or 0 for k, v in rules.items()} if isinstance(rules, dict) else {},
        report=report,
    )


def _team_order(code: str | None) -> tuple[bool, str]:
    return (code is None, code or "")  # the unassigned last


def queue_depth(groups: Sequence[QueueGroup]) -> tuple[QueueDepth, ...]:
    """One row per team (the unassigned last) from the groups by team and status."""
    teams: dict[int | None, tuple[str | None, str | None, dict[str, int]]] = {}
    for group in groups:
        teams.setdefault(group.team_id, (group.team_code, group.team_name, {}))[2][group.status] = group.calls
    return tuple(
        QueueDepth(
            team_id=team_id,
            team=code or UNASSIGNED,
            team_name=name,
            planned=counts.get("planned", 0),
            claimed=counts.get("claimed", 0),
            done=counts.get("done", 0),
            other=sum(n for status, n in counts.items() if status not in ("planned", "claimed", "done")),
            total=sum(counts.values()),
        )
        for team_id, (code, name, counts) in sorted(teams.items(), key=lambda item: _team_order(item[1][0]))
    )


def contact_figures(calls: int, connected: int, conversations: int) -> ContactFigures:
    return ContactFigures(
        calls=calls,
        connected=connected,
        conversations=conversations,
        contact_rate=ratio(connected, calls),
        rpc_rate=ratio(conversations, calls),
    )


def _totals(groups: Sequence[TeamDayCalls]) -> tuple[int, int, int]:
    """Calls, connected calls and conversations with the debtor, summed over the groups."""
    return (
        sum(g.calls for g in groups),
        sum(g.connected for g in groups),
        sum(g.conversations for g in groups),
    )


def throughput(groups: Sequence[TeamDayCalls], *, today: date) -> tuple[TeamThroughput, ...]:
    """One row per team (the unassigned last) from the calls by team and day."""
    teams: dict[int | None, list[TeamDayCalls]] = {}
    for group in groups:
        teams.setdefault(group.team_id, []).append(group)
    ordered = sorted(teams.values(), key=lambda team: _team_order(team[0].team_code))
    return tuple(
        TeamThroughput(
            team_id=team[0].team_id,
            team=team[0].team_code or UNASSIGNED,
            team_name=team[0].team_name,
            calls_today=sum(g.calls for g in team if g.day == today),
            **contact_figures(*_totals(team)).model_dump(),
        )
        for team in ordered
    )


def contacts_by_day(groups: Sequence[TeamDayCalls], window: Sequence[date]) -> tuple[DayContacts, ...]:
    """Every day of the window, all teams together, with zeros (and no rates) on days without calls."""
    return tuple(
        DayContacts(day=day, **contact_figures(*_totals([g for g in groups if g.day == day])).model_dump())
        for day in window
    )


def promise_figures(groups: Sequence[PromiseGroup]) -> PromiseFigures:
    """From the settled promises by status."""
    counts = {g.status: g.promises for g in groups}
    settled = sum(counts.values())
    return PromiseFigures(
        settled=settled,
        kept=counts.get("kept", 0),
        partly_kept=counts.get("partly_kept", 0),
        broken=counts.get("broken", 0),
        promised_fen=sum(g.amount_fen for g in groups),
        paid_fen=sum(g.paid_fen for g in groups),
        kept_rate=ratio(counts.get("kept", 0), settled),
    )
