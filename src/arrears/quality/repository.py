"""All SQL of call quality review: the calls a sample may take, the review queue, the scores.
Callers own the connection and its transaction. Every list is bounded. Nothing here logs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, exists, func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from arrears.models import (
    AppUser,
    CardAccount,
    CollectionAction,
    ContactEvent,
    Hold,
    QualityReview,
    ServiceCase,
    table_of,
)

_EVENT, _REVIEW, _USER = table_of(ContactEvent), table_of(QualityReview), table_of(AppUser)
_ACCOUNT, _ACTION = table_of(CardAccount), table_of(CollectionAction)
_CASE, _HOLD = table_of(ServiceCase), table_of(Hold)
MAX_CANDIDATES = 20_000  # calls a sample looks at (the first by time)
LISTED = 200


class QualityRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def _rows(self, query: Any) -> list[dict[str, Any]]:
        return [dict(row) for row in self._connection.execute(query).mappings()]

    def candidates(
        self, *, start: datetime, end: datetime, last_day: date, team_id: int | None
    ) -> list[dict[str, Any]]:
        """Calls made by staff in [start, end) not sampled yet (of ``team_id``'s members if given):
        the call, its length, whether its account has a complaint (a service case or a hold), and the
        first day before ``last_day`` a contact with the account was blocked by the rulebook."""
        e = _EVENT
        complaint = exists().where(
            (_CASE.c.account_id == e.c.account_id) & (_CASE.c.kind == "complaint")
        ) | exists().where((_HOLD.c.customer_id == e.c.customer_id) & (_HOLD.c.kind == "complaint"))
        blocked = (
            select(func.min(_ACTION.c.run_date))
            .where(
                (_ACTION.c.account_id == e.c.account_id)
                & (_ACTION.c.status == "blocked")
                & (_ACTION.c.run_date <= last_day)
            )
            .scalar_subquery()
        )
        query = (
            select(
                e.c.id,
                e.c.at,
                e.c.duration_seconds,
                complaint.label("complaint"),
                blocked.label("blocked_since"),
            )
            .where((e.c.channel == "call") & (e.c.at >= start) & (e.c.at < end) & e.c.user_id.is_not(None))
            .where(~exists().where(_REVIEW.c.contact_event_id == e.c.id))
            .order_by(e.c.at, e.c.id)
            .limit(MAX_CANDIDATES)
        )
        if team_id is not None:
            query = query.where(e.c.user_id.in_(select(_USER.c.id).where(_USER.c.team_id == team_id)))
        return self._rows(query)

    def add(self, *, picked: Sequence[tuple[int, str]], by_id: int, at: datetime) -> int:
        """Queues the picked calls (event id, reason); a call another lead queued meanwhile is left as
        it is. Answers how many were queued."""
        if not picked:
            return 0
        ids = [event_id for event_id, _ in picked]
        found = select(_EVENT.c.id, _EVENT.c.account_id, _EVENT.c.user_id).where(_EVENT.c.id.in_(ids))
        events = {row["id"]: row for row in self._rows(found)}
        values = [
            {
                "contact_event_id": event_id,
                "account_id": events[event_id]["account_id"],
                "collector_id": events[event_id]["user_id"],
                "reason": reason,
                "sampled_by_id": by_id,
                "sampled_at": at,
                "status": "queued",
            }
            for event_id, reason in picked
            if event_id in events
        ]
        dialect = postgresql if self._connection.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(_REVIEW).values(values).on_conflict_do_nothing(index_elements=["contact_event_id"])
        )
        return int(self._connection.execute(statement).rowcount or 0)

    def _listed(self) -> Any:
        collector, scorer = _USER.alias("collector"), _USER.alias("scorer")
        r, e = _REVIEW, _EVENT
        return (
            select(
                r,
                e.c.at.label("call_at"),
                e.c.outcome,
                e.c.party,
                e.c.duration_seconds,
                e.c.recording_ref,
                _ACCOUNT.c.account_no,
                collector.c.username.label("collector"),
                collector.c.team_id.label("collector_team_id"),
                scorer.c.username.label("scorer"),
            )
            .join(e, e.c.id == r.c.contact_event_id)
            .join(_ACCOUNT, _ACCOUNT.c.id == r.c.account_id)
            .outerjoin(collector, collector.c.id == r.c.collector_id)
            .outerjoin(scorer, scorer.c.id == r.c.scored_by_id)
        )

    def get(self, review_id: int) -> dict[str, Any] | None:
        rows = self._rows(self._listed().where(_REVIEW.c.id == review_id))
        return rows[0] if rows else None

    def listed(
        self, *, status: str, team_id: int | None, collector_id: int | None = None, limit: int = LISTED
    ) -> list[dict[str, Any]]:
        """Reviews in a status (queued: oldest sampled first; scored: latest scored first)."""
        query = self._listed().where(_REVIEW.c.status == status)
        if team_id is not None:
            query = query.where(
                _REVIEW.c.collector_id.in_(select(_USER.c.id).where(_USER.c.team_id == team_id))
            )
        if collector_id is not None:
            query = query.where(_REVIEW.c.collector_id == collector_id)
        if status == "queued":
            query = query.order_by(_REVIEW.c.sampled_at, _REVIEW.c.id)
        else:
            query = query.order_by(_REVIEW.c.scored_at.desc(), _REVIEW.c.id.desc())
        return self._rows(query.limit(limit))

    def score(
        self,
        *,
        review_id: int,
        marks: dict[str, str],
        note: str | None,
        score: int | None,
        by_id: int,
        at: datetime,
    ) -> bool:
        """Scores a queued review; False when it is no longer queued (another lead scored it first:
        on PostgreSQL the second update waits for the first's commit and then finds it scored)."""
        statement = (
            update(_REVIEW)
            .where((_REVIEW.c.id == review_id) & (_REVIEW.c.status == "queued"))
            .values(status="scored", note=note, score=score, scored_by_id=by_id, scored_at=at, **marks)
        )
        return bool(self._connection.execute(statement).rowcount)

    def averages(self, *, collector_ids: Sequence[int], since: datetime) -> dict[int, tuple[int, int]]:
        """Each collector's quality score since ``since``: (the rounded mean of their scored reviews,
        how many); collectors without a scored review are left out."""
        if not collector_ids:
            return {}
        r = _REVIEW
        query = (
            select(r.c.collector_id, func.avg(r.c.score).label("mean"), func.count().label("n"))
            .where(
                and_(
                    r.c.collector_id.in_(sorted(set(collector_ids))),
                    r.c.status == "scored",
                    r.c.score.is_not(None),
                    r.c.scored_at >= since,
                )
            )
            .group_by(r.c.collector_id)
        )
        return {row["collector_id"]: (round(float(row["mean"])), int(row["n"])) for row in self._rows(query)}

    def username(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        return self._connection.execute(select(_USER.c.username).where(_USER.c.id == user_id)).scalar()
