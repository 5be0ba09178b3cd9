"""What the desk shows: the lists of cases by deadline (open, breached, at risk, mine, escalated,
unassigned), each with its clock; the counts; the figures (volume per 10,000 accounts in collection by
category and team, time to resolve, share resolved in time) and the complaints against each staff
member or agency (what their scorecards count); and one case in full. Read only.

At risk: unresolved and due by the end of the next working day. Breached: unresolved and past its
resolution deadline, or not acknowledged past its acknowledgement deadline. Texts are shown as written
to a role with ``pii:reveal``, else masked (the cardholder's known values, every ID, phone, card and
e-mail).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_

from arrears.accounts.free_text import mask_rows
from arrears.kit.crypto import FieldCipher
from arrears.models import ServiceCase, table_of
from arrears.portal.requests_repository import RequestRepository
from arrears.servicedesk.categories import KINDS
from arrears.servicedesk.deadlines import clock, end_of_day
from arrears.servicedesk.repository import OPEN, ServiceRepository
from arrears.servicedesk.rules import ResolveFigures, per_10k, resolve_figures
from arrears.servicedesk.setup import DeskSetup
from arrears.servicedesk.work import found_case
from arrears.users.permissions import allowed
from arrears.users.service import StaffUser

_C = table_of(ServiceCase)
TABS = ("due", "breached", "at_risk", "mine", "escalated", "unassigned", "to_close", "closed")
PAGE_SIZE = 50
FIGURE_DAYS = 30  # the figures cover the last 30 days
SCORECARD_DAYS = 90


def _at_risk_until(setup: DeskSetup, now: datetime) -> datetime:
    today = now.astimezone(setup.zone).date()
    return end_of_day(setup.calendar.add_working_days(today, 1), setup.zone)


def tab_condition(tab: str, *, user: StaffUser, setup: DeskSetup, now: datetime) -> list[ColumnElement[bool]]:
    """The SQL conditions of a tab (``due``: every unresolved case)."""
    unresolved = _C.c.status.in_(OPEN)
    late_ack = and_(_C.c.acknowledged_at.is_(None), _C.c.acknowledge_by <= now)
    if tab == "breached":
        return [unresolved, or_(_C.c.resolve_by <= now, late_ack)]
    if tab == "at_risk":
        return [unresolved, _C.c.resolve_by > now, _C.c.resolve_by <= _at_risk_until(setup, now)]
    if tab == "mine":
        return [_C.c.status.in_((*OPEN, "resolved")), _C.c.assigned_to_id == user.id]
    if tab == "escalated":
        level = 2 if user.role == "manager" else 1
        mine = (  # a team lead: their team's cases and those of no team (nobody else would see them)
            [or_(_C.c.team_id == user.team_id, _C.c.team_id.is_(None))]
            if user.role == "team_lead" and user.team_id is not None
            else []
        )
        return [unresolved, _C.c.escalation_level >= level, *mine]
    if tab == "unassigned":
        return [unresolved, _C.c.assigned_to_id.is_(None)]
    if tab == "to_close":  # decided, its holds still in force until it is closed
        return [_C.c.status == "resolved"]
    if tab == "closed":
        return [_C.c.status == "closed"]
    return [unresolved]


COUNTED = ("due", "breached", "at_risk", "mine", "escalated", "unassigned", "to_close")
SHARED = tuple(tab for tab in COUNTED if tab not in ("mine", "escalated"))  # counted alike for every user


def tab_counts(
    connection: Connection,
    *,
    user: StaffUser,
    setup: DeskSetup,
    now: datetime,
    tabs: tuple[str, ...] = COUNTED,
) -> dict[str, int]:
    """How many cases each tab lists for the user (the desk's tabs, the start page's summary)."""
    repository = ServiceRepository(connection)
    return {one: repository.count(*tab_condition(one, user=user, setup=setup, now=now)) for one in tabs}


def _order(tab: str) -> list[Any]:
    if tab in ("closed", "to_close"):
        return [_C.c.resolved_at.desc(), _C.c.id.desc()]
    return [_C.c.resolve_by, _C.c.id]


@dataclass(frozen=True, slots=True)
class DeskPage:
    tab: str
    rows: list[dict[str, Any]]
    counts: dict[str, int]
    page: int
    pages: int


def desk_page(
    connection: Connection,
    *,
    user: StaffUser,
    setup: DeskSetup,
    now: datetime,
    tab: str = "due",
    page: int = 1,
    counts: dict[str, int] | None = None,
) -> DeskPage:
    """One page of a tab's cases with their clocks, and the count of every tab (``counts``: those the
    caller knows already, e.g. from a cache; the others are counted now)."""
    tab = tab if tab in TABS else "due"
    repository = ServiceRepository(connection)
    known = counts or {}
    missing = tuple(one for one in COUNTED if one not in known)
    counts = known | tab_counts(connection, user=user, setup=setup, now=now, tabs=missing)
    total = (
        counts.get(tab)
        if tab in counts
        else repository.count(*tab_condition(tab, user=user, setup=setup, now=now))
    )
    pages = max(1, -(-int(total or 0) // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = repository.listed(
        *tab_condition(tab, user=user, setup=setup, now=now), order=_order(tab), limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )  # fmt: skip
    names = repository.names(
        [row["assigned_to_id"] for row in rows] + [row["involved_user_id"] for row in rows]
    )
    return DeskPage(tab, [_with_clock(row, names, setup, now) for row in rows], counts, page, pages)


def _with_clock(
    row: dict[str, Any], names: dict[int, str], setup: DeskSetup, now: datetime
) -> dict[str, Any]:
    open_case = row["status"] in OPEN
    resolve = clock(now, row["resolve_by"], setup.calendar, setup.zone) if open_case else None
    acknowledge = (
        clock(now, row["acknowledge_by"], setup.calendar, setup.zone)
        if open_case and row["acknowledged_at"] is None
        else None
    )
    return row | {
        "resolve_clock": resolve,
        "acknowledge_clock": acknowledge,
        "assigned_name": names.get(row["assigned_to_id"]),
        "involved_name": names.get(row["involved_user_id"]),
        "in_time": row["resolved_at"] <= row["resolve_by"] if row["resolved_at"] is not None else None,
    }


@dataclass(frozen=True, slots=True)
class DeskFigures:
    since: datetime
    in_collection: int
    by_category: list[dict[str, Any]]
    by_team: list[dict[str, Any]]
    resolved: ResolveFigures
    against_staff: list[dict[str, Any]]


def figures(connection: Connection, *, now: datetime) -> DeskFigures:
    """The last 30 days' volume per 10,000 accounts in collection by category and by team, the time to
    resolve and the share resolved in time; the last 90 days' complaints per staff member or agency."""
    repository = ServiceRepository(connection)
    since = now - timedelta(days=FIGURE_DAYS)
    accounts = repository.in_collection()
    received = repository.received_by(since=since, until=now + timedelta(seconds=1))
    categories: dict[tuple[str, str], int] = {}
    teams: dict[int | None, int] = {}
    for kind, category, team_id, count in received:
        categories[(kind, category)] = categories.get((kind, category), 0) + count
        teams[team_id] = teams.get(team_id, 0) + count
    team_names = repository.teams()
    by_category = [
        {"kind": kind, "category": category, "count": count, "per_10k": per_10k(count, accounts)}
        for (kind, category), count in sorted(
            categories.items(), key=lambda item: (KINDS.index(item[0][0]), item[0][1])
        )
    ]
    by_team = [
        {"team": team_names.get(team_id) if team_id is not None else None, "count": count,
         "per_10k": per_10k(count, accounts)}
        for team_id, count in sorted(teams.items(), key=lambda item: -item[1])
    ]  # fmt: skip
    resolved = resolve_figures(repository.resolved_between(since=since, until=now + timedelta(seconds=1)))
    staff = repository.against_staff(since=now - timedelta(days=SCORECARD_DAYS))
    names = repository.names([row["involved_user_id"] for row in staff])
    against = sorted(
        ({**row, "name": names.get(row["involved_user_id"])} for row in staff),
        key=lambda row: (-int(row["upheld"] or 0), -int(row["received"])),
    )
    return DeskFigures(since, accounts, by_category, by_team, resolved, against)


