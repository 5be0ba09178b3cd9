"""Agency commissions' use cases: set an agency's schedule, make a month's statements (CSV and PDF,
checksummed, stored), review and approve them (two people), read a statement's file back verified.

Making a statement has two halves so that no write lock is held while a million payments are read:
:func:`prepare` reads (any connection) and writes the files; :func:`record` stores the figures and
audits them in the caller's audit transaction, refusing a statement approved or made again meanwhile.
Every change is audited (``commission.rates_set``, ``commission.statement_made``,
``commission.reviewed``, ``commission.approved``); nothing commits here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
from sqlalchemy import Connection

from arrears.agencies import commission_files as files
from arrears.agencies import commission_frames as frames
from arrears.agencies import commission_rules as rules
from arrears.agencies.commission_repository import CommissionRepository
from arrears.agencies.commission_rules import RateBand, StatementRefused, Tally
from arrears.audit.repository import AuditLog
from arrears.kit.errors import NotFound
from arrears.kit.inputs import check_day
from arrears.users.permissions import require
from arrears.users.service import StaffUser

REVIEW, APPROVE = "commission:review", "commission:approve"


class StatementMoved(StatementRefused):
    """The statement was made again, reviewed or approved by someone else meanwhile."""


@dataclass(frozen=True, slots=True)
class Prepared:
    """A statement's figures and files, ready to store: ``version`` is the one it replaces plus one."""

    agency_code: str
    month: date
    version: int
    replaces: int | None  # the version stored when it was prepared (None: the first)
    provisional: bool
    as_of: date
    tally: Tally
    unposted: dict[str, Any]
    csv_path: str
    csv_sha256: str
    pdf_path: str
    pdf_sha256: str


@dataclass(frozen=True, slots=True)
class Made:
    statement_id: int
    prepared: Prepared


@dataclass(slots=True)
class Preparation:
    """What :func:`prepare` produced, and the agencies it left as they were (approved statements)."""

    statements: list[Prepared] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)


def _audit(
    connection: Connection,
    actor: str,
    now: datetime,
    action: str,
    subject_id: int | str,
    details: dict[str, Any],
    subject_type: str = "commission_statement",
) -> None:
    AuditLog(connection).append(
        at=now,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        details=details,
    )


# --- schedules -----------------------------------------------------------------------------------


def set_schedule(
    connection: Connection,
    *,
    agency_code: str,
    effective_from: date,
    bands: Sequence[RateBand],
    by: StaffUser,
    now: datetime,
) -> int:
    """The agency's schedule for accounts placed from ``effective_from`` becomes ``bands`` (checked:
    rates 0..10,000 bp, no overlap); audited. Returns how many bands it has."""
    require(by.role, APPROVE)
    checked = rules.check_schedule(bands)
    check_day(effective_from, field="effective_from")
    repository = CommissionRepository(connection)
    if not repository.agency_known(agency_code):
        raise NotFound(f"no agency {agency_code}", f"没有委外机构 {agency_code}")
    replaced = repository.replace_schedule(agency_code, effective_from, checked, by=by.username, now=now)
    details = {
        "agency_code": agency_code,
        "effective_from": effective_from.isoformat(),
        "replaced": replaced,
        "bands": [
            {
                "age_band": b.age_band,
                "min_dpd": b.min_dpd,
                "max_dpd": b.max_dpd,
                "min_overdue_fen": b.min_overdue_fen,
                "max_overdue_fen": b.max_overdue_fen,
                "rate_bp": b.rate_bp,
            }
            for b in checked
        ],
    }
    _audit(connection, by.username, now, "commission.rates_set", agency_code, details, subject_type="agency")
    return len(checked)


# --- making statements ---------------------------------------------------------------------------


