"""Pure decisions of the letters: which address a letter goes to, what it says is owed, its number, its
payment link, and the rows of the print house's manifest and of the skipped list.

No database, no clock, no logging: names and addresses pass through here in clear (a letter is the
one message that carries them), so nothing here prints or raises with them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from arrears.kit.money import format_fen

ADDRESS_KINDS: Final = ("home_address", "work_address")  # in order of preference
LETTER_ID_PREFIX: Final = "letters-"
_LETTER_ID = re.compile(r"letters-(\d{4}-\d{2}-\d{2})#(\d{6,})\Z")
MANIFEST_COLUMNS: Final = (
    "sequence", "letter_id", "account_no", "recipient", "address", "pages", "first_page", "file", "sha256",
)  # fmt: skip
SKIPPED_COLUMNS: Final = ("message_id", "account_no", "status", "reason_code", "reason")


@dataclass(frozen=True, slots=True)
class AddressPoint:
    """A mailing address of the cardholder as the choice needs it (never its value)."""

    id: int
    kind: str
    is_primary: bool
    invalid: bool


@dataclass(frozen=True, slots=True)
class Skip:
    """Why a letter is not rendered: a code for the list, the reason in English and Chinese, and what
    becomes of its message (``failed``, ``cancelled``, ``expired``, or ``queued``: left as it is)."""

    code: str
    en: str
    zh: str
    status: str = "failed"


NO_ADDRESS: Final = Skip(
    "no_address", "no mailing address (home or work) on file", "没有邮寄地址（家庭或单位地址）"
)
ADDRESS_INVALID: Final = Skip(
    "address_invalid",
    "the mailing address is marked invalid (letters came back)",
    "邮寄地址已标记为无效（信件被退回）",
)


def choose_address(
    points: Sequence[AddressPoint], *, named_id: int | None = None
) -> tuple[AddressPoint | None, Skip | None]:
    """The address a letter goes to: the one its message names when that is a valid mailing address,
    else the primary valid home address, then the primary valid work address, then any valid one
    (home before work, oldest first). None with the reason when there is none."""
    mailing = [point for point in points if point.kind in ADDRESS_KINDS]
    valid = [point for point in mailing if not point.invalid]
    named = next((point for point in valid if point.id == named_id), None)
    if named is not None:
        return named, None
    if not valid:
        return None, ADDRESS_INVALID if mailing else NO_ADDRESS
    ranked = sorted(valid, key=lambda p: (not p.is_primary, ADDRESS_KINDS.index(p.kind), p.id))
    return ranked[0], None


def address_lines(address: str) -> list[str]:
    """The address as printed: its own lines, trimmed, empty ones dropped."""
    return [line.strip() for line in address.splitlines() if line.strip()]


def mask_card(number: str) -> str:
    """``6222021234567890`` -> ``6222 **** **** 7890``; a short number shows its last four only."""
    compact = re.sub(r"[\s-]", "", number)
    if len(compact) < 12:
        return "****" + compact[-4:]
    hidden = "*" * (len(compact) - 8)
    middle = " ".join(hidden[i : i + 4] for i in range(0, len(hidden), 4))
    return f"{compact[:4]} {middle} {compact[-4:]}"


@dataclass(frozen=True, slots=True)
class Owed:
    """What the letter says is owed, in fen: the balance's parts, what is overdue, the least that
    brings the account up to date (the overdue minimums) and what settles it in full."""

    principal_fen: int
    interest_fen: int
    fee_fen: int
    overdue_fen: int

    @property
    def balance_fen(self) -> int:
        return self.principal_fen + self.interest_fen + self.fee_fen

    @property
    def minimum_fen(self) -> int:
        return min(self.overdue_fen, self.balance_fen)

    @property
    def payoff_fen(self) -> int:
        return self.balance_fen


def owed_rows(owed: Owed, labels: dict[str, str]) -> list[dict[str, object]]:
    """The table of what is owed: label, amount in yuan, and whether the row stands out."""
    rows = (
        ("principal", owed.principal_fen, False),
        ("interest", owed.interest_fen, False),
        ("fees", owed.fee_fen, False),
        ("balance", owed.balance_fen, False),
        ("overdue", owed.overdue_fen, True),
        ("minimum", owed.minimum_fen, True),
        ("payoff", owed.payoff_fen, False),
    )
    return [{"label": labels[key], "value": format_fen(fen), "strong": strong} for key, fen, strong in rows]


def deadline(*, letter_date: date, days: int) -> date:
    """The day by which the letter asks for payment."""
    return letter_date + timedelta(days=days)


def letter_id(*, run_date: date, sequence: int) -> str:
    """The letter's number for the print house, its provider id: ``letters-2026-11-24#000001``."""
    return f"{LETTER_ID_PREFIX}{run_date.isoformat()}#{sequence:06d}"


def parse_letter_id(text: str) -> tuple[date, int] | None:
    """``letters-2026-11-24#000001`` -> (that date, 1); None for anything else."""
    found = _LETTER_ID.match(text.strip())
    if found is None:
        return None
    try:
        return date.fromisoformat(found.group(1)), int(found.group(2))
    except ValueError:
        return None


def pay_ref(*, message_id: int, tag: str) -> str:
    """The opaque reference of the letter's payment link: its message number and a keyed tag (so a
    reference cannot be guessed from another); it names no person and no account."""
    return f"L{message_id}.{tag[:16]}"


def pay_url(base: str, *, ref: str) -> str:
    """``base`` with ``ref=<ref>`` added to its query (replacing a ``ref`` already there)."""
    parts = urlsplit(base)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if key != "ref"]
    return urlunsplit(parts._replace(query=urlencode([*query, ("ref", ref)])))


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One rendered letter as the print house's manifest lists it."""

    sequence: int
    letter_id: str
    account_no: str
    recipient: str
    address: str
    pages: int
    first_page: int  # in the day's merged PDF, from 1
    file: str  # the letter's own PDF, relative to the output folder
    sha256: str  # of the letter's own PDF bytes


_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def as_text_cell(value: str) -> str:
    """A cell a spreadsheet would run as a formula (it starts with = + - @, a tab or a return) kept as
    text by a leading apostrophe, which spreadsheets do not show."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def manifest_row(entry: ManifestEntry) -> list[str]:
    """The manifest's CSV row (the address on one line, its lines joined by a space); the recipient and
    address, which come from the bank's data, are kept as text (:func:`as_text_cell`)."""
    return [
        str(entry.sequence), entry.letter_id, entry.account_no, as_text_cell(entry.recipient),
        as_text_cell(" ".join(address_lines(entry.address))), str(entry.pages), str(entry.first_page),
        entry.file, entry.sha256,
    ]  # fmt: skip


def skipped_row(*, message_id: int, account_no: str, skip: Skip) -> list[str]:
    return [str(message_id), account_no, skip.status, skip.code, skip.en]


def split_body(text: str, *, educated: bool) -> tuple[list[str], str | None]:
    """The filled template as paragraphs (blank lines apart) and, for a letter that carries the
    financial-education block (appended last by the template, after a blank line), that block apart."""
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    if educated and len(paragraphs) > 1:
        return paragraphs[:-1], paragraphs[-1]
    return paragraphs, None
