"""The contact actions' inputs as the API and the pages receive them (validated, nothing more)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from arrears.contacts.templates import Locale
from arrears.kit.inputs import Moment, RecordId
from arrears.models import HOLD_KINDS, REQUEST_KINDS

HoldKind = Literal[
    "dispute",
    "complaint",
    "hardship",
    "deceased",
    "bankruptcy",
    "litigation",
    "cease_contact",
    "breathing_space",
]
RequestKind = Literal["visit", "legal_review"]
assert HoldKind.__args__ == HOLD_KINDS and RequestKind.__args__ == REQUEST_KINDS  # type: ignore[attr-defined]


def _with_offset(value: datetime | None) -> datetime | None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError("needs a time zone offset, like 2026-11-24T10:00:00+08:00")
    return value


class SmsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: str = Field(min_length=1, max_length=60)
    locale: Locale = "zh"  # the language sent (preview shows both)


class CallbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    due_at: Moment
    note: str | None = Field(default=None, max_length=2000)
    contact_point_id: RecordId | None = None  # the number to call back (default: the primary mobile)

    _offset = field_validator("due_at")(_with_offset)


class CaseRequestBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)


class HoldRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: HoldKind
    reason: str = Field(min_length=1, max_length=2000)
    expires_at: Moment | None = None
    whole_customer: bool = True  # every account of the cardholder (False: this account only)

    _offset = field_validator("expires_at")(_with_offset)


class LiftRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000)
