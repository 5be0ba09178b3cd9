"""What a posted payment (or its reversal) does to the collection at once (``docs/payments.md``, "What
a payment does").

In the posting's transaction (:func:`arrears.payments.posting.post_payment` calls
:func:`after_posting`):

1. The account's promises to pay and the instalments of its plans are settled with the daily run's own
   rules (:mod:`arrears.arrangements.settlement`), on the cardholders' today: a promise paid in full
   within its window is **kept** at once; one paid in part keeps its credit (``paid_fen``) and stays
   open until its date passes and the run judges it (partly kept or broken). An instalment paid in full
   is **kept** at once (paid ahead too), one paid in part keeps its credit; a plan whose total is paid
   is **completed**. Nothing is broken at once: that stays the run's judgement on the day after a date.
2. When the account is now current (nothing overdue) or a promise was kept by it, today's collection
   stops: the account's call queue items of the latest completed run that are planned or claimed are
   **withdrawn** (status ``withdrawn``; the claim's holder is kept, so the collector who has the case
   open still opens it and sees the banner), its queued collection messages (every channel) are
   **cancelled** before they are sent (an ``outbox_event`` ``cancelled`` with the detail ``paid:
   payment <id>``), and its visits still planned on today's routes are marked **skipped** with the
   outcome ``paid``.
3. When nothing is overdue any more, the account is recalled from the agency it is placed with
   (``paid_in_full``, :func:`arrears.agencies.recall.recall_paid`): the agency no longer sees it.
4. The receipt is queued (:func:`arrears.payments.receipt.queue_receipt`).
5. ``payment.effects`` is audited with counts only.

:func:`after_reversal` undoes it (in the reversal's transaction): promises and plans are settled again
without the reversed payment (a promise kept at once whose date has not passed is open again, an
instalment kept ahead is due again, a plan completed at once is active again); when the account is no
longer current and no promise was kept today, its withdrawn calls of the latest run go back to the
queue (planned, free for anyone) and its skipped visits of today are planned again. Cancelled messages
are **not** sent again: a collector sends what is still wanted.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.agencies.recall import recall_paid
from arrears.arrangements import settlement
from arrears.audit.repository import AuditLog, Pending
from arrears.config import Settings
from arrears.payments import effects_repository as repo

ACTOR = "system:payments"


@dataclass(frozen=True, slots=True)
class Settled:
    """What settling the account's promises and plans changed (counts)."""

    promises_kept: int = 0  # open -> kept
    promises_reopened: int = 0  # kept at once -> open again, or judged again lower (a reversal)
    promises_credited: int = 0  # open ones whose credit changed, still open
    instalments_kept: int = 0  # due -> kept
    instalments_reopened: int = 0  # kept ahead -> due again (a reversal)
    instalments_credited: int = 0  # credit changed, status not
    plans_completed: int = 0
    plans_reopened: int = 0  # completed -> active again (a reversal)


@dataclass(frozen=True, slots=True)
class Stopped:
    """What stopping (or reopening) today's collection changed (counts)."""

    calls: int = 0
    messages: int = 0
    visits: int = 0


def _counts(settled: Settled) -> dict[str, int]:
    return {one.name: getattr(settled, one.name) for one in fields(Settled)}  # shallow: asdict deep-copies


def local_today(now: datetime, settings: Settings) -> date:
    return now.astimezone(ZoneInfo(settings.timezone)).date()


# --- settling: the run's rules (arrangements.settlement), applied at once --------------------------


