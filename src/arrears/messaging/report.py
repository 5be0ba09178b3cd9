"""The outbox as managers see it, an account's messages on its case timeline, and the manager's
retry and cancel (audited). Services: no commit, the clock passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.kit.errors import ArrearsError, NotFound
from arrears.messaging import report_repository as repo
from arrears.models import MESSAGE_CHANNELS, MESSAGE_STATUSES

ALIVE_WITHIN = timedelta(minutes=1)  # a dispatcher seen this recently is alive
SHORT_TEXTS = ("sms", "push")  # channels whose text the case timeline shows (masked when made)
RETRY_WINDOW = timedelta(days=1)  # a retried message whose deadline passed may go until then


class OutboxActionRefused(ArrearsError):
    """A retry or cancel that the message's status does not allow."""


@dataclass(frozen=True, slots=True)
class OutboxReport:
    """The outbox page's figures for one day (in the cardholders' zone) and the state now."""

    day: date
    grid: list[dict[str, Any]]  # one row per channel: counts per status and the total
    statuses: tuple[str, ...]
    failed: list[dict[str, Any]]
    failed_count: int
    failure_reasons: list[dict[str, Any]]
    expired: list[dict[str, Any]]
    expired_count: int
    retries: list[dict[str, Any]]
    retries_count: int
    queued: dict[str, int]
    inbound: dict[str, int]
    opted_out: list[dict[str, Any]]
    invalidated: list[dict[str, Any]]
    unassigned_replies: int
    dispatchers: list[dict[str, Any]] = field(default_factory=list)
    untried: list[dict[str, Any]] = field(default_factory=list)  # queued, not tried yet
    latest_day: date | None = None  # the day (in the zone) the latest message was made

    @property
    def made(self) -> int:
        """The messages made on the day."""
        return sum(row["total"] for row in self.grid)

    @property
    def unknown_receipts(self) -> int:
        return sum(
            count for key, count in self.inbound.items() if key.endswith(":unknown") and "reply" not in key
        )

    @property
    def alive_dispatchers(self) -> int:
        return sum(1 for worker in self.dispatchers if worker["alive"])


def day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants [start, end) of ``day`` in ``zone``."""
    start = datetime.combine(day, time(), tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)


def channel_grid(counts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of channel x status counts (every channel and status, zeros included), with totals."""
    found = {(row["channel"], row["status"]): int(row["count"]) for row in counts}
    channels = [*MESSAGE_CHANNELS, *sorted({channel for channel, _s in found} - set(MESSAGE_CHANNELS))]
    rows = []
    for channel in channels:
        cells = {status: found.get((channel, status), 0) for status in MESSAGE_STATUSES}
        rows.append({"channel": channel, "counts": cells, "total": sum(cells.values())})
    return rows


def is_alive(worker: dict[str, Any], *, now: datetime) -> bool:
    return worker["stopped_at"] is None and worker["seen_at"] >= now - ALIVE_WITHIN


def outbox_report(connection: Connection, *, day: date, zone: ZoneInfo, now: datetime) -> OutboxReport:
    """The figures of ``day`` (messages made, failed, expired, what came back, points marked) and the
    state at ``now`` (retries waiting, the queue, the dispatchers' health)."""
    start, end = day_window(day, zone)
    window = {"start": start, "end": end}
    retries_count, retries = repo.retries_waiting(connection)
    workers = [worker | {"alive": is_alive(worker, now=now)} for worker in repo.dispatchers(connection)]
    latest = repo.latest_made(connection)
    return OutboxReport(
        day=day,
        grid=channel_grid(repo.counts_by_channel_status(connection, **window)),
        statuses=MESSAGE_STATUSES,
        failed=repo.ended(connection, status="failed", **window),
        failed_count=repo.ended_count(connection, status="failed", **window),
        failure_reasons=repo.failure_reasons(connection, **window),
        expired=repo.ended(connection, status="expired", **window),
        expired_count=repo.ended_count(connection, status="expired", **window),
        retries=retries,
        retries_count=retries_count,
        queued=repo.queued_count(connection, now=now),
        inbound=repo.inbound_counts(connection, **window),
        opted_out=repo.points_marked(connection, column="opted_out_at", **window),
        invalidated=repo.points_marked(connection, column="invalid_at", **window),
        unassigned_replies=repo.unassigned_reply_tasks(connection),
        dispatchers=workers,
        untried=repo.queued_untried(connection),
        latest_day=latest.astimezone(zone).date() if latest else None,
    )


_STATUS_ZH = {"queued": "排队中", "sending": "发送中", "sent": "已发送", "delivered": "已送达",
              "failed": "发送失败", "expired": "已过期", "cancelled": "已取消"}  # fmt: skip


def _refused(message_id: int, status: str | None, *, en: str, zh: str) -> ArrearsError:
    if status is None:
        return NotFound(f"no message {message_id}", f"没有消息 {message_id}")
    return OutboxActionRefused(
        f"message {message_id} is {status}: {en}",
        f"消息 {message_id} 的状态为{_STATUS_ZH.get(status, status)}：{zh}",
    )


def retry_message(connection: Connection, *, message_id: int, actor: str, now: datetime) -> None:
    """Queues a failed or expired message again, due now (audited); its deadline, if passed, moves to
    ``RETRY_WINDOW`` from now. The rulebook still decides at sending time."""
    state = repo.message_state(connection, message_id)
    status = state[0] if state else None
    deadline = state[1] if state and state[1] > now else now + RETRY_WINDOW
    if not repo.requeue(connection, message_id=message_id, now=now, deadline=deadline):
        raise _refused(message_id, status, en="only a failed or expired message can be retried",
                       zh="只能重试发送失败或已过期的消息")  # fmt: skip
    repo.add_event(connection, message_id=message_id, at=now, status="queued", detail=actor)
    AuditLog(connection).append(at=now, actor=actor, action="outbox.retried", subject_type="outbox_message",
                                subject_id=str(message_id), details={"from": status})  # fmt: skip


def cancel_message(connection: Connection, *, message_id: int, actor: str, now: datetime) -> None:
    """Cancels a queued message (audited); one being sent or already ended is refused."""
    state = repo.message_state(connection, message_id)
    status = state[0] if state else None
    if not repo.cancel(connection, message_id=message_id, now=now):
        raise _refused(message_id, status, en="only a queued message can be cancelled",
                       zh="只能取消排队中的消息")  # fmt: skip
    repo.add_event(connection, message_id=message_id, at=now, status="cancelled", detail=actor)
    AuditLog(connection).append(at=now, actor=actor, action="outbox.cancelled", subject_type="outbox_message",
                                subject_id=str(message_id), details={"from": status})  # fmt: skip


def timeline_items(connection: Connection, account_id: int, *, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The account's messages (with their status steps and provider ids) and the replies about it,
    as case timeline items dated by their day in ``zone``."""
    items = [
        {"on": m["created_at"].astimezone(zone).date(), "at": m["created_at"],
         "kind": f"{m['channel']} message", "detail": m["template"], "status": m["status"], "message": m,
         "note": m["body"] if m["channel"] in SHORT_TEXTS else None}
        for m in repo.account_messages(connection, account_id)
    ]  # fmt: skip
    items += [
        {"on": r["received_at"].astimezone(zone).date(), "at": r["received_at"],
         "kind": "email reply" if r["point_kind"] == "email" else "sms reply", "detail": None,
         "status": r["outcome"], "note": r["text_masked"]}
        for r in repo.account_replies(connection, account_id)
    ]  # fmt: skip
    return items
