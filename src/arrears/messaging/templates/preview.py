"""What the template pages show of a version: filled with made-up facts in each language, and for an SMS
its length and segments (70 UCS-2 characters in one segment, 67 each when concatenated; 160/153 in the
GSM alphabet). Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from arrears.messaging.sms_segments import segments, units
from arrears.messaging.templates.errors import TemplateError
from arrears.messaging.templates.facts import sample_facts
from arrears.messaging.templates.rules import fill_draft
from arrears.messaging.templates.shipped import LOCALES, Draft, shipped


@dataclass(frozen=True, slots=True)
class Length:
    characters: int  # what counts: GSM septets or UTF-16 code units
    segments: int
    encoding: str  # gsm7 or ucs2
    per_segment: int  # 160/153 or 70/67


@dataclass(frozen=True, slots=True)
class Preview:
    locale: str
    text: str | None
    subject: str | None
    error_en: str | None
    error_zh: str | None
    length: Length | None  # SMS only


def length_of(text: str) -> Length:
    found = segments(text)
    return Length(units(text), found.count, found.encoding, found.per_segment_limit)


def preview(draft: Draft, *, today: date) -> list[Preview]:
    """The draft filled with sample facts in zh and en; a text that cannot be filled says why (and an
    SMS is then measured as typed)."""
    found = []
    for locale in LOCALES:
        try:
            filled = fill_draft(
                draft,
                facts=sample_facts(today=today, locale=locale),
                locale=locale,
                version=0,
                book=shipped(),
            )
        except TemplateError as problem:
            measured = length_of(draft.body(locale)) if draft.channel == "sms" else None
            found.append(Preview(locale, None, None, problem.message_en, problem.message_zh, measured))
            continue
        measured = length_of(filled.text) if draft.channel == "sms" else None
        found.append(Preview(locale, filled.text, filled.subject, None, None, measured))
    return found
