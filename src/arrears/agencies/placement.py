"""Placement batches (委外批次): a run's ``agency_placement`` actions placed with the eligible agencies for
a placement period, in one transaction (the caller's), audited.

:func:`place` reads the run's hand-overs, leaves out the accounts that may not be placed on the day
(still placed; recalled but held until that day or later, since a placement starts the day after the
previous one's last day; sold), asks the register which agencies may hold accounts on the day
(:func:`arrears.agencies.register_rules.eligibility`: the rulebook's entry point and the register's
state), shares the accounts among them (:mod:`arrears.agencies.placement_rules`), writes the batch, its
placements and one hand-over file per agency (:mod:`arrears.agencies.handover`), and records a summary
that names every agency refused and why. Nothing commits here.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from arrears.agencies import handover
from arrears.agencies.placement_repository import PlacementRepository
from arrears.agencies.placement_rules import (
    EMPTY,
    PLACED,
    SKIPPED,
    Account,
    Allocation,
    Taker,
    allocate,
    recovery_rate,
)
from arrears.agencies.register_rules import eligibility, territories_of
from arrears.audit.repository import AuditLog
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import InvalidField

DEFAULT_DAYS = 90
MAX_DAYS = 366
SUBJECT = "placement_batch"


class NothingToPlace(ArrearsError):
    """The run handed no account over, or every one is placed (or may not be placed) already."""


@dataclass(frozen=True, slots=True)
class BatchReport:
    batch_id: int
    summary: dict[str, Any]
    files: list[dict[str, Any]]


def check_days(days: int) -> int:
    if isinstance(days, bool) or not 1 <= days <= MAX_DAYS:
        raise InvalidField("days", f"a placement lasts 1 to {MAX_DAYS} days ({days})",
                           f"委外期限须为 1 至 {MAX_DAYS} 天（现为 {days}）")  # fmt: skip
    return days


def _candidates(
    repository: PlacementRepository, run_date: date, placed_on: date
) -> tuple[list[Account], Counter[str], int]:
    """The run's hand-overs that may be placed on ``placed_on``, those left out by reason, and how many
    the run handed over."""
    handed = repository.handed_over(run_date)
    if not handed:
        raise NothingToPlace(f"the run of {run_date} handed no account over to agencies",
                             f"{run_date} 的批处理没有移交委外的账户")  # fmt: skip
    held_back = repository.not_placeable(run_date, day=placed_on)
    sold = repository.sold(run_date)
    skipped: Counter[str] = Counter()
    kept = []
    for account, _, overdue, bucket, region in handed:
        why = "sold" if account in sold else held_back.get(account)
        if why is None:
            kept.append(Account(account, overdue, bucket, region))
        else:
            skipped[why] += 1
    if not kept:
        raise NothingToPlace(
            f"every one of the {len(handed):,} accounts the run of {run_date} handed over is placed already "
            f"or may not be placed on {placed_on}",
            f"{run_date} 移交的 {len(handed):,} 户均已委外或于 {placed_on} 尚不能委外",
        )
    return kept, skipped, len(handed)


def _takers(
    repository: PlacementRepository, placed_on: date
) -> tuple[list[Taker], list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """The eligible agencies as takers, the refused ones with their reasons, and each agency's figures."""
    held = repository.held(placed_on)
    record = repository.track_record(placed_on)
    takers, refused, figures = [], [], {}
    for agency in repository.agencies(lock=True):
        code = str(agency["code"])
        verdict = eligibility(agency, placed_on)
        if not verdict.allowed:
            refused.append({"code": code, "name": agency["name"], "codes": list(verdict.codes),
                            "reasons_zh": list(verdict.reasons_zh),
                            "reasons_en": list(verdict.reasons_en)})  # fmt: skip
            continue
        recovered, placed = record.get(code, (0, 0))
        rate = recovery_rate(recovered_fen=recovered, placed_fen=placed)
        spare = max(int(agency["capacity"]) - held.get(code, 0), 0)
        takers.append(Taker(code, spare, territories_of(agency["territories"]), rate))
        figures[code] = {"name": agency["name"], "capacity": int(agency["capacity"]),
                         "held": held.get(code, 0), "spare": spare, "recovered_fen": recovered,
                         "placed_fen": placed, "new": rate is None}  # fmt: skip
    return takers, refused, figures


