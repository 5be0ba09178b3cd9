"""Times on the pages. Instants are stored in UTC; a page shows each one local to whoever it
matters to, with the zone's label:

- ``cardholder``: when a contact with the cardholder happened or may happen (calls, callbacks, the
  dialling check's next allowed time, visits), in the cardholders' zone (``ARREARS_TIMEZONE``, the
  one the contact rules apply);
- ``staff``: when staff did something (a plan proposed or decided, a hold placed or lifted, a safety
  alert raised), in the staff's zone (``ARREARS_STAFF_TIMEZONE``; the cardholders' zone by default).

Templates write ``{{ moment|local("cardholder") }}`` (or ``|local("staff", "date")``, ``"time"``);
``zone_label("cardholder")`` is the label alone, for a table whose times are preformatted.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Literal
from zoneinfo import ZoneInfo

from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

from arrears.config import Settings
from arrears.kit.clock import now
from arrears.kit.localtime import Shape, in_zone, local_text, offset_label
from arrears.web.labels import N_

Whose = Literal["cardholder", "staff"]
WHOSE_TITLES: dict[str, str] = {"cardholder": N_("cardholder's local time"), "staff": N_("your local time")}


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone_of(settings: Settings, whose: Whose) -> ZoneInfo:
    """The zone of the cardholders, or of the staff (one setting for every user until users have one)."""
    if whose == "cardholder":
        return _zone(settings.timezone)
    return _zone(settings.staff_timezone or settings.timezone)


def _settings(context: Context) -> Settings:
    request = context.get("request")
    if request is None:
        return Settings()
    settings: Settings = request.app.state.settings
    return settings


def _title(context: Context, zone: ZoneInfo, whose: str) -> str:
    translated = context.call(context.resolve("gettext"), WHOSE_TITLES.get(whose, whose))
    return f"{translated} · {zone.key}"


@pass_context
def local(
    context: Context, moment: datetime | None, whose: Whose = "staff", shape: Shape = "datetime"
) -> Markup:
    """``moment`` (an aware instant) in ``whose`` zone as a ``<time>`` element: ``2026-12-05 10:30
    UTC+8`` (a date alone without the label), the zone's name and whose time it is on hover."""
    if moment is None:
        return Markup("")
    zone = zone_of(_settings(context), whose)
    shown = local_text(moment, zone, shape=shape)
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        in_zone(moment).astimezone(UTC).isoformat(), _title(context, zone, whose), shown
    )


@pass_context
def zone_label(context: Context, whose: Whose = "staff", at: datetime | None = None) -> str:
    """The label of ``whose`` zone (its offset at ``at``, default now): ``UTC+8``."""
    zone = zone_of(_settings(context), whose)
    return offset_label((at or now()).astimezone(zone))


@pass_context
def due(context: Context, moment: datetime | None) -> Markup:
    """A deadline (the start of the day after its last day, as the service desk stores it) as its last
    day at 24:00 in the cardholders' zone: ``2026-12-21 24:00 UTC+8``, never the next day's 00:00."""
    if moment is None:
        return Markup("")
    zone = zone_of(_settings(context), "cardholder")
    last = (in_zone(moment) - timedelta(microseconds=1)).astimezone(zone)
    label = offset_label(last)
    return Markup('<time datetime="{}" title="{}">{} 24:00 {}</time>').format(
        in_zone(moment).astimezone(UTC).isoformat(),
        _title(context, zone, "cardholder"),
        last.date().isoformat(),
        label,
    )


def install(env: Environment) -> None:
    env.filters["local"] = local
    env.filters["due"] = due
    env.globals["zone_label"] = zone_label
