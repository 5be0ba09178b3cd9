"""Setting the day's targets: a team's (each collector's unless they have their own) or one collector's,
stored per business date, audited as ``targets.set``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.floor.repository import FloorRepository
from arrears.floor.rules import AssignmentRefused, Target
from arrears.users.service import StaffUser

AHEAD_DAYS = 31  # targets may be set for the business date and up to this many days after it


def set_target(
    connection: Connection,
    *,
    team_id: int,
    user_id: int | None,
    on: date,
    target: Target,
    actor: StaffUser,
    business_date: date,
    now: datetime,
) -> None:
    """Stores ``target`` for ``on`` (the team's when ``user_id`` is None, else that collector's, who
    must be one of the team's); an empty target removes the row. A team lead sets only their own
    team's. Refused for a day before the business date or more than ``AHEAD_DAYS`` after it."""
    if actor.role == "team_lead" and actor.team_id != team_id:
        raise AssignmentRefused("you set the targets of your own team only", "您只能设置本团队的目标")
    if not business_date <= on <= business_date + timedelta(days=AHEAD_DAYS):
        raise AssignmentRefused(
            f"targets are set from the business date {business_date} to {AHEAD_DAYS} days after it",
            f"目标只能设置业务日期 {business_date} 起 {AHEAD_DAYS} 天内的日期",
        )
    repository = FloorRepository(connection)
    if user_id is not None and user_id not in {one["id"] for one in repository.members(team_id)}:
        raise AssignmentRefused("the collector is not in the team", "该催收员不在此团队")
    repository.lock_team(team_id)  # one writer of the team's targets at a time
    row = repository.target_row(on=on, team_id=team_id, user_id=user_id)
    if target.empty:
        if row is not None:
            repository.drop_target(row)
    else:
        values = {"target_date": on, "team_id": team_id, "user_id": user_id, **asdict(target),
                  "set_by_id": actor.id, "set_at": now}  # fmt: skip
        repository.put_target(row_id=row, values=values)
    AuditLog(connection).append(
        at=now, actor=actor.username, action="targets.set", subject_type="team", subject_id=str(team_id),
        details={"date": on.isoformat(), "user_id": user_id, **asdict(target)},
    )  # fmt: skip
