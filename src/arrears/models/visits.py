"""Field visits (外访): visitors, pairs, appointments, the day's routes and stops, photos, safety
alerts and follow-up tasks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from arrears.db import Base
from arrears.models.types import UTCDateTime

STOP_STATUSES = ("planned", "checked_in", "done", "skipped")
ROUTE_STATUSES = ("planned", "started", "finished", "cancelled")
ALERT_KINDS = ("missed_checkout", "panic")
TASK_STATUSES = ("open", "done", "cancelled")


class VisitorProfile(Base):
    """A field visitor's working data: the base they start from, the shift (minutes after local
    midnight), skills, territory (districts) and how many visits a day they can make."""

    __tablename__ = "visitor_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True)
    base_label: Mapped[str] = mapped_column(String(200))
    base_lat: Mapped[float] = mapped_column(Float)
    base_lon: Mapped[float] = mapped_column(Float)
    shift_start_minute: Mapped[int] = mapped_column(Integer, default=510)  # 08:30
    shift_end_minute: Mapped[int] = mapped_column(Integer, default=1080)  # 18:00
    skills: Mapped[str] = mapped_column(String(200), default="")  # comma-separated
    territory: Mapped[str] = mapped_column(Text, default="")  # comma-separated districts; empty: anywhere
    daily_capacity: Mapped[int] = mapped_column(Integer, default=8)


class VisitPair(Base):
    """Two visitors who visit together (a visit needs at least two staff: rule CN-VISIT)."""

    __tablename__ = "visit_pair"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    first_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    second_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)


class VisitAppointment(Base):
    """A visit agreed with the cardholder for a fixed time: the route must keep it."""

    __tablename__ = "visit_appointment"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VisitAvailability(Base):
    """When the cardholder can be found at home: a window of local minutes after midnight, on one
    weekday (0 = Monday .. 6 = Sunday) or, without one, every day. Planning visits only inside it."""

    __tablename__ = "visit_availability"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int | None] = mapped_column(Integer)  # None: every day
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VisitRoute(Base):
    """One pair's route on one day, as planned."""

    __tablename__ = "visit_route"
    __table_args__ = (Index("ix_visit_route_day_pair", "plan_date", "pair_id", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_date: Mapped[date] = mapped_column(Date)
    pair_id: Mapped[int] = mapped_column(ForeignKey("visit_pair.id"))
    status: Mapped[str] = mapped_column(String(20), default="planned", server_default="planned")
    planned_start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    planned_end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    travel_minutes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VisitStop(Base):
    """One visit of a route: planned arrival, then what happened (check-in with the distance from the
    address, the protocol, the outcome, check-out)."""

    __tablename__ = "visit_stop"

    id: Mapped[int] = mapped_column(primary_key=True)
    route_id: Mapped[int] = mapped_column(ForeignKey("visit_route.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id", ondelete="CASCADE"))
    contact_point_id: Mapped[int | None] = mapped_column(ForeignKey("contact_point.id"))  # the address
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("visit_appointment.id"))
    value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    planned_arrival_at: Mapped[datetime] = mapped_column(UTCDateTime)
    service_minutes: Mapped[int] = mapped_column(Integer, default=30)
    status: Mapped[str] = mapped_column(String(20), default="planned", server_default="planned")
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    check_in_lat: Mapped[float | None] = mapped_column(Float)
    check_in_lon: Mapped[float | None] = mapped_column(Float)
    check_in_distance_m: Mapped[float | None] = mapped_column(Float)
    check_in_far: Mapped[bool] = mapped_column(Boolean, default=False)  # more than 300 m from the address
    expected_checkout_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    protocol: Mapped[str | None] = mapped_column(Text)  # JSON: identity, heard, reason, offered, agreed...
    outcome: Mapped[str | None] = mapped_column(String(30))


class VisitPhoto(Base):
    """A photo taken on a visit, encrypted at rest (it may show people or documents)."""

    __tablename__ = "visit_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    stop_id: Mapped[int] = mapped_column(ForeignKey("visit_stop.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(40))
    data_enc: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SafetyAlert(Base):
    """A pair that has not checked out in time, or pressed the panic button: the team lead sees it
    until someone acknowledges it (audited)."""

    __tablename__ = "safety_alert"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    route_id: Mapped[int] = mapped_column(ForeignKey("visit_route.id", ondelete="CASCADE"), index=True)
    stop_id: Mapped[int | None] = mapped_column(ForeignKey("visit_stop.id", ondelete="CASCADE"))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    note: Mapped[str | None] = mapped_column(Text)


class FollowUpTask(Base):
    """Something to do on an account on a day: call back after a visit's agreement, check a visit
    promise was kept."""

    __tablename__ = "follow_up_task"
    __table_args__ = (Index("ix_follow_up_task_due", "status", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("card_account.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    due_date: Mapped[date] = mapped_column(Date)
    source_stop_id: Mapped[int | None] = mapped_column(ForeignKey("visit_stop.id"))
    promise_id: Mapped[int | None] = mapped_column(ForeignKey("promise_to_pay.id"))
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[str] = mapped_column(String(20), default="open", server_default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