def case_view(
    connection: Connection,
    *,
    case_id: int,
    user: StaffUser,
    setup: DeskSetup,
    cipher: FieldCipher,
    now: datetime,
) -> dict[str, Any]:
    """The case in full for the case page: its texts (masked per the role), notes, holds, clocks, names."""
    repository = ServiceRepository(connection)
    found = found_case(repository, case_id)
    notes = repository.notes(case_id)
    names = repository.names(
        [found["assigned_to_id"], found["involved_user_id"], found["resolved_by_id"]]
        + [note["user_id"] for note in notes]
    )
    summary = cipher.decrypt(found["summary_enc"])
    resolution = cipher.decrypt(found["resolution_enc"]) if found["resolution_enc"] is not None else None
    texts = [{"customer_id": found["customer_id"], "summary": summary, "resolution": resolution or ""}]
    texts += [
        {"customer_id": found["customer_id"], "text": cipher.decrypt(note["text_enc"])} for note in notes
    ]
    if not allowed(user.role, "pii:reveal"):
        texts = mask_rows(connection, texts, ["summary", "resolution", "text"], cipher=cipher)
    shown_notes = [
        {key: value for key, value in note.items() if key != "text_enc"}
        | {"text": text["text"], "author": names.get(note["user_id"])}
        for note, text in zip(notes, texts[1:], strict=True)
    ]
    base = {key: value for key, value in found.items() if not key.endswith("_enc")}
    return _with_clock(base, names, setup, now) | {
        "summary": texts[0]["summary"],
        "resolution": texts[0]["resolution"] or None,
        "notes": shown_notes,
        "holds": repository.holds_of(case_id),
        "resolved_by_name": names.get(found["resolved_by_id"]),
        "remedy_list": (found["remedies"] or "").split(",") if found["remedies"] else [],
        "attachments": RequestRepository(connection)
        .attachments_of([found["portal_request_id"]])
        .get(found["portal_request_id"], [])
        if found["portal_request_id"] is not None
        else [],
    }


def cases_of_account(
    connection: Connection, *, account_id: int, setup: DeskSetup, now: datetime
) -> list[dict[str, Any]]:
    """The account's service cases, newest first, with their clocks (for the account's case page)."""
    repository = ServiceRepository(connection)
    rows = repository.of_account(account_id)
    names = repository.names(
        [row["assigned_to_id"] for row in rows] + [row["involved_user_id"] for row in rows]
    )
    return [_with_clock(row, names, setup, now) for row in rows]
