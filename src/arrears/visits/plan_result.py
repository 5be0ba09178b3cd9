"""What planning a day of visits gives: the routes and their stops, the candidates left out with the
reason, the pairs skipped (``arrears.visits.planning.plan_visits``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

REASONS: dict[str, tuple[str, str]] = {  # code -> (en, zh)
    "on_hold": ("on hold", "停催中"),
    "no_coordinates": ("no address with coordinates", "没有带坐标的地址"),
    "outside_territory": ("outside every pair's territory", "不在任何外访组的辖区内"),
    "outside_every_window": (
        "no window left inside the legal visiting hours",
        "合法走访时段内没有可用时间窗",
    ),
    "unreachable_in_legal_hours": (
        "no pair can get there and back within its shift",
        "没有外访组能在班次内往返",
    ),
    "no_time_or_capacity": ("worth a visit, but the pairs' day is full", "值得走访，但外访组当天已排满"),
    "not_worth_the_travel": ("its value is below the cost of the detour", "价值低于绕行成本"),
}


@dataclass(frozen=True, slots=True)
class PlannedStop:
    sequence: int
    account_id: int
    account_no: str
    district: str | None
    address_masked: str
    lat: float
    lon: float
    arrival_at: datetime  # UTC
    start_at: datetime  # UTC, after any wait
    value_fen: int
    appointment: bool
    requested: bool = False


@dataclass(frozen=True, slots=True)
class PlannedRoute:
    pair_code: str
    base_lat: float
    base_lon: float
    depart_at: datetime  # UTC
    back_at: datetime  # UTC
    value_fen: int
    travel_minutes: int
    stops: tuple[PlannedStop, ...]


HOLD_NAMES: dict[str, tuple[str, str]] = {  # hold kind -> (en, zh), as the left-out list says it
    "dispute": ("dispute", "异议"),
    "complaint": ("complaint", "投诉"),
    "hardship": ("hardship", "困难"),
    "deceased": ("deceased", "已故"),
    "bankruptcy": ("bankruptcy", "破产"),
    "litigation": ("litigation", "诉讼"),
    "cease_contact": ("cease contact", "停止联系"),
    "breathing_space": ("breathing space", "缓冲期"),
}


@dataclass(frozen=True, slots=True)
class DroppedCandidate:
    account_no: str
    reason: str  # a key of REASONS
    requested: bool = False  # an open visit request asked for it
    holds: tuple[str, ...] = ()  # the blocking holds (reason ``on_hold``)

    @property
    def reason_en(self) -> str:
        kinds = ", ".join(HOLD_NAMES.get(kind, (kind, kind))[0] for kind in self.holds)
        return f"{REASONS[self.reason][0]}: {kinds}" if kinds else REASONS[self.reason][0]

    @property
    def reason_zh(self) -> str:
        kinds = "、".join(HOLD_NAMES.get(kind, (kind, kind))[1] for kind in self.holds)
        return f"{REASONS[self.reason][1]}：{kinds}" if kinds else REASONS[self.reason][1]


@dataclass(frozen=True, slots=True)
class SkippedPair:
    code: str
    reason_en: str
    reason_zh: str


@dataclass(frozen=True, slots=True)
class VisitDay:
    plan_date: date
    run_date: date
    routes: tuple[PlannedRoute, ...]
    dropped: tuple[DroppedCandidate, ...]
    skipped_pairs: tuple[SkippedPair, ...]
    kept_routes: int  # routes already under way, left as they were
    value_fen: int
    travel_minutes: int
    solver_seconds: float