def place(
    connection: Connection,
    *,
    run_date: date,
    placed_on: date,
    days: int,
    actor: str,
    actor_id: int | None,
    now: datetime,
    data_dir: Path,
) -> BatchReport:
    """The batch of ``run_date``'s hand-overs from ``placed_on`` for ``days`` days (the module's
    description). NothingToPlace when no account is left to place; InvalidField for a period out of
    bounds or a day before the run."""
    check_days(days)
    if placed_on < run_date:
        raise InvalidField("as_of", f"the placement day {placed_on} is before the run of {run_date}",
                           f"委外日期 {placed_on} 早于批处理日期 {run_date}")  # fmt: skip
    repository = PlacementRepository(connection)
    takers, refused, figures = _takers(repository, placed_on)  # locks the register: one batch at a time
    accounts, skipped, handed = _candidates(repository, run_date, placed_on)
    started = time.perf_counter()
    allocation = allocate(accounts, takers)
    solved_ms = round((time.perf_counter() - started) * 1000)
    ends_on = placed_on + timedelta(days=days - 1)
    batch_id = repository.add_batch({"run_date": run_date, "placed_on": placed_on, "ends_on": ends_on,
                                     "status": PLACED if allocation.assigned else EMPTY, "summary": "{}",
                                     "created_by": actor_id, "created_at": now})  # fmt: skip
    repository.add_placements(sorted(allocation.assigned.items()), batch_id=batch_id, placed_on=placed_on,
                              ends_on=ends_on, now=now)  # fmt: skip
    counts = allocation.counts()
    files = handover.write_files(connection, batch_id=batch_id, data_dir=data_dir, now=now)
    overdue = {one.account_id: one.overdue_fen for one in accounts}
    summary = _summary(allocation, figures, refused, overdue=overdue, skipped=skipped, handed=handed,
                       period=(run_date, placed_on, ends_on, days), solved_ms=solved_ms)  # fmt: skip
    repository.set_summary(batch_id, json.dumps(summary, ensure_ascii=False, sort_keys=True))
    details = {"batch_id": batch_id, "run_date": run_date.isoformat(), "placed_on": placed_on.isoformat(),
               "ends_on": ends_on.isoformat(), "placed": len(allocation.assigned), "by_agency": counts,
               "refused": {one["code"]: one["codes"] for one in refused}, "left": summary["left"],
               "files": {one["agency_code"]: one["sha256"] for one in files}}  # fmt: skip
    AuditLog(connection).append(at=now, actor=actor, action="agency.batch_placed", subject_type=SUBJECT,
                                subject_id=str(batch_id), details=details)  # fmt: skip
    return BatchReport(batch_id, summary, files)


def _summary(
    allocation: Allocation,
    figures: dict[str, dict[str, Any]],
    refused: list[dict[str, Any]],
    *,
    overdue: dict[int, int],
    skipped: Counter[str],
    handed: int,
    period: tuple[date, date, date, int],
    solved_ms: int,
) -> dict[str, Any]:
    run_date, placed_on, ends_on, days = period
    placed_fen: dict[str, int] = defaultdict(int)
    for account, code in allocation.assigned.items():
        placed_fen[code] += overdue[account]
    counts = allocation.counts()
    agencies = [
        figures[code] | {"code": code, "rate": allocation.rates.get(code),
                         "owed": allocation.owed.get(code, 0), "placed": counts.get(code, 0),
                         "overdue_fen": placed_fen.get(code, 0)}
        for code in sorted(figures)
    ]  # fmt: skip
    left = dict(sorted(Counter(allocation.left.values()).items()))
    return {
        "run_date": run_date.isoformat(), "placed_on": placed_on.isoformat(), "ends_on": ends_on.isoformat(),
        "days": days, "handed_over": handed, "skipped": {why: skipped.get(why, 0) for why in SKIPPED},
        "candidates": len(allocation.assigned) + len(allocation.left), "placed": len(allocation.assigned),
        "placed_fen": sum(placed_fen.values()), "left": left,
        "agencies": agencies, "refused": refused, "classes": allocation.classes, "solved_ms": solved_ms,
    }  # fmt: skip


# --- what managers see --------------------------------------------------------------------------------

LISTED = 100  # the batches the list shows, the latest first


def listing(connection: Connection) -> list[dict[str, Any]]:
    """The latest batches with their summaries' headline figures."""
    shown = []
    for row in PlacementRepository(connection).batches(limit=LISTED):
        summary = json.loads(row["summary"] or "{}")
        shown.append(row | {"placed": summary.get("placed", 0), "candidates": summary.get("candidates", 0),
                            "agencies": len(summary.get("agencies", [])),
                            "refused": [one["code"] for one in summary.get("refused", [])]})  # fmt: skip
    return shown


def view(connection: Connection, *, batch_id: int, day: date, data_dir: Path) -> dict[str, Any]:
    """A batch: its summary, per agency what it took and still holds on ``day``, the agencies refused
    and why, and its hand-over files with their state (checked against their SHA-256). NotFound."""
    repository = PlacementRepository(connection)
    batch = repository.batch(batch_id)
    summary = json.loads(batch["summary"] or "{}")
    held = repository.placed_counts(batch_id, day=day)
    agencies = [
        one | {"held_now": held.get(one["code"], {}).get("held", 0)} for one in summary.get("agencies", [])
    ]
    files = [one | {"state": handover.state(data_dir, one)} for one in repository.files(batch_id)]
    return {"batch": batch, "summary": summary, "agencies": agencies, "files": files}


def record_download(
    connection: Connection, *, batch_id: int, file_id: int, agency_code: str, actor: str, now: datetime
) -> None:
    """A hand-over file handed out, audited (``agency.handover_downloaded``, subject the batch)."""
    AuditLog(connection).append(at=now, actor=actor, action="agency.handover_downloaded",
                                subject_type=SUBJECT, subject_id=str(batch_id),
                                details={"file_id": file_id, "agency_code": agency_code})  # fmt: skip
