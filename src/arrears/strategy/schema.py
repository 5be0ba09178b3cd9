"""A collection strategy as data: segments of the book, the treatment of each, and test arms.

A strategy file (YAML) names treatments (channel steps with cadence and deadlines) and segments
(conditions on the account). Segments must not overlap, so every account falls in at most one; a
segment gives its accounts one treatment, or splits them into arms by traffic share (champion and
challengers). ``on_broken_promise`` names the treatment an account escalates to when it broke a
promise to pay.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from types import MappingProxyType
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from arrears.accounts.rules import DEFAULT_BUCKETS

# email: to the customer's e-mail address; push: an app or WeChat notice to the customer's account
Channel = Literal["sms", "call", "letter", "visit", "legal_review", "agency_placement", "email", "push"]
CHANNELS: tuple[str, ...] = Channel.__args__  # type: ignore[attr-defined]
BUCKETS = tuple(band.code for band in DEFAULT_BUCKETS.bands)
MESSAGE_CHANNELS = ("sms", "email", "push", "letter")  # a step's template is a governed one of its channel
NEEDS_TEMPLATE = ("email", "push")
TIERS = ("A", "B", "C", "D", "E")


@lru_cache(maxsize=1)
def governed_templates() -> Mapping[str, str]:
    """Name -> channel of the collection templates Arrears ships (``messaging/templates/shipped.toml``),
    which the store seeds as approved version 1: the names a strategy's message steps may use (a
    service template, a one-time code say, never carries collection content)."""
    from arrears.messaging.templates.shipped import shipped  # the template package reads the store

    drafts = shipped().templates.values()
    return MappingProxyType({d.name: d.channel for d in drafts if d.kind == "collection"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Label(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Step(_Strict):
    """One channel of a treatment: on given days after the account enters the segment (``days``),
    every ``every`` days, and/or by a deadline (``within`` days)."""

    channel: Channel
    days: tuple[int, ...] = ()
    every: int | None = Field(default=None, ge=1)
    within: int | None = Field(default=None, ge=0)
    template: str | None = None

    @model_validator(mode="after")
    def _when(self) -> Step:
        if not self.days and self.every is None and self.within is None:
            raise ValueError("a step needs days, every or within")
        if any(day < 1 for day in self.days):
            raise ValueError("days count from 1 (the day the account enters the segment)")
        return self

    @model_validator(mode="after")
    def _template(self) -> Step:
        """A message step names a governed template of its channel (an e-mail or notice must name one)."""
        if self.template is None:
            if self.channel in NEEDS_TEMPLATE:
                raise ValueError(f"a step of channel {self.channel} needs a template")
            return self
        if self.channel in MESSAGE_CHANNELS and governed_templates().get(self.template) != self.channel:
            known = sorted(name for name, channel in governed_templates().items() if channel == self.channel)
            raise ValueError(
                f"template {self.template} is not a governed {self.channel} collection template"
                f" (known: {', '.join(known)})"
            )
        return self


class Treatment(_Strict):
    label: Label
    steps: tuple[Step, ...] = ()  # none: the accounts are left alone (on hold, say)


class Range(_Strict):
    """Inclusive bounds; either may be left out."""

    min: Decimal | None = None
    max: Decimal | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is larger than max")
        return self


class Conditions(_Strict):
    """All must hold (a condition left out holds for every account)."""

    dpd: Range | None = None
    bucket: tuple[str, ...] | None = None
    balance: Range | None = None  # yuan
    score: Range | None = None  # 0-1000 points, higher is better
    # the score's ability component: the capacity features' part of it (limit, balances, utilisation,
    # profile), in points; 0 is the average cardholder, higher is more able to pay
    ability: Range | None = None
    risk_tier: tuple[str, ...] | None = None
    product: tuple[str, ...] | None = None
    hold: bool | None = None  # an active hold on the account or its customer
    was_late_before: bool | None = None  # an earlier delinquency that was cured

    @field_validator("bucket", "risk_tier")
    @classmethod
    def _known(cls, value: tuple[str, ...] | None, info: ValidationInfo) -> tuple[str, ...] | None:
        known = BUCKETS if info.field_name == "bucket" else TIERS
        unknown = [code for code in value or () if code not in known]
        if unknown:
            what = "bucket" if info.field_name == "bucket" else "risk tier"
            raise ValueError(f"unknown {what} {', '.join(unknown)} (known: {', '.join(known)})")
        return value


class Arm(_Strict):
    id: str = Field(min_length=1)
    share: int = Field(gt=0, le=100)  # percent of the segment's accounts
    treatment: str


class SelfService(_Strict):
    """What a cardholder of the segment may agree alone in the portal (``/my``), within the self-service
    authority of the arrangements' matrix: up to ``max_instalments`` monthly instalments, a waiver of
    up to ``max_waiver_share`` of the interest and fees, a down payment of at least
    ``min_down_payment_share`` of what the plan collects, a payment deferred by up to ``deferral_days``,
    and a promise to pay at most ``promise_days`` ahead. Offers never change the run's decisions."""

    max_instalments: int = Field(default=0, ge=0, le=36)  # 0: no instalment plan offered
    max_waiver_share: Decimal = Field(default=Decimal(0), ge=0, le=1)
    min_down_payment_share: Decimal = Field(default=Decimal(0), ge=0, lt=1)
    deferral_days: int = Field(default=0, ge=0, le=180)  # 0: no deferral offered
    promise_days: int = Field(default=0, ge=0, le=60)  # 0: no promise to pay offered

    @model_validator(mode="after")
    def _something(self) -> SelfService:
        if self.max_instalments == 1:
            raise ValueError("max_instalments: an instalment plan has 2 or more instalments (0: none)")
        if not (self.max_instalments or self.deferral_days or self.promise_days):
            raise ValueError(
                "self_service offers nothing: give max_instalments, deferral_days or promise_days"
            )
        return self