def promise_changes(
    rows: Sequence[dict[str, Any]], payments: Sequence[settlement.Paid], *, today: date
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The changes to the account's promises (rows of ``promise_to_pay``) from the payments that stand.
    Pure. A promise whose date has not passed is kept when paid in full, else open with its credit; one
    the run judged already is judged again (only a reversal changes what it is credited)."""
    terms = [settlement.Promised(r["id"], r["taken_on"], r["promised_date"], r["amount_fen"], r["created_at"])
             for r in rows]  # fmt: skip
    credited = settlement.allocate_promises(terms, payments)
    changes, counts = [], {"kept": 0, "reopened": 0, "credited": 0}
    for row in rows:
        paid = credited[row["id"]]
        if row["promised_date"] >= today:
            status = "kept" if paid >= row["amount_fen"] else "open"
            settled_on = today if status == "kept" else None
        elif row["status"] == "open":
            continue  # its date passed: the run judges it (today's payments are outside its window)
        else:
            status = settlement.promise_status(amount_fen=row["amount_fen"], paid_fen=paid)
            settled_on = row["settled_on"]
        if (status, paid) == (row["status"], row["paid_fen"]):
            continue
        if row["status"] == "open" and status == "kept":
            counts["kept"] += 1
        elif row["status"] != "open" and _rank(status) < _rank(row["status"]):
            counts["reopened"] += 1
        elif status == row["status"]:
            counts["credited"] += 1
        changes.append({"id": row["id"], "status": status, "paid_fen": paid, "settled_on": settled_on})
    return changes, counts


def _rank(status: str) -> int:
    return {"open": 0, "broken": 0, "partly_kept": 1, "kept": 2}.get(status, 0)


def plan_changes(
    plan: dict[str, Any], payments: Sequence[settlement.Paid], *, today: date
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, dict[str, int]]:
    """The changes to a plan's instalments, and to the plan, from the payments that stand. Pure. The
    run's :func:`settlement.settle_plan` on ``today``: an instalment not yet fallen due is kept when
    paid in full (else due, with its credit); one the run judged keeps its status, its credit follows
    the payments (as the run does). The plan is completed when paid; a plan completed at once that a
    reversal leaves unpaid is active again. Nothing is broken here: the run does that."""
    rows = plan["instalments"]
    dues = [settlement.Due(r["number"], r["due_date"], r["amount_fen"]) for r in rows]
    found = settlement.settle_plan(instalments=dues, payments=payments, agreed_on=plan["agreed_on"],
                                   as_of=today)  # fmt: skip
    stored = {row["number"]: row for row in rows}
    changes, counts = [], {"kept": 0, "reopened": 0, "credited": 0}
    for one in found.instalments:
        row = stored[one.number]
        change: dict[str, Any] = {}
        if row["due_date"] >= today and row["status"] in ("due", "kept") and one.status != row["status"]:
            change = {"status": one.status, "settled_on": today if one.status == "kept" else None}
            counts["kept" if one.status == "kept" else "reopened"] += 1
        elif row["paid_fen"] != one.paid_fen:
            counts["credited"] += 1
        if change or row["paid_fen"] != one.paid_fen:
            changes.append({"id": row["id"], "paid_fen": one.paid_fen, **change})
    plan_change = None
    if plan["status"] == "active" and found.status == "completed":
        plan_change = {"id": plan["id"], "status": "completed"}
    elif plan["status"] == "completed" and found.status != "completed":
        plan_change = {"id": plan["id"], "status": "active"}  # broken or not: the run judges it
    return changes, plan_change, counts


def settle_accounts(connection: Connection, account_ids: Sequence[int], *, today: date) -> dict[int, Settled]:
    """Settles each account's promises and plans in force on ``today`` from the payments that stand."""
    promises = repo.promises_of(connection, account_ids)
    plans = repo.plans_in_force(connection, account_ids)
    since = {
        account_id: min(starts)
        for account_id in account_ids
        if (starts := [row["taken_on"] for row in promises[account_id]]
            + [plan["agreed_on"] for plan in plans[account_id]])
    }  # fmt: skip
    paid = repo.counted_payments(connection, since, until=today)
    settled, changes = {}, {"promise": [], "instalment": [], "plan": []}  # type: ignore[var-annotated]
    for account_id in account_ids:
        if account_id not in since:
            settled[account_id] = Settled()
            continue
        promise_rows, promise_counts = promise_changes(promises[account_id], paid[account_id], today=today)
        changes["promise"] += promise_rows
        totals = {"kept": 0, "reopened": 0, "credited": 0, "completed": 0, "active": 0}
        for plan in plans[account_id]:
            instalments, plan_change, counts = plan_changes(plan, paid[account_id], today=today)
            changes["instalment"] += instalments
            for key, value in counts.items():
                totals[key] += value
            if plan_change is not None:
                changes["plan"].append(plan_change)
                totals[plan_change["status"]] += 1
        settled[account_id] = Settled(
            promises_kept=promise_counts["kept"], promises_reopened=promise_counts["reopened"],
            promises_credited=promise_counts["credited"], instalments_kept=totals["kept"],
            instalments_reopened=totals["reopened"], instalments_credited=totals["credited"],
            plans_completed=totals["completed"], plans_reopened=totals["active"],
        )  # fmt: skip
    for table_name, rows in changes.items():
        repo.update_rows(connection, table_name, rows)
    return settled


def kept_today(connection: Connection, account_id: int, today: date) -> bool:
    """Whether a promise of the account is kept with the settlement of ``today``."""
    return any(
        row["status"] == "kept" and row["settled_on"] == today
        for row in repo.promises(connection, account_id)
    )


# --- stopping today's collection ------------------------------------------------------------------


def stop_collection(
    connection: Connection, paid_by: Mapping[int, int], *, now: datetime, today: date
) -> dict[int, Stopped]:
    """Today's collection of each account stopped (``paid_by``: the payment that stops it, by account)."""
    run_date = repo.latest_run_date(connection)
    calls = repo.withdraw_calls(connection, account_ids=paid_by, run_date=run_date) if run_date else Counter()
    details = {account_id: f"{repo.PAID}: payment {payment_id}" for account_id, payment_id in paid_by.items()}
    messages = repo.cancel_collection_messages(connection, details, now=now)
    visits = repo.flag_visits(connection, account_ids=paid_by, day=today)
    return {one: Stopped(calls=calls[one], messages=messages[one], visits=visits[one]) for one in paid_by}


def reopen_collection(connection: Connection, *, account_id: int, today: date) -> Stopped:
    run_date = repo.latest_run_date(connection)
    calls = repo.reopen_calls(connection, account_id=account_id, run_date=run_date) if run_date else 0
    visits = repo.unflag_visits(connection, account_id=account_id, day=today)
    return Stopped(calls=calls, visits=visits)


def _entry(*, now: datetime, payment_id: int, account_id: int, details: dict[str, Any]) -> Pending:
    return Pending(
        at=now,
        actor=ACTOR,
        action="payment.effects",
        subject_type="payment",
        subject_id=str(payment_id),
        details={"account_id": account_id, **details},
    )


def after_posting(
    connection: Connection, *, account_id: int, payment_id: int, now: datetime, settings: Settings
) -> None:
    """:func:`after_postings` of one payment."""
    after_postings(connection, [(account_id, payment_id)], now=now, settings=settings)


def after_postings(
    connection: Connection, posted: Sequence[tuple[int, int]], *, now: datetime, settings: Settings
) -> None:
    """For the payments posted (account id, payment id), in the posting's transaction: settles each
    account's promises and plan instalments, stops today's collection where the account is now current
    or a promise is kept (the account's last payment of ``posted`` stops it), and queues the receipts.
    An account's counts are audited with its last payment (its earlier ones of ``posted`` count 0)."""
    from arrears.payments.receipt import queue_receipts

    today = local_today(now, settings)
    last = {account_id: payment_id for account_id, payment_id in posted}
    account_ids = list(last)
    settled = settle_accounts(connection, account_ids, today=today)
    overdue = repo.overdue_of(connection, account_ids)
    stopping = {one: last[one] for one in account_ids if overdue[one] <= 0 or settled[one].promises_kept}
    stopped = stop_collection(connection, stopping, now=now, today=today)
    paid_up = {one: last[one] for one in account_ids if overdue[one] <= 0}
    recall_paid(connection, paid_up, now=now, zone=settings.timezone)  # the agency sees it leave at once
    queue_receipts(connection, [payment_id for _, payment_id in posted], now=now, settings=settings)
    entries = []
    for account_id, payment_id in posted:
        mine = last[account_id] == payment_id
        counts, stops = (
            (settled[account_id], stopped.get(account_id, Stopped())) if mine else (Settled(), Stopped())
        )
        details = {"event": "posted", "current": overdue[account_id] <= 0, **_counts(counts),
                   "calls_withdrawn": stops.calls, "messages_cancelled": stops.messages,
                   "visits_flagged": stops.visits, "receipt_queued": True}  # fmt: skip
        entries.append(_entry(now=now, payment_id=payment_id, account_id=account_id, details=details))
    AuditLog(connection).append_many(entries)


def after_reversal(
    connection: Connection, *, account_id: int, payment_id: int, now: datetime, settings: Settings
) -> None:
    """Reopens what the reversed payment stopped or settled (``payment_id``: the reversal's entry).
    Cancelled messages are not queued again."""
    today = local_today(now, settings)
    settled = settle_accounts(connection, [account_id], today=today)[account_id]
    current = repo.overdue_fen(connection, account_id) <= 0
    reopened = Stopped()
    if not current and not kept_today(connection, account_id, today):
        reopened = reopen_collection(connection, account_id=account_id, today=today)
    details = {"event": "reversed", "current": current, **_counts(settled), "calls_reopened": reopened.calls,
               "visits_reopened": reopened.visits}  # fmt: skip
    AuditLog(connection).append_many(
        [_entry(now=now, payment_id=payment_id, account_id=account_id, details=details)]
    )
