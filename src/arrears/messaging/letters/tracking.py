"""The post's tracking read back (``arrears letters tracking FILE``): each row sets its letter's tracking
number and adds an event to the case timeline (posted, delivered, returned); a delivered letter is
``delivered``, a returned one ``failed`` and counted as a permanent failure of the address it went to
(the same count as a bounced e-mail: at the limit the address is invalid and no longer picked).

All or nothing: every row is checked first (its letter found, its date possible); one problem and
nothing is applied, every problem named by file, row and column. Loading the same file again changes
nothing (a row already applied is recognised by its letter, status, tracking number and date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.imports.problems import Problem
from arrears.messaging.inbound import record_permanent_failure
from arrears.messaging.inbound_rules import InboundRules
from arrears.messaging.letters.errors import TrackingRefused
from arrears.messaging.letters.repository import TrackingRepository
from arrears.messaging.letters.tracking_rules import (
    TrackedLetter,
    TrackingRow,
    detail,
    event_time,
    letter_of,
    next_status,
    parse_tracking,
    row_problems,
)


@dataclass(frozen=True, slots=True)
class TrackingSummary:
    applied: int
    unchanged: int
    delivered: int
    returned: int
    invalidated: int  # addresses that the returned letters made invalid


def refuse(problems: Sequence[Problem]) -> TrackingRefused:
    lines = [str(problem) for problem in problems]
    return TrackingRefused(lines, lines)


def read_tracking(path: Path) -> list[TrackingRow]:
    """The rows of a tracking file; TrackingRefused naming every problem (nothing is read half)."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise refuse([Problem(path.name, None, None, "the file is not UTF-8 text")]) from None
    rows, problems = parse_tracking(text, file=path.name)
    if problems:
        raise refuse(problems)
    return rows


def _resolve(
    repository: TrackingRepository, rows: Sequence[TrackingRow], *, file: str, today: Any
) -> list[tuple[TrackingRow, TrackedLetter]]:
    by_id = repository.by_letter_id(sorted({row.letter_id.strip() for row in rows if row.letter_id}))
    by_account = repository.by_account(
        sorted({row.account_no for row in rows if row.letter_id is None and row.account_no})
    )
    found: list[tuple[TrackingRow, TrackedLetter]] = []
    problems: list[Problem] = []
    for row in rows:
        letter = letter_of(row, by_id=by_id, by_account=by_account)
        problems += row_problems(row, letter, file=file, today=today)
        if letter is not None:
            found.append((row, letter))
    if problems:
        raise refuse(problems)
    return found


def load_tracking(
    connection: Connection,
    *,
    rows: Sequence[TrackingRow],
    now: datetime,
    zone: str,
    rules: InboundRules,
    file: str = "tracking",
) -> TrackingSummary:
    """Applies the rows (see the module doc); TrackingRefused, with nothing applied, when any is bad."""
    repository = TrackingRepository(connection)
    found = _resolve(repository, rows, file=file, today=now.astimezone(ZoneInfo(zone)).date())
    said = repository.said(sorted({letter.message_id for _, letter in found}))
    status = {letter.message_id: letter.status for _, letter in found}
    events: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    returned: list[int] = []
    for row, letter in found:
        key = (letter.message_id, row.status, detail(row))
        if key in said:
            continue
        said.add(key)
        at = event_time(row.day, zone=zone, not_before=letter.sent_at)
        moved = next_status(status[letter.message_id], row.status)
        status[letter.message_id] = moved or status[letter.message_id]
        events.append({"message_id": letter.message_id, "at": at, "status": row.status,
                       "provider_id": letter.letter_id, "detail": detail(row)})  # fmt: skip
        updates.append(_update(letter.message_id, row, moved, at))
        if moved == "failed" and letter.contact_point_id is not None:  # once a letter, however often said
            returned.append(letter.contact_point_id)
    repository.record(events=events, updates=updates)
    invalidated = sum(
        record_permanent_failure(connection, contact_point_id=point, now=now, rules=rules)
        for point in returned
    )
    delivered = sum(1 for event in events if event["status"] == "delivered")
    return TrackingSummary(len(events), len(rows) - len(events), delivered, len(returned), invalidated)


def _update(message_id: int, row: TrackingRow, moved: str | None, at: datetime) -> dict[str, Any]:
    failed = moved == "failed"
    return {
        "_id": message_id, "_tracking": row.tracking_no, "_status": moved,
        "_delivered": at if moved == "delivered" else None, "_finished": at if failed else None,
        "_error": f"returned by the post (tracking {row.tracking_no})" if failed else None,
    }  # fmt: skip
