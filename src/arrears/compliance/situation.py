"""The check contract's input, parsed into typed values; anything malformed is an InputError."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arrears.compliance.policy import CHANNELS, HOLDS, PURPOSES
from arrears.kit.inputs import FIRST_DAY, LAST_DAY

PARTIES = ("debtor", "guarantor", "third_party")
CONSENTS = ("outside_hours", "extra_calls")


class InputError(ValueError):
    """One line of input cannot be decided; the message says which field and why."""


@dataclass(frozen=True, slots=True)
class Action:
    channel: str
    party: str
    contact_point: str | None
    actor: str  # "bank" or "agency:<code>"
    purpose: str
    discloses_debt: bool
    staff_count: int | None
    recording: bool | None

    @property
    def agency_code(self) -> str | None:
        return self.actor.split(":", 1)[1] if self.actor.startswith("agency:") else None


@dataclass(frozen=True, slots=True)
class Agency:
    code: str | None
    whitelisted: bool
    last_inspection_date: date | None
    contract_valid_until: date | None


@dataclass(frozen=True, slots=True)
class Contact:
    at: datetime
    channel: str
    contact_point: str | None
    party: str
    actor: str
    connected: bool
    conversation: bool


@dataclass(frozen=True, slots=True)
class Situation:
    id: object
    now: datetime
    action: Action
    zones: tuple[ZoneInfo, ...]  # the first one is the debtor's home zone: it defines "the day"
    holds: tuple[str, ...]
    unreachable_since: datetime | None
    consents: tuple[str, ...]
    opted_out_points: tuple[str, ...]
    agency: Agency | None
    history: tuple[Contact, ...]

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zones[0])

    def today(self, moment: datetime | None = None) -> date:
        return self.local(moment or self.now).date()


def _object(value: object, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError(f"{field} must be an object")
    return value


def _text(data: Mapping[str, Any], key: str, field: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value:
        raise InputError(
            f"{field}.{key} is required (text)" if value is None else f"{field}.{key} must be text"
        )
    return value


def _choice(
    data: Mapping[str, Any], key: str, field: str, options: Sequence[str], default: str | None = None
) -> str:
    value = _text(data, key, field, default)
    if value not in options:
        raise InputError(f'{field}.{key}: unknown value "{value}" (one of {", ".join(options)})')
    return value


def _flag(data: Mapping[str, Any], key: str, field: str, default: bool | None) -> bool | None:
    value = data.get(key, default)
    if value is not None and not isinstance(value, bool):
        raise InputError(f"{field}.{key} must be true or false")
    return value


def moment(value: object, field: str) -> datetime:
    """An ISO 8601 timestamp with an offset; a timestamp without one is refused."""
    if not isinstance(value, str):
        raise InputError(f"{field} must be an ISO 8601 timestamp with an offset")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f'{field}: "{value}" is not an ISO 8601 timestamp') from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InputError(f'{field}: "{value}" has no offset (write it like 2026-11-23T21:50:00+08:00)')
    _supported(parsed.date(), value, field)
    return parsed


def _day(value: object, field: str) -> date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{field} must be a date (YYYY-MM-DD)")
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f'{field}: "{value}" is not a date (YYYY-MM-DD)') from None
    _supported(day, value, field)
    return day


def _supported(day: date, value: str, field: str) -> None:
    """Refuses a date outside the supported range (``kit.inputs``: the hour and window arithmetic never
    overflows inside it)."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InputError(f'{field}: "{value}" is outside the supported dates ({FIRST_DAY} to {LAST_DAY})')


def _zones(values: object) -> tuple[ZoneInfo, ...]:
    if not isinstance(values, list) or not values:
        raise InputError("debtor.timezones must list at least one IANA time zone")
    zones = []
    for value in values:
        if not isinstance(value, str):
            raise InputError("debtor.timezones must hold zone names")
        try:
            zones.append(ZoneInfo(value))
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f'debtor.timezones: unknown time zone "{value}"') from None
    return tuple(zones)


