"""What the desk's decisions read from the settings and the policy, loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from arrears.compliance.policy import Policy
from arrears.config import Settings
from arrears.servicedesk.calendar import WorkingCalendar, load_calendar
from arrears.servicedesk.deadlines import DeadlineSettings, load_deadlines


@dataclass(frozen=True, slots=True)
class DeskSetup:
    """The deadlines per kind and category, the working-day calendar, the zone the days are counted in
    (the cardholders' zone, ``settings.timezone``) and the policy's hardship pause."""

    deadlines: DeadlineSettings
    calendar: WorkingCalendar
    zone: ZoneInfo
    hardship_pause_days: int

    @classmethod
    def of(cls, settings: Settings, policy: Policy) -> DeskSetup:
        pause = policy.holds.hardship_pause_days if policy.holds is not None else 0
        return cls(
            load_deadlines(settings.service_deadlines_file),
            load_calendar(settings.holidays_file),
            ZoneInfo(settings.timezone),
            pause,
        )
