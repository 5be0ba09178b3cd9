"""Legal review's use cases: the queue of accounts waiting for a decision with their evidence, the
decision (audited), the decisions made, and a case's legal items for its timeline. Nothing commits:
the caller owns the transaction (an audit transaction for :func:`decide`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.accounts.free_text import known_masks, mask_text
from arrears.audit.repository import AuditLog
from arrears.compliance.policy import Policy
from arrears.contacts import hold_rules
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.legal.case_repository import CaseRepository
from arrears.legal.cases import open_case
from arrears.legal.repository import REFERRAL, REQUEST, SUBJECT, LegalRepository
from arrears.legal.rules import OUTCOME_OF_STATUS, PROCEED, Decision, holds_against_proceeding
from arrears.users.service import StaffUser

PER_PAGE = 20
RECENT_DAYS = 30  # the decisions the legal page lists
RECENT_SHOWN = 50
TIMELINE_KIND_REQUESTED = "legal review requested"
TIMELINE_KIND_DECIDED = "legal review decided"
OUTCOME_LABELS = {"proceed": "proceed with legal action", "return": "returned to collection"}
LEGAL_KINDS = frozenset(kind for kind, rule in hold_rules.AUTHORITY.items() if rule.group == "legal")


class NothingWaiting(ArrearsError):
    """The account has no referral or request waiting for a decision (decided meanwhile)."""


class HeldBack(ArrearsError):
    """A hold stops the decision to proceed."""


def referral_reason(day: date) -> str:
    """The reason kept on a decided referral of the daily run (both languages: ``one_language``)."""
    return f"daily run referral of {day.isoformat()} / {day.isoformat()} 日批转法务审查"


def pages_of(total: int, per_page: int) -> int:
    return max(1, math.ceil(total / per_page))


def evidence(
    connection: Connection, account_ids: Sequence[int], *, now: datetime
) -> dict[int, dict[str, Any]]:
    """What a legal officer decides on, per account: its number, bucket, days past due, balance and
    overdue amount, the last payment, the calls and visits attempted and those that reached the
    cardholder, promises taken and broken, the demand letters sent, the active holds, and the last
    legal decision on it."""
    repository = LegalRepository(connection)
    accounts = repository.accounts(account_ids)
    payments, contacts = repository.last_payments(account_ids), repository.contacts(account_ids)
    promises, letters = repository.promises(account_ids), repository.demand_letters(account_ids)
    holds = repository.active_holds(accounts.values(), now)
    found = {}
    for account_id, account in accounts.items():
        last = repository.decisions(account_id=account_id, limit=1)
        found[account_id] = account | {
            "last_payment": payments.get(account_id),
            "contacts": contacts.get(account_id, {"attempted": 0, "reached": 0}),
            "promises": promises.get(account_id, {"taken": 0, "broken": 0}),
            "letters": letters.get(account_id, []),
            "holds": holds.get(account_id, []),
            "last_decision": _with_outcome(last[0]) if last else None,
        }
    return found


def _with_outcome(row: dict[str, Any]) -> dict[str, Any]:
    return row | {"outcome": OUTCOME_OF_STATUS.get(row["status"])}


def queue(
    connection: Connection,
    *,
    day: date,
    now: datetime,
    page: int,
    clear_text: bool,
    cipher: FieldCipher | None,
) -> dict[str, Any]:
    """One page of the accounts waiting for a decision on ``day`` (the business date): the daily
    run's referrals of that day and the collectors' open requests, the longest waiting first, each
    account with its items (requests' reasons masked unless ``clear_text``) and its evidence."""
    repository = LegalRepository(connection)
    counts = repository.count_waiting(day)
    pages = pages_of(counts["accounts"], PER_PAGE)
    page = min(page, pages)
    ids = repository.waiting_accounts(day, offset=(page - 1) * PER_PAGE, limit=PER_PAGE)
    found = evidence(connection, ids, now=now)
    items = repository.waiting_items(day, ids)
    if not clear_text:
        masks = known_masks(connection, {account["customer_id"] for account in found.values()}, cipher=cipher)
        items = [
            item
            | {"reason": mask_text(item["reason"], masks.get(found[item["account_id"]]["customer_id"], {}))}
            for item in items
        ]
    rows = [found[account_id] | {"items": [item for item in items if item["account_id"] == account_id]}
            for account_id in ids if account_id in found]  # fmt: skip
    return {"rows": rows, "counts": counts, "page": page, "pages": pages, "day": day}


def decide(
    connection: Connection,
    *,
    account_id: int,
    decision: Decision,
    by: StaffUser,
    day: date,
    policy: Policy,
    now: datetime,
) -> dict[str, Any]:
    """Decides everything waiting on the account for ``day``: its referral of the daily run and the
    collectors' open requests. Proceeding is refused under a hold that stops it
    (:func:`~arrears.legal.rules.holds_against_proceeding`); NothingWaiting when nothing waits
    (decided meanwhile by someone else); NotFound for a missing account. Audited as
    ``legal.proceeded`` or ``legal.returned`` with the reason; proceeding opens the account's legal
    case at review (``legal.cases``) unless one is open already."""
    repository = LegalRepository(connection)
    account = repository.lock_account(account_id)  # one decision at a time per account
    items = repository.waiting_items(day, [account_id])
    if not items:
        raise NothingWaiting(
            f"account {account['account_no']} has nothing waiting for a legal decision (decided already?)",
            f"账户 {account['account_no']} 没有待法务决定的事项（可能已有人处理）",
        )
    if decision.outcome == PROCEED:
        _check_holds(repository, account, policy, now)
    requests = [int(item["item_id"]) for item in items if item["source"] == REQUEST]
    if repository.decide_requests(requests, status=decision.status, by=by.id, at=now) != len(requests):
        raise NothingWaiting("the requests were decided meanwhile", "该申请已被他人处理")
    referrals = [
        item | {"customer_id": account["customer_id"]} for item in items if item["source"] == REFERRAL
    ]
    referral_rows = repository.decide_referrals(
        referrals, reason=referral_reason(day), status=decision.status, by=by.id, at=now
    )
    if len(referral_rows) != len(referrals):
        raise NothingWaiting("the referral was decided meanwhile", "该转介已被他人处理")
    details = {"account_id": account_id, "outcome": decision.outcome, "reason": decision.reason,
               "requests": requests, "referrals": [int(item["item_id"]) for item in referrals],
               "business_date": day.isoformat()}  # fmt: skip
    AuditLog(connection).append(at=now, actor=by.username, action=decision.action, subject_type=SUBJECT,
                                subject_id=str(account_id), details=details)  # fmt: skip
    case_id = None
    if decision.outcome == PROCEED:  # the account's legal case, opened at review (or the one open already)
        case_id = CaseRepository(connection).open_case_of(account_id)
        if case_id is None:
            case_id = open_case(connection, account_id=account_id, by=by, today=day, now=now)
    return details | {"account_no": account["account_no"], "case_id": case_id}


def _check_holds(repository: LegalRepository, account: dict[str, Any], policy: Policy, now: datetime) -> None:
    active = repository.blocking_holds(int(account["id"]), int(account["customer_id"]), now)
    blocking = policy.holds.blocking if policy.holds else ()
    held = holds_against_proceeding(active, blocking=blocking, legal_kinds=LEGAL_KINDS)
    if held:
        raise HeldBack(
            f"account {account['account_no']} is on hold ({', '.join(held)}): it cannot proceed to legal "
            "action until the hold is lifted; return it, or wait",
            f"账户 {account['account_no']} 处于停催状态（{'、'.join(hold_rules.KIND_ZH[k] for k in held)}），"
            "解除前不能进入法律程序；可先退回催收",
        )


def _grouped(
    repository: LegalRepository, rows: list[dict[str, Any]], *, clear_text: bool, masks: dict[int, Any]
) -> list[dict[str, Any]]:
    """Decided rows as decisions: one per account and instant, with its sources and its reason."""
    decisions: dict[tuple[int, datetime], dict[str, Any]] = {}
    for row in rows:
        key = (int(row["account_id"]), row["decided_at"])
        one = decisions.setdefault(key, _with_outcome(row) | {"sources": []})
        one["sources"].append(row)
    details = repository.decision_details(decisions)
    for key, one in decisions.items():
        reason = details.get(key, {}).get("reason")
        one["reason"] = reason if clear_text else mask_text(reason, masks.get(key[0], {}))
    return list(decisions.values())


def recent_decisions(
    connection: Connection, *, now: datetime, clear_text: bool, cipher: FieldCipher | None
) -> list[dict[str, Any]]:
    """The decisions of the last ``RECENT_DAYS`` days, the latest first (at most ``RECENT_SHOWN``
    rows), each with its reason or note."""
    repository = LegalRepository(connection)
    rows = repository.decisions(since=now - timedelta(days=RECENT_DAYS), limit=RECENT_SHOWN)
    masks = {} if clear_text else _account_masks(connection, {int(row["account_id"]) for row in rows}, cipher)
    return _grouped(repository, rows, clear_text=clear_text, masks=masks)


def _account_masks(
    connection: Connection, account_ids: set[int], cipher: FieldCipher | None
) -> dict[int, Any]:
    accounts = LegalRepository(connection).accounts(sorted(account_ids)) if account_ids else {}
    by_customer = known_masks(connection, {one["customer_id"] for one in accounts.values()}, cipher=cipher)
    return {account_id: by_customer.get(one["customer_id"], {}) for account_id, one in accounts.items()}


def timeline_items(connection: Connection, account_id: int, *, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The account's legal items for its case timeline: each collector's request (its reason as the
    note) and each decision (its outcome, and its reason or note), dated by their day in ``zone``.
    The notes are as written: the case file masks them for its reader."""
    repository = LegalRepository(connection)
    items = [
        {"on": row["requested_at"].astimezone(zone).date(), "at": row["requested_at"],
         "kind": TIMELINE_KIND_REQUESTED, "detail": None, "status": row["status"], "note": row["reason"]}
        for row in repository.requests_of(account_id)
    ]  # fmt: skip
    decided = _grouped(repository, repository.decisions(account_id=account_id, limit=200), clear_text=True,
                       masks={})  # fmt: skip
    items += [
        {"on": one["decided_at"].astimezone(zone).date(), "at": one["decided_at"],
         "kind": TIMELINE_KIND_DECIDED, "detail": OUTCOME_LABELS.get(one["outcome"] or ""),
         "status": None, "note": one["reason"]}
        for one in decided
    ]  # fmt: skip
    return items