def _strings(values: object, field: str, options: Sequence[str] | None = None) -> tuple[str, ...]:
    if values is None:
        return ()
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InputError(f"{field} must be a list of texts")
    for value in values:
        if options is not None and value not in options:
            raise InputError(f'{field}: unknown value "{value}" (one of {", ".join(options)})')
    return tuple(values)


def _actor(data: Mapping[str, Any], field: str) -> str:
    actor = _text(data, "actor", field, "bank")
    if actor != "bank" and not (actor.startswith("agency:") and len(actor) > len("agency:")):
        raise InputError(f'{field}.actor: "{actor}" is neither "bank" nor "agency:<code>"')
    return actor


def _action(data: Mapping[str, Any]) -> Action:
    purpose = _choice(data, "purpose", "action", PURPOSES, "collect")
    staff = data.get("staff_count")
    if staff is not None and (not isinstance(staff, int) or isinstance(staff, bool) or staff < 0):
        raise InputError("action.staff_count must be a whole number")
    point = data.get("contact_point")
    if point is not None and not isinstance(point, str):
        raise InputError("action.contact_point must be text")
    return Action(
        channel=_choice(data, "channel", "action", CHANNELS),
        party=_choice(data, "party", "action", PARTIES, "debtor"),
        contact_point=point,
        actor=_actor(data, "action"),
        purpose=purpose,
        discloses_debt=bool(_flag(data, "discloses_debt", "action", purpose == "collect")),
        staff_count=staff,
        recording=_flag(data, "recording", "action", None),
    )


def _contact(index: int, value: object) -> Contact:
    field = f"history[{index}]"
    data = _object(value, field)
    point = data.get("contact_point")
    return Contact(
        at=moment(data.get("at"), f"{field}.at"),
        channel=_choice(data, "channel", field, CHANNELS),
        contact_point=point if isinstance(point, str) else None,
        party=_choice(data, "party", field, PARTIES, "debtor"),
        actor=_actor(data, field),
        connected=bool(_flag(data, "connected", field, False)),
        conversation=bool(_flag(data, "conversation", field, False)),
    )


def _unreachable(value: object, zones: tuple[ZoneInfo, ...]) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str) and len(value) == 10:
        day = _day(value, "debtor.unreachable_since")
        assert day is not None
        return datetime.combine(day, time(0), zones[0])
    return moment(value, "debtor.unreachable_since")


def parse_situation(data: object) -> Situation:
    """The typed situation of one input line (a decoded JSON object)."""
    line = _object(data, "the line")
    debtor = _object(line.get("debtor"), "debtor")
    zones = _zones(debtor.get("timezones"))
    agency_data = line.get("agency")
    agency = None
    if agency_data is not None:
        fields = _object(agency_data, "agency")
        agency = Agency(
            code=fields.get("code") if isinstance(fields.get("code"), str) else None,
            whitelisted=bool(_flag(fields, "whitelisted", "agency", False)),
            last_inspection_date=_day(fields.get("last_inspection_date"), "agency.last_inspection_date"),
            contract_valid_until=_day(fields.get("contract_valid_until"), "agency.contract_valid_until"),
        )
    history = line.get("history") or []
    if not isinstance(history, list):
        raise InputError("history must be a list")
    return Situation(
        id=line.get("id"),
        now=moment(line.get("now"), "now"),
        action=_action(_object(line.get("action"), "action")),
        zones=zones,
        holds=_strings(debtor.get("holds"), "debtor.holds", HOLDS),
        unreachable_since=_unreachable(debtor.get("unreachable_since"), zones),
        consents=_strings(debtor.get("consents"), "debtor.consents", CONSENTS),
        opted_out_points=_strings(debtor.get("opted_out_points"), "debtor.opted_out_points"),
        agency=agency,
        history=tuple(_contact(i, entry) for i, entry in enumerate(history)),
    )
