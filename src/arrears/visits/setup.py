"""Setting up visit planning: visitor profiles, pairs, appointments, cardholders' availability, the
travel-time provider.

Every refusal is a :class:`SetupError` naming the field at fault (the CLI shows it as a bad
parameter). Services never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import Connection

from arrears.config import Settings
from arrears.kit.errors import ArrearsError
from arrears.visits.matrix import HaversineMatrix, OsrmTableMatrix, TravelTimes
from arrears.visits.repository import VisitRepository
from arrears.visits.routing import DAY


class SetupError(ArrearsError):
    """Bad input for a profile, pair or appointment; ``field`` names the input at fault."""

    def __init__(self, field: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en, message_zh)
        self.field = field


def travel_times(settings: Settings) -> TravelTimes:
    """OSRM when ``ARREARS_ROUTING_OSRM_URL`` is set, else great-circle times (no outside service)."""
    if settings.routing_osrm_url:
        return OsrmTableMatrix(settings.routing_osrm_url)
    return HaversineMatrix()


def parse_shift(text: str) -> tuple[int, int]:
    """``08:30-18:00`` as minutes after midnight."""
    try:
        start, end = (_minutes(part) for part in text.split("-"))
    except ValueError:
        raise SetupError(
            "shift", f"{text!r} is not a shift such as 08:30-18:00", f"{text!r} 不是班次（如 08:30-18:00）"
        ) from None
    if not 0 <= start < end <= DAY:
        raise SetupError(
            "shift", f"the shift {text} must end after it starts", f"班次 {text} 的结束须晚于开始"
        )
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2 and int(minutes) < 60):
        raise ValueError(text)
    return int(hours) * 60 + int(minutes)


def _visitor(repository: VisitRepository, username: str, field: str) -> int:
    user = repository.user(username)
    if user is None:
        raise SetupError(field, f"no user {username}", f"没有用户 {username}")
    if user["role"] != "visitor" or not user["is_active"]:
        raise SetupError(field, f"{username} is not an active visitor", f"{username} 不是在职的外访员")
    return int(user["id"])


def set_profile(
    connection: Connection,
    *,
    username: str,
    base_lat: float,
    base_lon: float,
    base_label: str,
    shift: tuple[int, int] = (510, 1080),
    capacity: int = 8,
    territory: Sequence[str] = (),
    skills: Sequence[str] = (),
) -> None:
    """Creates or replaces the visitor's profile."""
    repository = VisitRepository(connection)
    user_id = _visitor(repository, username, "user")
    if not -90 <= base_lat <= 90:
        raise SetupError("base-lat", f"latitude {base_lat} is not within -90..90", f"纬度 {base_lat} 无效")
    if not -180 <= base_lon <= 180:
        raise SetupError("base-lon", f"longitude {base_lon} is not within -180..180", f"经度 {base_lon} 无效")
    if not base_label.strip():
        raise SetupError("base-label", "the base needs a label", "请填写出发地点名称")
    if not 0 <= capacity <= 50:
        raise SetupError("capacity", "the capacity must be 0 to 50 visits a day", "每日容量须为 0 到 50")
    if not 0 <= shift[0] < shift[1] <= DAY:
        raise SetupError("shift", "the shift must end after it starts", "班次的结束须晚于开始")
    repository.save_profile(
        {
            "user_id": user_id,
            "base_label": base_label.strip(),
            "base_lat": base_lat,
            "base_lon": base_lon,
            "shift_start_minute": shift[0],
            "shift_end_minute": shift[1],
            "daily_capacity": capacity,
            "territory": ",".join(part.strip() for part in territory if part.strip()),
            "skills": ",".join(part.strip() for part in skills if part.strip()),
        }
    )


def add_pair(connection: Connection, *, code: str, first: str, second: str, team: str | None = None) -> int:
    """A pair of two distinct active visitors (CN-VISIT: a visit needs at least two staff)."""
    repository = VisitRepository(connection)
    if not code.strip() or len(code) > 40:
        raise SetupError(
            "code", "the pair's code must be 1 to 40 characters", "外访组代码须为 1 到 40 个字符"
        )
    if repository.pair_code_taken(code):
        raise SetupError("code", f"pair {code} exists already", f"外访组 {code} 已存在")
    if first == second:
        raise SetupError(
            "user2",
            "CN-VISIT: a pair needs two different visitors (a visit needs at least two staff)",
            "CN-VISIT：外访组须由两名不同的外访员组成（走访至少两人）",
        )
    first_id, second_id = _visitor(repository, first, "user1"), _visitor(repository, second, "user2")
    team_id = None
    if team is not None:
        team_id = repository.team_id(team)
        if team_id is None:
            raise SetupError("team", f"no team {team}", f"没有团队 {team}")
    values = {"code": code, "first_user_id": first_id, "second_user_id": second_id, "team_id": team_id}
    return repository.add_pair({**values, "is_active": True})


def add_appointment(
    connection: Connection,
    *,
    account_no: str,
    starts_at: datetime,
    minutes: int = 60,
    note: str | None = None,
    by_user_id: int | None = None,
    now: datetime,
) -> int:
    """An appointment agreed with the cardholder: the visit starts within ``minutes`` of ``starts_at``
    (an aware datetime)."""
    if starts_at.tzinfo is None:
        raise SetupError("at", "the appointment's time needs a time zone", "预约时间须带时区")
    if not 30 <= minutes <= 8 * 60:
        raise SetupError("minutes", "an appointment lasts 30 to 480 minutes", "预约时长须为 30 到 480 分钟")
    repository = VisitRepository(connection)
    account = repository.account(account_no)
    if account is None:
        raise SetupError("account_no", f"no account {account_no}", f"没有账户 {account_no}")
    values = {
        "account_id": account["id"],
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=minutes),
        "note": note,
        "status": "open",
        "created_by_id": by_user_id,
        "created_at": now,
    }
    return repository.add_appointment(values)


def parse_clock(text: str, field: str) -> int:
    """``HH:MM`` (00:00 to 24:00) as minutes after midnight."""
    try:
        minute = _minutes(text)
    except ValueError:
        minute = -1
    if not 0 <= minute <= DAY:
        raise SetupError(field, f"{text!r} is not a time such as 18:00", f"{text!r} 不是时间（如 18:00）")
    return minute


def add_availability(
    connection: Connection,
    *,
    account_no: str,
    start_minute: int,
    end_minute: int,
    weekday: int | None = None,
    note: str | None = None,
    now: datetime,
) -> int:
    """When the account's cardholder is at home: local minutes after midnight, on one weekday
    (0 = Monday .. 6 = Sunday) or every day. Planning then visits only inside such windows."""
    if not 0 <= start_minute < end_minute <= DAY:
        raise SetupError("to", "the window must end after it starts", "时间窗的结束须晚于开始")
    if weekday is not None and not 0 <= weekday <= 6:
        raise SetupError(
            "weekday", "the weekday must be 0 (Monday) to 6 (Sunday)", "星期须为 0（周一）到 6（周日）"
        )
    repository = VisitRepository(connection)
    account = repository.account(account_no)
    if account is None:
        raise SetupError("account_no", f"no account {account_no}", f"没有账户 {account_no}")
    values = {
        "customer_id": account["customer_id"],
        "weekday": weekday,
        "start_minute": start_minute,
        "end_minute": end_minute,
        "note": note,
        "created_at": now,
    }
    return repository.add_availability(values)
