"""The dossier's pure parts: a cardholder's age, the score's willingness and ability read as bands,
and what a collector or visitor may record as a learned fact (checked, and masked for display).

No session, no clock: the day and the values come in from the edge.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal

from arrears.kit.inputs import InvalidField, check_day
from arrears.kit.masking import mask_address, mask_free_text, mask_organisation, mask_phone
from arrears.models.learned_fact import FACT_KINDS, FACT_SOURCES

Level = Literal["high", "medium", "low"]

# The score's scale (arrears.scoring.model.SCALE): 50 points double the odds of paying.
POINTS_TO_DOUBLE_ODDS = 50.0
# Willingness is the score's points from payment behaviour with the model's base rate: on its own it
# is the log-odds of paying in points (0: even odds). High from 2:1 (about 67 %), low below 1:2.
WILLINGNESS_HIGH = POINTS_TO_DOUBLE_ODDS
WILLINGNESS_LOW = -POINTS_TO_DOUBLE_ODDS
# Ability is the points from limit, balances and profile against the book's average (0): high when
# they raise the odds of paying by a quarter or more, low when they lower them as much.
ABILITY_STEP = round(POINTS_TO_DOUBLE_ODDS * math.log2(1.25))  # 16 points


def age_on(birth_date: date | None, day: date) -> int | None:
    """Full years from ``birth_date`` to ``day`` (None when the birth date is unknown)."""
    if birth_date is None:
        return None
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - before_birthday


def willingness_level(points: int) -> Level:
    """High, medium or low willingness from the score's willingness points."""
    if points >= WILLINGNESS_HIGH:
        return "high"
    return "low" if points < WILLINGNESS_LOW else "medium"


def ability_level(points: int) -> Level:
    """High, medium or low ability from the score's ability points."""
    if points >= ABILITY_STEP:
        return "high"
    return "low" if points <= -ABILITY_STEP else "medium"


def chance_of_paying(willingness: int) -> float:
    """The chance of paying that payment behaviour alone implies (0.5 at 0 points)."""
    return 1.0 / (1.0 + math.pow(2.0, -willingness / POINTS_TO_DOUBLE_ODDS))


# -- learned facts ------------------------------------------------------------------------------

MAX_FACT_CHARACTERS = 300
PERSONAL_KINDS = frozenset({"employer", "address", "phone"})  # masked like the bank's contact points
_PHONE = re.compile(r"^(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


@dataclass(frozen=True, slots=True)
class FactInput:
    """A fact as a collector or visitor records it."""

    kind: str
    value: str
    source: str
    learned_date: date


def checked_fact(fact: FactInput, *, today: date) -> FactInput:
    """The fact with its value tidied (spaces trimmed; a phone without separators), or InvalidField
    naming the field at fault. It may have been learned on ``today`` or before, not after."""
    if fact.kind not in FACT_KINDS:
        raise InvalidField("kind", f"{fact.kind!r} is not a kind of fact", f"{fact.kind!r} 不是信息类别")
    if fact.source not in FACT_SOURCES:
        raise InvalidField("source", f"{fact.source!r} is not a source", f"{fact.source!r} 不是信息来源")
    value = " ".join(fact.value.split())
    if not value:
        raise InvalidField("value", "write what you learned", "请填写了解到的信息")
    if len(value) > MAX_FACT_CHARACTERS:
        raise InvalidField(
            "value",
            f"at most {MAX_FACT_CHARACTERS} characters ({len(value)})",
            f"不能超过 {MAX_FACT_CHARACTERS} 个字符（现为 {len(value)} 个）",
        )
    if fact.kind == "phone":
        value = value.replace(" ", "")
        if not _PHONE.match(value):
            raise InvalidField(
                "value",
                "is not a phone number (a mobile of 11 digits, or a landline with its area code)",
                "不是电话号码（11 位手机号，或带区号的固定电话）",
            )
    check_day(fact.learned_date, field="learned_date")
    if fact.learned_date > today:
        raise InvalidField(
            "learned_date", f"is after today ({today.isoformat()})", f"晚于今天（{today.isoformat()}）"
        )
    return FactInput(kind=fact.kind, value=value, source=fact.source, learned_date=fact.learned_date)


def masked_fact(kind: str, value: str, *, known: Mapping[str, str] | None = None) -> str:
    """What a reader without ``pii:reveal`` sees of a fact: an employer, address or phone masked like
    the bank's; other facts as free text with the personal data in them masked (``known``: the
    cardholder's own name, phones and addresses with their masks)."""
    if kind == "employer":
        return mask_organisation(value)
    if kind == "address":
        return mask_address(value)
    if kind == "phone":
        return mask_phone(value)
    return mask_free_text(value, known=known)
