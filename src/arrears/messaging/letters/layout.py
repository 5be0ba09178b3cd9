"""A letter as data for the Typst layout (letter.typ): plain JSON values, every text as it is printed.

Pure. The document is passed to Typst as JSON (``sys.inputs``), never spliced into markup, so a name or
an address with ``#``, ``$``, ``[`` or ``*`` in it prints as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import segno

from arrears.messaging.letters import rules, wording
from arrears.messaging.letters.rules import Owed

QR_MASK: Final = 4


@dataclass(frozen=True, slots=True)
class Bank:
    name: str
    address: str
    hotline: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LetterInput:
    """Everything one letter prints (the name and address in clear: build it just before typesetting)."""

    letter_id: str
    locale: str
    bank: Bank
    recipient: str
    address: str
    card_masked: str
    account_tail: str
    letter_date: date
    deadline: date
    owed: Owed
    title: str | None  # the template's subject; None: the form's own title
    body: str  # the filled template
    educated: bool  # the body ends with the financial-education block
    pay_url: str
    pay_ref: str
    collection: bool = True  # a service letter (a reply to a complaint) shows no amounts, no way to pay


def _lines(paragraph: str) -> list[str]:
    return [line.strip() for line in paragraph.splitlines() if line.strip()]


def document(letter: LetterInput, *, font: str) -> dict[str, Any]:
    """The letter as the layout reads it (``qr_svg`` is added by :func:`with_qr` when typesetting)."""
    locale = wording.locale_of(letter.locale)
    labels = wording.LABELS[locale]
    paragraphs, education = rules.split_body(letter.body, educated=letter.educated)
    return {
        "lang": locale,
        "font": font,
        "labels": dict(labels),
        "bank": {"name": letter.bank.name, "address": letter.bank.address, "hotline": letter.bank.hotline},
        "letter": {
            "key": letter.letter_id,
            "number": letter.letter_id,
            "title": letter.title or labels["title"],
        },
        "recipient": {"name": letter.recipient, "address_lines": rules.address_lines(letter.address)},
        "reference": [
            {"label": labels["date"], "value": wording.day(letter.letter_date, locale)},
            {"label": labels["card"], "value": letter.card_masked},
            {"label": labels["letter_no"], "value": letter.letter_id},
        ]
        + ([{"label": labels["pay_ref"], "value": letter.pay_ref}] if letter.collection else []),
        "body": [_lines(paragraph) for paragraph in paragraphs],
        "education": _lines(education) if education else [],
    } | (_demand(letter, locale, labels) if letter.collection else {"amounts": [], "pay": None})


def _demand(letter: LetterInput, locale: str, labels: Any) -> dict[str, Any]:
    """What a collection letter demands: the amounts, the date to pay by, the ways to pay."""
    return {
        "amounts": rules.owed_rows(letter.owed, dict(labels)),
        "deadline": wording.day(letter.deadline, locale),
        "pay": {
            "lines": wording.pay_lines(
                locale=locale, account_tail=letter.account_tail, hotline=letter.bank.hotline
            ),
            "url": letter.pay_url,
        },
    }


def qr_svg(url: str) -> str:
    """The payment link as a QR code: an SVG of one path, a horizontal stroke per run of dark modules
    (no quiet zone: the layout leaves the room). The mask pattern is fixed instead of scored eight ways
    (a fifth of the letter's time); any reader takes any mask."""
    matrix = segno.make(url, error="m", micro=False, mask=QR_MASK).matrix
    size = len(matrix)
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                runs.append(f"M{start} {y}.5h{x - start}")
            x += 1
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size}" height="{size}">'
        f'<path stroke="#000" d="{"".join(runs)}"/></svg>'
    )


def with_qr(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with its payment link's QR code (a letter with no way to pay has none)."""
    if doc["pay"] is None:
        return doc
    return doc | {"pay": doc["pay"] | {"qr_svg": qr_svg(doc["pay"]["url"])}}
