"""Policies: every parameter of the rulebook as data (TOML files), validated with clear messages.

A section that is absent switches its rule off; ``cn`` and ``us`` ship in ``policies/``. A bank copies
one, edits it and passes ``--policy PATH``.
"""

from __future__ import annotations

import tomllib
from datetime import time
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from arrears.kit.errors import ConfigurationError
from arrears.kit.named_files import read_named_or_file
from arrears.models.hold import HOLD_KINDS

# push: an app or WeChat official-account notice, an electronic notice like SMS for the rules
Channel = Literal["call", "sms", "email", "push", "voicemail", "letter", "visit"]
Purpose = Literal["collect", "locate", "relay_message"]
Consent = Literal["outside_hours", "extra_calls"]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]
HOLDS: tuple[str, ...] = HOLD_KINDS  # the kinds of the hold table
PURPOSES: tuple[str, ...] = Purpose.__args__  # type: ignore[attr-defined]
BUILT_IN = ("cn", "us")


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    rule: str = Field(min_length=1)


class Hours(_Rule):
    start: time
    end: time
    end_allowed: bool = False  # whether the end instant itself is still allowed
    exempt_channels: tuple[Channel, ...] = ("letter",)
    lifted_by_consent: Consent | None = None

    @field_validator("end")
    @classmethod
    def _after_start(cls, end: time, info: object) -> time:
        start = getattr(info, "data", {}).get("start")
        if start is not None and end <= start:
            raise ValueError("end must be later than start")
        return end


class DailyCap(_Rule):
    """At most ``max_per_day`` calls of a kind on the debtor's local day (connected ones, or
    attempts to one number)."""

    max_per_day: int = Field(ge=0)
    lifted_by_consent: Consent | None = None


class RollingCalls(_Rule):
    max_attempts: int = Field(ge=0)
    days: int = Field(ge=1)


class ConversationCooldown(_Rule):
    days: int = Field(ge=1)


class ThirdParty(_Rule):
    min_unreachable_days: int | None = Field(default=None, ge=0)  # None: no such condition
    allowed_purposes: tuple[Purpose, ...]
    may_disclose_debt: bool = False
    once_per_contact: bool = False


class OptOut(_Rule):
    channels: tuple[Channel, ...]


class Holds(_Rule):
    blocking: tuple[str, ...]
    # a hardship request pauses collection this many days while the bank assesses it (0: it only changes
    # the offer); the service desk places a breathing_space hold that expires after them
    hardship_pause_days: int = Field(default=0, ge=0, le=366)

    @field_validator("blocking")
    @classmethod
    def _known(cls, blocking: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [kind for kind in blocking if kind not in HOLD_KINDS]
        if unknown:
            raise ValueError(f"unknown hold {', '.join(unknown)} (one of {', '.join(HOLD_KINDS)})")
        return blocking


class Visit(_Rule):
    min_staff: int = Field(ge=1)
    recording_required: bool = True


class Agency(_Rule):
    require_whitelist: bool = True
    max_days_since_inspection: int | None = Field(default=None, ge=0)
    require_valid_contract: bool = True


class Lexicon(_Rule):
    """Terms a template may not carry (matched ignoring case, full-width forms and spaces)."""

    terms: tuple[str, ...] = Field(min_length=1)

    @field_validator("terms")
    @classmethod
    def _not_blank(cls, terms: tuple[str, ...]) -> tuple[str, ...]:
        if any(not term.strip() for term in terms):
            raise ValueError("a term is empty")
        return terms


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    retention_years: int = Field(ge=1)
    hours: Hours | None = None
    connected_calls: DailyCap | None = None
    attempts_per_point: DailyCap | None = None
    rolling_calls: RollingCalls | None = None
    conversation_cooldown: ConversationCooldown | None = None
    third_party: ThirdParty | None = None
    opt_out: OptOut | None = None
    holds: Holds | None = None
    visit: Visit | None = None
    agency: Agency | None = None
    template_threats: Lexicon | None = None  # what no template may say (threats, misleading claims)
    service_content: Lexicon | None = None  # the demand terms a service message may not carry


def _location(error: dict[str, object]) -> str:
    return ".".join(str(part) for part in error["loc"]) or "(file)"  # type: ignore[attr-defined]


def parse_policy(text: str, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(
            f"{source}: not valid TOML ({error})", f"{source}：不是有效的 TOML（{error}）"
        ) from None
    try:
        return Policy.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{_location(e)}: {e['msg']}" for e in error.errors())  # type: ignore[arg-type]
        raise ConfigurationError(f"{source}: {problems}", f"{source}：{problems}") from None


def load_policy(name_or_path: str) -> Policy:
    """A built-in policy (``cn``, ``us``) or a policy file."""
    text, source = read_named_or_file(
        name_or_path,
        kind="policy",
        kind_zh="合规规则",
        package="arrears.compliance",
        folder="policies",
        built_in=BUILT_IN,
    )
    return parse_policy(text, source)
