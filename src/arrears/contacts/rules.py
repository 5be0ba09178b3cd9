"""Pure decisions of the contact actions: the compliance situation of one contact from plain data.

The situation is laid out as the daily run lays out a planned contact (``comply.situation_of``) and
decided by the one rulebook (``arrears.compliance``): no rule lives here, only the translation of
what the store holds (holds, past contacts, the contact point) into the check contract's input.
No database, no clock: the moment is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from arrears.batch.steps.comply import situation_of
from arrears.compliance.check import blocks, decide
from arrears.compliance.policy import Policy
from arrears.compliance.situation import InputError, parse_situation
from arrears.contacts.inbound_rules import INBOUND_CHANNEL
from arrears.kit.errors import ArrearsError, ConfigurationError
from arrears.kit.localtime import local_text

PHONE_KINDS = ("mobile", "home_phone", "work_phone")
POINTED_CHANNELS = ("call", "sms")  # the channels whose contacts name a number


@dataclass(frozen=True, slots=True)
class Point:
    """A contact point as the rulebook needs it (never its value)."""

    id: int
    kind: str
    opted_out: bool
    consent_outside_hours: bool
    consent_extra_calls: bool


@dataclass(frozen=True, slots=True)
class PastContact:
    """A contact the caps and cadences count: a logged contact_event or an earlier run's action."""

    at: datetime
    channel: str
    point_id: int | None
    party: str
    connected: bool
    conversation: bool


@dataclass(frozen=True, slots=True)
class Reason:
    rule: str
    zh: str
    en: str


@dataclass(frozen=True, slots=True)
class ContactCheck:
    """The rulebook's decision on one contact at ``at``: allowed or not, each blocking rule with its
    reasons, and when the same contact would next be allowed (None when waiting does not help)."""

    allowed: bool
    channel: str
    contact_point_id: int | None
    party: str
    at: datetime
    reasons: tuple[Reason, ...]
    reason_zh: str
    reason_en: str
    next_allowed_at: datetime | None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(reason.rule for reason in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "decision": "allow" if self.allowed else "block",
            "channel": self.channel,
            "contact_point_id": self.contact_point_id,
            "party": self.party,
            "at": self.at.isoformat(),
            "rules": list(self.rules),
            "reasons": [{"rule": r.rule, "zh": r.zh, "en": r.en} for r in self.reasons],
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "next_allowed_at": self.next_allowed_at.isoformat() if self.next_allowed_at else None,
        }


class ContactBlocked(ArrearsError):
    """The rulebook blocks the contact; ``check`` says which rules and until when."""

    def __init__(self, check: ContactCheck, what_en: str, what_zh: str) -> None:
        later_en = later_zh = ""
        if check.next_allowed_at is not None:
            later = local_text(check.next_allowed_at)  # in its own zone (the cardholder's), labelled
            later_en = f" (allowed again from {later})"
            later_zh = f"（{later} 起允许）"
        super().__init__(
            f"{what_en} is blocked by the rulebook: {check.reason_en}{later_en}",
            f"{what_zh}不符合合规规则：{check.reason_zh}{later_zh}",
        )
        self.check = check


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(
            f'unknown time zone "{name}" (setting ARREARS_TIMEZONE)', f"未知时区“{name}”（ARREARS_TIMEZONE）"
        ) from None


def history(contacts: Sequence[PastContact], *, phone_id: int | None) -> list[dict[str, Any]]:
    """The contacts in the run's layout: a call or SMS that names no number went to the primary
    mobile (as ``store_portfolio`` reads them). A call the cardholder placed (``inbound_call``) is not
    one of the bank's contacts: the hours, caps and cooldowns neither refuse nor count it."""
    fallback = str(phone_id) if phone_id is not None else None
    return [
        {
            "at": c.at,
            "channel": c.channel,
            "contact_point": str(c.point_id)
            if c.point_id is not None
            else (fallback if c.channel in POINTED_CHANNELS else None),
            "party": c.party,
            "connected": c.connected,
            "conversation": c.conversation,
        }
        for c in contacts
        if c.channel != INBOUND_CHANNEL
    ]


def unreachable_since(contacts: Sequence[PastContact]) -> datetime | None:
    """When the debtor became unreachable (失联): the first call to the debtor that did not connect
    after the last one that did, when every later call failed too (None: reached, or not tried).
    Only the contacts read (the last days) are known, so this never overstates how long. A call the
    cardholder placed and was verified on (an ``inbound_call`` with the debtor) reaches them too."""
    reached = (c for c in contacts if c.channel == INBOUND_CHANNEL and c.party == "debtor" and c.connected)
    dialled = (c for c in contacts if c.channel == "call" and c.party == "debtor")
    calls = sorted((*dialled, *reached), key=lambda c: c.at)
    failed: list[datetime] = []
    for call in calls:
        failed = [] if call.connected else [*failed, call.at]
    return failed[0] if failed else None


def portfolio_row(
    *,
    point: Point | None,
    opted_out: Sequence[int],
    holds: Sequence[str],
    contacts: Sequence[PastContact],
    phone_id: int | None,
    zone: str,
) -> dict[str, Any]:
    """The account as ``comply.situation_of`` reads a portfolio row. The consents are those of the
    point contacted (the run, which contacts the primary mobile, takes that one's); every opted-out
    point of the customer is listed."""
    consents = []
    if point is not None and point.consent_outside_hours:
        consents.append("outside_hours")
    if point is not None and point.consent_extra_calls:
        consents.append("extra_calls")
    return {
        "contact_point": str(point.id) if point is not None else None,
        "zones": [zone],
        "holds": sorted(set(holds)),
        "consents": consents,
        "opted_out_points": [str(one) for one in opted_out],
        "recent_contacts": history(contacts, phone_id=phone_id),
    }


def situation(
    row: dict[str, Any],
    *,
    channel: str,
    at: datetime,
    party: str = "debtor",
    purpose: str = "collect",
    unreachable: datetime | None = None,
) -> dict[str, Any]:
    """The check contract's input for the contact (the run's situation plus who is contacted, why,
    and since when the debtor is unreachable)."""
    local = at.astimezone(zone_of(row["zones"][0]))
    built = situation_of(row, channel, local)
    built["action"] |= {"party": party, "purpose": purpose}
    built["debtor"]["unreachable_since"] = unreachable.isoformat() if unreachable else None
    return built


def decide_contact(policy: Policy, data: dict[str, Any], *, point_id: int | None) -> ContactCheck:
    """The rulebook's decision, with each blocking rule's own reasons."""
    try:
        parsed = parse_situation(data)
    except InputError as problem:
        raise ArrearsError(
            f"the contact cannot be checked: {problem}", f"无法检查该联系：{problem}"
        ) from None
    decision = decide(policy, parsed)
    found = blocks(policy, parsed, parsed.now)
    return ContactCheck(
        allowed=decision.decision == "allow",
        channel=parsed.action.channel,
        contact_point_id=point_id,
        party=parsed.action.party,
        at=parsed.now,
        reasons=tuple(Reason(block.rule, block.reason_zh, block.reason_en) for block in found),
        reason_zh=decision.reason_zh,
        reason_en=decision.reason_en,
        next_allowed_at=decision.next_allowed_at,
    )


def blocking_holds(policy: Policy, holds: Sequence[str]) -> list[str]:
    """The active holds that the policy says block contact (the run blocks its tasks with them too)."""
    return [kind for kind in holds if policy.holds is not None and kind in policy.holds.blocking]
