"""The post's tracking file, read and checked (pure: text in, rows and problems out).

CSV with a header: ``letter_id`` (the manifest's ``letters-YYYY-MM-DD#000001``) or ``account_no``
(the latest letter rendered for the account by that date), ``tracking_no``, ``status`` (posted,
delivered or returned) and ``date`` (YYYY-MM-DD). Each problem names the file, the row (the header is
row 1) and the column, like the extract's import.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

from arrears.imports.problems import Problem
from arrears.kit.inputs import FIRST_DAY, LAST_DAY, shown
from arrears.messaging.letters.rules import parse_letter_id

STATUSES: Final = ("posted", "delivered", "returned")
COLUMNS: Final = ("letter_id", "account_no", "tracking_no", "status", "date")
REQUIRED: Final = ("tracking_no", "status", "date")
MAX_ROWS: Final = 1_000_000
_TRACKING = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._/-]{0,59}")


@dataclass(frozen=True, slots=True)
class TrackingRow:
    """One row of the file: ``row`` counts from the header (row 1)."""

    row: int
    letter_id: str | None
    account_no: str | None
    tracking_no: str
    status: str
    day: date


def _header(names: Sequence[str] | None, file: str) -> tuple[dict[str, str], list[Problem]]:
    found = {name.strip().lower(): name for name in names or ()}
    problems = [
        Problem(file, 1, column, "the column is missing") for column in REQUIRED if column not in found
    ]
    if "letter_id" not in found and "account_no" not in found:
        problems.append(Problem(file, 1, "letter_id", "a letter_id or an account_no column is needed"))
    return found, problems


def _cell(record: dict[str | None, str | None], header: dict[str, str], column: str) -> str:
    name = header.get(column)
    return (record.get(name) or "").strip() if name else ""


def _complaints(cells: dict[str, str]) -> list[tuple[str, str]]:
    """(column, what is wrong) for each bad cell of a row."""
    found: list[tuple[str, str]] = []
    letter, account = cells["letter_id"], cells["account_no"]
    if not letter and not account:
        found.append(("letter_id", "a letter_id or an account_no is needed"))
    if letter and parse_letter_id(letter) is None:
        found.append(("letter_id", f"{shown(letter)} is not a letter id (letters-YYYY-MM-DD#000001)"))
    if len(account) > 64:
        found.append(("account_no", "an account number has at most 64 characters"))
    if not _TRACKING.fullmatch(cells["tracking_no"]):
        said = shown(cells["tracking_no"])
        found.append(("tracking_no", f"{said} is not a tracking number (1 to 60 letters, digits, . _ / -)"))
    if cells["status"].lower() not in STATUSES:
        found.append(("status", f"{shown(cells['status'])} is not one of {', '.join(STATUSES)}"))
    if _day(cells["date"]) is None:
        found.append(
            ("date", f"{shown(cells['date'])} is not a date from {FIRST_DAY} to {LAST_DAY} (YYYY-MM-DD)")
        )
    return found


def _row(number: int, cells: dict[str, str], file: str) -> tuple[TrackingRow | None, list[Problem]]:
    complaints = _complaints(cells)
    day = _day(cells["date"])
    if complaints or day is None:
        return None, [Problem(file, number, column, message) for column, message in complaints]
    row = TrackingRow(number, cells["letter_id"] or None, cells["account_no"] or None, cells["tracking_no"],
                      cells["status"].lower(), day)  # fmt: skip
    return row, []


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def parse_tracking(text: str, *, file: str) -> tuple[list[TrackingRow], list[Problem]]:
    """The rows of a tracking file and every problem found (the rows are of use only without any)."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    at = 1  # the row being read
    try:  # the csv module's errors (a cell past its field limit) name no data
        header, problems = _header(reader.fieldnames, file)
        if problems:
            return [], problems
        rows: list[TrackingRow] = []
        at = 2
        for index, record in enumerate(reader, start=2):
            if index > MAX_ROWS + 1:
                problems.append(Problem(file, index, None, f"a tracking file has at most {MAX_ROWS:,} rows"))
                break
            row, found = _record(index, record, header, file)
            problems += found
            if row is not None:
                rows.append(row)
            at = index + 1
    except csv.Error as error:
        return [], [Problem(file, at, None, f"the row is not readable as CSV: {error}")]
    return rows, problems


def _record(
    index: int, record: dict[str | None, str | None], header: dict[str, str], file: str
) -> tuple[TrackingRow | None, list[Problem]]:
    cells = {column: _cell(record, header, column) for column in COLUMNS}
    extra = [Problem(file, index, None, "the row has more cells than the header")] if None in record else []
    row, found = _row(index, cells, file)
    return row, extra + found


@dataclass(frozen=True, slots=True)
class TrackedLetter:
    """A rendered letter as the post's tracking needs it."""

    message_id: int
    letter_id: str
    account_no: str | None
    status: str
    run_date: date | None
    sent_at: datetime | None
    contact_point_id: int | None


def letter_of(row: TrackingRow, *, by_id: dict[str, TrackedLetter],
              by_account: dict[str, list[TrackedLetter]]) -> TrackedLetter | None:  # fmt: skip
    """The letter a row names: by its id, else the latest rendered for the account on or before the
    row's date."""
    if row.letter_id is not None:
        return by_id.get(row.letter_id.strip())
    return next(
        (one for one in by_account.get(row.account_no or "", []) if one.run_date and one.run_date <= row.day),
        None,
    )


def row_problems(row: TrackingRow, letter: TrackedLetter | None, *, file: str, today: date) -> list[Problem]:
    """What is wrong with a row once its letter is looked for."""
    if letter is None:
        if row.letter_id is not None:
            return [Problem(file, row.row, "letter_id", f"no letter {shown(row.letter_id)} was rendered")]
        return [Problem(file, row.row, "account_no", f"no letter was rendered for the account by {row.day}")]
    if row.day > today:
        return [Problem(file, row.row, "date", f"{row.day} is after today ({today})")]
    if letter.run_date is not None and row.day < letter.run_date:
        return [Problem(file, row.row, "date", f"{row.day} is before the letter's date ({letter.run_date})")]
    return []


def next_status(current: str, said: str) -> str | None:
    """The message's status after the post says ``said``: delivered moves a sent letter on, returned
    fails a sent or delivered one (the address did not take it); None: it stays as it is."""
    if said == "delivered" and current == "sent":
        return "delivered"
    if said == "returned" and current in ("sent", "delivered"):
        return "failed"
    return None


def detail(row: TrackingRow) -> str:
    """The event's detail: what makes a row the same as one already applied."""
    return f"tracking {row.tracking_no} on {row.day.isoformat()}"


def event_time(day: date, *, zone: str, not_before: datetime | None) -> datetime:
    """When a tracking event is put in the timeline: the start of its day in the cardholders' zone, not
    before the letter was rendered (the post gives a date only)."""
    moment = datetime.combine(day, time(0), ZoneInfo(zone))
    return max(moment, not_before) if not_before is not None else moment