class Segment(_Strict):
    id: str = Field(min_length=1)
    label: Label
    when: Conditions
    treatment: str | None = None
    arms: tuple[Arm, ...] = ()
    on_broken_promise: str | None = None
    self_service: SelfService | None = None  # the portal's offers to the segment's cardholders

    @model_validator(mode="after")
    def _one_way(self) -> Segment:
        if (self.treatment is None) == (not self.arms):
            raise ValueError("give either treatment or arms")
        if self.arms:
            total = sum(arm.share for arm in self.arms)
            if total != 100:
                raise ValueError(f"arm shares sum to {total}%, not 100%")
            names = [arm.id for arm in self.arms]
            if len(set(names)) != len(names):
                raise ValueError("arm ids repeat")
        return self

    def arms_or_one(self) -> tuple[Arm, ...]:
        """The arms; a segment with one treatment is one arm, ``champion``, with all the traffic."""
        if self.arms:
            return self.arms
        assert self.treatment is not None
        return (Arm(id="champion", share=100, treatment=self.treatment),)


class Economics(_Strict):
    """What one action of a channel costs, and what it is expected to bring: it raises the chance
    that the account pays by ``lift`` times the model's probability of paying; an agency keeps
    ``commission`` of what it recovers."""

    cost: Decimal = Field(ge=0)  # yuan
    lift: float = Field(ge=0, le=1)
    commission: float = Field(default=0.0, ge=0, lt=1)


class Staffed(_Strict):
    """A team's day: ``people`` (collectors, visiting pairs, lawyers) times ``per_person`` actions."""

    people: int = Field(ge=0)
    per_person: int = Field(ge=0)

    @property
    def total(self) -> int:
        return self.people * self.per_person


class Strategy(_Strict):
    name: str = Field(min_length=1)
    version: int = Field(ge=1)
    label: Label
    treatments: dict[str, Treatment]
    segments: tuple[Segment, ...] = Field(min_length=1)
    economics: dict[Channel, Economics]
    capacity: dict[Channel, Annotated[int, Field(ge=0)] | Staffed] = {}  # a channel left out: no limit

    def limits(self) -> dict[str, int]:
        """Actions a day per limited channel."""
        return {str(channel): v if isinstance(v, int) else v.total for channel, v in self.capacity.items()}

    @model_validator(mode="after")
    def _references(self) -> Strategy:
        ids = [segment.id for segment in self.segments]
        repeated = sorted({one for one in ids if ids.count(one) > 1})
        if repeated:
            raise ValueError(f"segment ids repeat: {', '.join(repeated)}")
        for segment in self.segments:
            named = [arm.treatment for arm in segment.arms_or_one()]
            named += [segment.on_broken_promise] if segment.on_broken_promise else []
            unknown = [name for name in named if name not in self.treatments]
            if unknown:
                raise ValueError(f"segment {segment.id}: unknown treatment {', '.join(unknown)}")
        used = {step.channel for treatment in self.treatments.values() for step in treatment.steps}
        unpriced = sorted(used - set(self.economics))
        if unpriced:
            raise ValueError(f"economics: no cost and lift for {', '.join(unpriced)}")
        return self