def month_lines(
    repository: CommissionRepository, first: date, last: date, agency_code: str | None = None
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """The month's attributed payments (``commission_frames.LINES``; one agency's, given), every placement
    they may name (``HELD``) and the placements that held an account in the month (``HELD``)."""
    held = repository.held(first, last, agency_code)
    payments = repository.month_payments(first, last)
    backs = payments.filter((pl.col("source") == rules.REVERSAL) & pl.col("reverses_id").is_not_null())
    in_month = payments.select("payment_id", "paid_date")
    named = set(backs["reverses_id"].to_list()) - set(in_month["payment_id"].to_list())
    paid_dates = pl.concat([in_month, repository.paid_dates(named)])
    earlier = repository.placements_of(backs["account_id"].to_list())  # a reversal's payment's placement
    if agency_code is not None:
        earlier = earlier.filter(pl.col("agency_code") == agency_code)
    placements = pl.concat([held, earlier]).unique("placement_id")
    lines = frames.attribute_frame(payments, placements.select(list(frames.SPANS)), paid_dates)
    return lines, placements, held


def _rates(repository: CommissionRepository, lines: pl.DataFrame, placements: pl.DataFrame) -> pl.DataFrame:
    """The rate of every placement the lines name."""
    named = placements.filter(pl.col("placement_id").is_in(lines["placement_id"].unique().implode()))
    schedules = [one for per_agency in repository.schedules().values() for one in per_agency]
    return frames.rate_frame(named, frames.bands_frame(schedules))


def prepare(
    connection: Connection,
    *,
    month: date,
    as_of: date,
    zone: ZoneInfo,
    data_dir: Path,
    font_dir: Path,
    made_at: datetime,
    agency_code: str | None = None,
) -> Preparation:
    """Reads the month's attributed payments (one agency's, or those of every agency that held an account
    in the month or has a reversal on it) and writes each statement's CSV and PDF; stores nothing. An
    agency whose statement of the month is approved is left as it is (named in ``approved``; for one
    agency asked by name: StatementRefused)."""
    first, last = month.replace(day=1), rules.month_end(month)
    repository = CommissionRepository(connection)
    font = files.font_of(font_dir)  # no CJK font: refused before anything is read
    if agency_code is not None and not repository.agency_known(agency_code):
        raise NotFound(f"no agency {agency_code}", f"没有委外机构 {agency_code}")
    lines, placements, held = month_lines(repository, first, last, agency_code)
    priced = frames.price_lines(lines, _rates(repository, lines, placements))
    by_agency = {str(key[0]): part for key, part in priced.partition_by("agency_code", as_dict=True).items()}
    codes = {agency_code} if agency_code else set(held["agency_code"].to_list()) | set(by_agency)
    unposted = repository.unposted(first, last, as_of=as_of, zone=zone)
    names, done = repository.agency_names(), Preparation()
    for code in sorted(codes):
        stored = repository.statement_of(code, first)
        if stored is not None and stored["status"] == "approved":
            done.approved.append(code)
            continue
        replaces = None if stored is None else int(stored["version"])
        stem = files.file_stem(code, first, (replaces or 0) + 1)
        part = by_agency.get(code, priced.clear())
        csv_sha = files.write_csv(data_dir / stem.with_suffix(".csv"), frames.csv_frame(part))
        tally = frames.tally_of(part)
        heading = files.Heading(code, names.get(code, code), first, (replaces or 0) + 1,
                                rules.provisional(first, as_of=as_of), as_of, made_at, unposted)  # fmt: skip
        pdf = files.render(files.document(heading, tally, font=font), font_dir=font_dir, day=as_of)
        pdf_sha = files.write_pdf(data_dir / stem.with_suffix(".pdf"), pdf)
        csv_path, pdf_path = stem.with_suffix(".csv").as_posix(), stem.with_suffix(".pdf").as_posix()
        done.statements.append(
            Prepared(code, first, heading.version, replaces, heading.provisional, as_of, tally, unposted,
                     csv_path, csv_sha, pdf_path, pdf_sha)
        )  # fmt: skip
    if agency_code is not None and done.approved:
        raise StatementRefused(
            f"the statement of {agency_code} for {first:%Y-%m} is approved: it is not made again",
            f"{agency_code} {first:%Y-%m} 的结算单已审批，不再重新生成",
        )
    return done


def _figures(prepared: Prepared, by: str, now: datetime) -> dict[str, Any]:
    tally, unposted = prepared.tally, prepared.unposted
    count = int(unposted.get("notifications", 0)) + len(unposted.get("unreconciled_days", []))
    return {
        "status": "draft",
        "version": prepared.version,
        "provisional": prepared.provisional,
        "as_of": prepared.as_of,
        "payments": tally.payments,
        "collected_fen": tally.collected_fen,
        "commission_fen": tally.commission_fen,
        "clawback_fen": tally.clawback_fen,
        "unrated_payments": tally.unrated_payments,
        "breakdown": json.dumps(tally.breakdown(), ensure_ascii=False, sort_keys=True),
        "unposted": count,
        "unposted_detail": json.dumps(unposted, sort_keys=True),
        "csv_path": prepared.csv_path,
        "csv_sha256": prepared.csv_sha256,
        "pdf_path": prepared.pdf_path,
        "pdf_sha256": prepared.pdf_sha256,
        "made_by": by,
        "updated_at": now,
        "reviewed_by_id": None,
        "reviewed_at": None,
        "approved_by_id": None,
        "approved_at": None,
    }


def record(connection: Connection, prepared: Iterable[Prepared], *, by: str, now: datetime) -> list[Made]:
    """Stores each prepared statement (new, or replacing the version it was prepared over: back to
    draft, its review cleared) and audits it. StatementMoved when a statement was approved or made
    again meanwhile (nothing of this call is kept: the caller's transaction rolls back)."""
    repository = CommissionRepository(connection)
    made = []
    for one in prepared:
        stored = repository.statement_of(one.agency_code, one.month, lock=True)
        stored_version = None if stored is None else int(stored["version"])
        if stored_version != one.replaces or (stored is not None and stored["status"] == "approved"):
            raise StatementMoved(
                f"the statement of {one.agency_code} for {one.month:%Y-%m} was approved or made again "
                "meanwhile",
                f"{one.agency_code} {one.month:%Y-%m} 的结算单已被他人审批或重新生成",
            )
        values = _figures(one, by, now)
        if stored is None:
            statement_id = repository.add_statement(
                values | {"agency_code": one.agency_code, "month": one.month, "created_at": now}
            )
        else:
            statement_id = int(stored["id"])
            repository.change_statement(statement_id, from_status=stored["status"], **values)
        details = {
            "agency_code": one.agency_code,
            "month": f"{one.month:%Y-%m}",
            "version": one.version,
            "provisional": one.provisional,
            "payments": one.tally.payments,
            "collected_fen": one.tally.collected_fen,
            "commission_fen": one.tally.commission_fen,
            "unposted": values["unposted"],
            "csv_sha256": one.csv_sha256,
            "pdf_sha256": one.pdf_sha256,
        }
        _audit(connection, by, now, "commission.statement_made", statement_id, details)
        made.append(Made(statement_id, one))
    return made


# --- review and approval -------------------------------------------------------------------------


def _decide(
    connection: Connection,
    statement_id: int,
    *,
    by: StaffUser,
    now: datetime,
    data_dir: Path,
    check: Callable[[dict[str, Any]], None],
    values: dict[str, Any],
    action: str,
) -> dict[str, Any]:
    repository = CommissionRepository(connection)
    stored = repository.statement(statement_id, lock=True)
    if stored is None:
        raise NotFound(f"no commission statement {statement_id}", f"没有佣金结算单 {statement_id}")
    check(stored)
    files.verified(data_dir, stored["csv_path"], stored["csv_sha256"])  # read back: what is signed off
    files.verified(data_dir, stored["pdf_path"], stored["pdf_sha256"])
    if not repository.change_statement(statement_id, from_status=stored["status"], **values):
        raise StatementMoved("the statement changed meanwhile: reload it", "结算单已被他人更改，请刷新后重试")
    details = {
        "agency_code": stored["agency_code"],
        "month": f"{stored['month']:%Y-%m}",
        "version": stored["version"],
        "commission_fen": stored["commission_fen"],
        "unposted": stored["unposted"],
        "csv_sha256": stored["csv_sha256"],
        "pdf_sha256": stored["pdf_sha256"],
    }
    _audit(connection, by.username, now, action, statement_id, details)
    return stored | values


def review(
    connection: Connection, *, statement_id: int, by: StaffUser, now: datetime, data_dir: Path
) -> dict[str, Any]:
    """Marks a draft reviewed (not a provisional one), its files read back and matching their SHA-256."""
    require(by.role, REVIEW)
    return _decide(
        connection,
        statement_id,
        by=by,
        now=now,
        data_dir=data_dir,
        check=lambda s: rules.check_review(status=s["status"], provisional=s["provisional"]),
        values={"status": "reviewed", "reviewed_by_id": by.id, "reviewed_at": now},
        action="commission.reviewed",
    )


def approve(
    connection: Connection, *, statement_id: int, by: StaffUser, now: datetime, data_dir: Path
) -> dict[str, Any]:
    """Approves a reviewed statement; never by the person who reviewed it."""
    require(by.role, APPROVE)
    return _decide(
        connection,
        statement_id,
        by=by,
        now=now,
        data_dir=data_dir,
        check=lambda s: rules.check_approval(
            status=s["status"],
            provisional=s["provisional"],
            reviewed_by_id=s["reviewed_by_id"],
            approver_id=by.id,
        ),
        values={"status": "approved", "approved_by_id": by.id, "approved_at": now},
        action="commission.approved",
    )


# --- reading -------------------------------------------------------------------------------------


def statement_file(
    connection: Connection, *, statement_id: int, kind: str, data_dir: Path
) -> tuple[Path, str]:
    """The statement's CSV or PDF (``kind``) read back and verified, and its download name."""
    stored = CommissionRepository(connection).statement(statement_id)
    if stored is None or kind not in ("csv", "pdf"):
        raise NotFound(f"no commission statement {statement_id}", f"没有佣金结算单 {statement_id}")
    path = files.verified(data_dir, stored[f"{kind}_path"], stored[f"{kind}_sha256"])
    return path, f"commission-{Path(stored[f'{kind}_path']).stem}-{stored['month']:%Y-%m}.{kind}"


def statement_view(connection: Connection, statement_id: int) -> dict[str, Any]:
    """One statement with its breakdown and unposted detail read, its agency's name and its people."""
    repository = CommissionRepository(connection)
    stored = repository.statement(statement_id)
    if stored is None:
        raise NotFound(f"no commission statement {statement_id}", f"没有佣金结算单 {statement_id}")
    return stored | {
        "breakdown_rows": json.loads(stored["breakdown"]),
        "unposted_items": json.loads(stored["unposted_detail"]),
        "agency_name": repository.agency_names().get(stored["agency_code"], stored["agency_code"]),
        "reviewed_by": repository.display_name(stored["reviewed_by_id"]),
        "approved_by": repository.display_name(stored["approved_by_id"]),
        "schedule": repository.schedule_rows(stored["agency_code"]),
    }


def listing(connection: Connection, *, month: date | None = None) -> dict[str, Any]:
    """The statements (of a month, given) with the agencies' names, and the months that have any."""
    repository = CommissionRepository(connection)
    names = repository.agency_names()
    rows = [
        row | {"agency_name": names.get(row["agency_code"], row["agency_code"])}
        for row in repository.statements(month=month)
    ]
    return {"statements": rows, "months": repository.months()}
