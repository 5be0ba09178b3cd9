"""Use cases of call quality review: draw a sample into the review queue, score a review; both
audited. Services never commit: the caller's transaction (``audit_transaction``) does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.floor.rules import day_bounds
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import InvalidField
from arrears.models.quality_review import SAMPLE_REASONS
from arrears.quality import rules
from arrears.quality.repository import QualityRepository

MAX_DAYS = 31  # a sample's date range at most
SCORE_DAYS = 30  # a collector's quality score: their reviews scored in the last 30 days


class AlreadyScored(ArrearsError):
    """Another reviewer scored the call first; their score stands."""


@dataclass(frozen=True, slots=True)
class Reviewer:
    id: int
    username: str
    role: str
    team_id: int | None


def _team_of(reviewer: Reviewer) -> int | None:
    """A team lead reviews their own team's calls; a manager or compliance officer anyone's."""
    return reviewer.team_id if reviewer.role == "team_lead" else None


def sample(
    connection: Connection,
    *,
    by: Reviewer,
    first: date,
    last: date,
    random_count: int,
    long_call_seconds: int,
    seed: int,
    zone: str,
    now: datetime,
) -> list[rules.Picked]:
    """Draws a sample of the calls made from ``first`` to ``last`` (local days, at most MAX_DAYS) into
    the review queue; audited with its parameters and seed. Answers what it queued."""
    if last < first:
        raise InvalidField("last", "the range ends before it starts", "结束日期早于开始日期")
    if (last - first).days >= MAX_DAYS:
        raise InvalidField("last", f"a sample covers at most {MAX_DAYS} days", f"抽样范围最多 {MAX_DAYS} 天")
    if not 0 <= random_count <= rules.MAX_RANDOM:
        raise InvalidField("random_count", f"from 0 to {rules.MAX_RANDOM}", f"须为 0 到 {rules.MAX_RANDOM}")
    if not 60 <= long_call_seconds <= 7200:
        raise InvalidField("long_call_minutes", "from 1 to 120 minutes", "须为 1 到 120 分钟")
    if by.role == "team_lead" and by.team_id is None:
        raise ArrearsError("you lead no team: there are no calls to sample", "您未带领团队，没有可抽检的通话")
    tz = ZoneInfo(zone)
    start, end = day_bounds(first, tz)[0], day_bounds(last, tz)[1]
    repository = QualityRepository(connection)
    rows = repository.candidates(start=start, end=end, last_day=last, team_id=_team_of(by))
    candidates = [
        rules.Candidate(
            event_id=row["id"],
            day=row["at"].astimezone(tz).date(),
            duration_seconds=row["duration_seconds"],
            complaint=bool(row["complaint"]),
            blocked_since=row["blocked_since"],
        )
        for row in rows
    ]
    picked = rules.choose(
        candidates, random_count=random_count, seed=seed, long_call_seconds=long_call_seconds
    )
    queued = repository.add(picked=[(one.event_id, one.reason) for one in picked], by_id=by.id, at=now)
    reasons = {reason: sum(1 for one in picked if one.reason == reason) for reason in SAMPLE_REASONS}
    AuditLog(connection).append(
        at=now,
        actor=by.username,
        action="quality.sampled",
        subject_type="quality_review",
        subject_id=None,
        details={
            "first": first.isoformat(),
            "last": last.isoformat(),
            "random_count": random_count,
            "long_call_seconds": long_call_seconds,
            "seed": seed,
            "calls": len(candidates),
            "queued": queued,
            **reasons,
        },
    )
    return picked


def score_review(
    connection: Connection,
    *,
    by: Reviewer,
    review_id: int,
    marks: dict[str, str],
    note: str | None,
    now: datetime,
) -> int | None:
    """Scores a queued review on the checklist; audited. AlreadyScored when another reviewer scored it
    first (their score stands), NotFound outside the reviewer's team. Answers the score."""
    checked = rules.check_marks(marks)
    if note is not None and len(note) > 2000:
        raise InvalidField("note", "at most 2,000 characters", "最多 2000 个字符")
    repository = QualityRepository(connection)
    review = repository.get(review_id)
    team = _team_of(by)
    if review is None or (team is not None and review["collector_team_id"] != team):
        raise NotFound(f"no review {review_id}", f"没有质检记录 {review_id}")
    if review["collector_id"] == by.id:
        raise ArrearsError("nobody reviews their own call", "不能质检自己的通话")
    value = rules.score(checked)
    if not repository.score(review_id=review_id, marks=checked, note=note, score=value, by_id=by.id, at=now):
        scorer = repository.get(review_id) or review
        raise AlreadyScored(
            f"{scorer['scorer'] or 'another reviewer'} scored this call first; their score stands",
            f"{scorer['scorer'] or '其他质检人'} 已先行评分，以其评分为准",
        )
    AuditLog(connection).append(
        at=now,
        actor=by.username,
        action="quality.scored",
        subject_type="quality_review",
        subject_id=str(review_id),
        details={
            "contact_event_id": review["contact_event_id"],
            "account_id": review["account_id"],
            "collector_id": review["collector_id"],
            "score": value,
            **checked,
        },
    )
    return value


def score_since(now: datetime) -> datetime:
    """The start of the window a collector's quality score averages over."""
    return now - timedelta(days=SCORE_DAYS)


def quality_scores(
    connection: Connection, *, user_ids: list[int], now: datetime
) -> dict[int, tuple[int, int]]:
    """The collectors' quality scores over the last SCORE_DAYS days: (mean score, reviews) by user id;
    the floor view and the agenda show them."""
    return QualityRepository(connection).averages(collector_ids=user_ids, since=score_since(now))
