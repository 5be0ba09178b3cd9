"""The collector's agenda: what is due now and later today, what they hold, and their day so far
against their target. Read-only; the caller passes the business date and the clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.accounts.free_text import mask_rows
from arrears.floor import rules
from arrears.floor.repository import ATTRIBUTION, FloorRepository
from arrears.floor.rules import DayWindow, Figures, Progress, Received, Target, Touch
from arrears.kit.crypto import FieldCipher
from arrears.users.service import StaffUser


@dataclass(frozen=True)
class Agenda:
    business_date: date
    window: DayWindow
    messages: list[dict[str, Any]]  # replies and portal requests waiting for an answer (``message``)
    due_now: list[dict[str, Any]]  # open callbacks overdue or due within DUE_SOON, each with its slot
    later_today: list[dict[str, Any]]
    later: list[dict[str, Any]]  # the open callbacks of the days after
    promises_due: list[dict[str, Any]]  # open promises falling due on the business date
    promises_broken: list[dict[str, Any]]  # broken (or partly kept) the day before
    instalments: list[dict[str, Any]]  # of the plans the collector proposed, due in INSTALMENT_DAYS
    held: list[dict[str, Any]]
    reserved: list[dict[str, Any]]  # reserved for them by their team lead: their next cases
    waiting: int
    figures: Figures
    target: Target
    progress: list[Progress] = field(default_factory=list)
    segments: dict[str, tuple[str, str]] = field(default_factory=dict)  # the run's segments' labels


def collected(
    repository: FloorRepository, users: Sequence[int], *, window: DayWindow, zone: ZoneInfo
) -> dict[int, int]:
    """The fen each of the users collected in the window's days (``rules.attribute``), one paying day
    at a time: its payments and, per account, the last right-party contacts before the day's end."""
    paid: list[Received] = []
    touches: list[Touch] = []
    since = window.start - ATTRIBUTION
    for day in repository.paid_days(
        users, first=window.first, last=window.last, since=since, until=window.end
    ):
        start, end = rules.day_bounds(day, zone)
        found = repository.payments_on(users, day=day, since=start - ATTRIBUTION, until=end)
        paid += found[0]
        touches += [replace(one, on=one.at.astimezone(zone).date()) for one in found[1]]
    credited = rules.attribute(paid, touches)
    return {user: credited.get(user, 0) for user in users}


def day_figures(
    repository: FloorRepository, users: Sequence[int], *, window: DayWindow, zone: ZoneInfo
) -> dict[int, Figures]:
    """Each user's day so far: calls, right-party contacts, promises taken and their amount, collected."""
    counted = repository.figures(
        users, start=window.start, end=window.end, first=window.first, last=window.last
    )
    money = collected(repository, users, window=window, zone=zone)
    return {user: counted.get(user, Figures()) + Figures(collected_fen=money.get(user, 0)) for user in users}


def agenda(
    connection: Connection,
    user: StaffUser,
    *,
    business_date: date,
    now: datetime,
    zone: str,
    clear_text: bool = False,
    cipher: FieldCipher | None = None,
) -> Agenda:
    """The user's agenda on ``business_date`` at ``now`` (the day's local bounds in ``zone``); the
    callbacks' notes masked unless ``clear_text`` (with the cardholder's known values, given ``cipher``)."""
    repository = FloorRepository(connection)
    window = rules.day_window(business_date=business_date, now=now, zone=zone)
    callbacks = repository.open_callbacks([user.id])
    if not clear_text:
        callbacks = mask_rows(connection, callbacks, ["note"], cipher=cipher)
    for one in callbacks:
        one["slot"] = rules.callback_slot(due_at=one["due_at"], now=now, today_end=window.today_end)
        one["message"] = rules.message_kind(note=one["note"], request_kind=one.pop("request_kind"))
    calls = [one for one in callbacks if one["message"] is None]
    figures = day_figures(repository, [user.id], window=window, zone=ZoneInfo(zone))[user.id]
    target = Target()
    if user.team_id is not None:
        team, own = repository.targets(team_id=user.team_id, users=[user.id], on=business_date)
        target = rules.resolved(team=team, own=own.get(user.id))
    return Agenda(
        business_date=business_date,
        window=window,
        messages=[one for one in callbacks if one["message"] is not None],
        due_now=[one for one in calls if one["slot"] in ("overdue", "due_now")],
        later_today=[one for one in calls if one["slot"] == "later_today"],
        later=[one for one in calls if one["slot"] == "later"],
        promises_due=repository.promises([user.id], promised_on=business_date, statuses=("open",)),
        promises_broken=repository.promises(
            [user.id], promised_on=business_date - timedelta(days=1), statuses=("broken", "partly_kept")
        ),
        instalments=repository.instalments_due(
            user.id, first=business_date, last=business_date + timedelta(days=rules.INSTALMENT_DAYS)
        ),
        held=repository.held([user.id], now=now),
        reserved=repository.reserved([user.id], run_date=business_date, now=now),
        waiting=repository.waiting(user_id=user.id, team_id=user.team_id, run_date=business_date, now=now),
        figures=figures,
        target=target,
        progress=rules.progress(figures, target),
        segments=repository.segment_labels(business_date),
    )
