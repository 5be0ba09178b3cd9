"""One reconciliation: a checked settlement file against what is here; what is missing here is posted
(source ``reconcile``), the rest reported for review; the report is stored and the run audited.
The caller owns the transaction (``audit_transaction``): on any error nothing is written."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.config import Settings
from arrears.kit.inputs import FIRST_DAY, LAST_DAY
from arrears.payments.reconcile.repository import ReconcileRepository
from arrears.payments.reconcile.rules import KINDS, Comparison, Finding, compare
from arrears.payments.reconcile.settlement import SettlementFile, SettlementFileError

_NAMED_DAY = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")


class PostPayment(Protocol):
    def __call__(
        self,
        connection: Connection,
        *,
        account_id: int,
        amount_fen: int,
        paid_at: datetime,
        trade_no: str,
        source: str,
        now: datetime,
        settings: Settings,
        order_id: int | None = None,
    ) -> int: ...


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    id: int
    gateway: str
    file_name: str
    file_sha256: str
    day: date
    ran_at: datetime
    ran_by: str
    rows: int
    counts: dict[str, int]
    differences: list[dict[str, Any]]

    @property
    def all_matched(self) -> bool:
        return not self.differences

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "gateway": self.gateway,
            "file_name": self.file_name,
            "file_sha256": self.file_sha256,
            "day": self.day.isoformat(),
            "ran_at": self.ran_at.isoformat(),
            "ran_by": self.ran_by,
            "rows": self.rows,
            "counts": self.counts,
            "all_matched": self.all_matched,
            "differences": self.differences,
        }


def settlement_day(settlement: SettlementFile, *, given: date | None) -> date:
    """The day the file settles: ``given``, else a date in the file's name (``2026-11-23`` or
    ``20261123``), else the one day of every payment time in it."""
    if given is not None:
        return given
    for found in _NAMED_DAY.finditer(settlement.name):
        try:
            named = date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
        except ValueError:
            continue
        if FIRST_DAY <= named <= LAST_DAY:
            return named
    days = {row.paid_day for row in settlement.rows if row.paid_day is not None}
    if len(days) == 1:
        return days.pop()
    raise SettlementFileError(
        f"{settlement.name}: cannot tell which day the file settles (no date in its name, "
        f"{'no payment time' if not days else 'payment times on several days'} in it): give the day",
        f"{settlement.name}：无法确定文件的结算日（文件名中没有日期，"
        f"{'文件中没有支付时间' if not days else '支付时间分属多天'}）：请指定日期",
    )


def _poster() -> PostPayment:
    from arrears.payments.posting import post_payment

    return post_payment


def run_reconciliation(
    connection: Connection,
    settlement: SettlementFile,
    *,
    day: date,
    actor: str,
    now: datetime,
    settings: Settings,
    post_payment: PostPayment | None = None,
) -> ReconciliationReport:
    """Compares, posts what is missing here, stores the report and audits the run."""
    repository = ReconcileRepository(connection)
    rows = settlement.rows
    comparison = compare(
        rows,
        orders=repository.orders(row.out_trade_no for row in rows),
        payments=repository.payments(row.trade_no for row in rows),
        posted_on_day=repository.posted_on(day),
        day=day,
    )
    posted = _post_missing(
        connection, comparison, settlement, now=now, settings=settings, post=post_payment or _poster()
    )
    tails = repository.account_tails(f.account_id for f in comparison.differences if f.account_id)
    differences = [_difference(f, posted, tails) for f in comparison.differences]
    counts = comparison.counts()
    report = {"day": day.isoformat(), "rows": len(rows), "counts": counts, "differences": differences}
    reconciliation_id = repository.save(
        gateway=settings.gateway, file_name=settlement.name, file_sha256=settlement.sha256, ran_at=now,
        ran_by=actor, counts=counts, report=report,
    )  # fmt: skip
    AuditLog(connection).append(
        at=now, actor=actor, action="reconcile.run", subject_type="reconciliation",
        subject_id=str(reconciliation_id),
        details={"file_name": settlement.name, "file_sha256": settlement.sha256, "day": day.isoformat(),
                 "rows": len(rows), "counts": counts, "posted": sorted(posted.values())},
    )  # fmt: skip
    return ReconciliationReport(
        id=reconciliation_id, gateway=settings.gateway, file_name=settlement.name,
        file_sha256=settlement.sha256, day=day, ran_at=now, ran_by=actor, rows=len(rows), counts=counts,
        differences=differences,
    )  # fmt: skip


def _post_missing(
    connection: Connection,
    comparison: Comparison,
    settlement: SettlementFile,
    *,
    now: datetime,
    settings: Settings,
    post: PostPayment,
) -> dict[str, int]:
    """Posts each trade missing here (``post_payment`` marks its order paid and audits the posting);
    returns the payment id per trade_no."""
    paid_at = {row.trade_no: row.paid_at for row in settlement.rows}
    posted: dict[str, int] = {}
    for finding in comparison.to_post:
        assert finding.account_id is not None and finding.gateway_fen is not None and finding.order_id
        at = paid_at[finding.trade_no]
        assert at is not None  # a TRADE_SUCCESS row always has its time
        posted[finding.trade_no] = post(
            connection, account_id=finding.account_id, amount_fen=finding.gateway_fen, paid_at=at,
            trade_no=finding.trade_no, source="reconcile", now=now, settings=settings,
            order_id=finding.order_id,
        )  # fmt: skip
    return posted


def _difference(finding: Finding, posted: dict[str, int], tails: dict[int, str]) -> dict[str, Any]:
    payment_id = posted.get(finding.trade_no) if finding.kind == "missing_here" else finding.payment_id
    return {
        "kind": finding.kind,
        "line": finding.line,
        "trade_no": finding.trade_no,
        "out_trade_no": finding.out_trade_no,
        "account_id": finding.account_id,
        "account_tail": tails.get(finding.account_id) if finding.account_id else None,
        "gateway_fen": finding.gateway_fen,
        "here_fen": finding.here_fen,
        "payment_id": payment_id,
        "action": "posted" if finding.kind == "missing_here" else "review",
    }


__all__ = ["KINDS", "PostPayment", "ReconciliationReport", "run_reconciliation", "settlement_day"]
