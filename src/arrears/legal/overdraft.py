"""Malicious overdraft (恶意透支) referrals: the daily check over the book, the candidates legal
reviews, legal's decision (audited; no referral without it) and the referral pack.

:func:`check` records, for a check day, one candidate per account the rulebook's entry point allows
(:mod:`arrears.legal.overdraft_rules`), with its evidence. Running it again for the day refreshes the
pending candidates, removes those no longer eligible, adds new ones, and leaves decided ones alone. An
account already referred is not a candidate again; one legal decided not to refer comes back only
with a new pair of collections (after a payment). Nothing commits: the caller owns the transaction."""

from __future__ import annotations

import json
from bisect import bisect_left
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.legal.overdraft_repository import OverdraftRepository, from_epoch_day
from arrears.legal.overdraft_rules import (
    PENDING,
    REFER,
    STATUSES,
    Collection,
    Decision,
    Owed,
    Paid,
    Selection,
    allowed_on_pair,
    computation,
    evidence_json,
    latest_second_collection,
    pack_csv_rows,
    select,
)
from arrears.legal.repository import LegalRepository
from arrears.messaging.letters.rules import as_text_cell
from arrears.users.service import StaffUser

SUBJECT = "card_account"
SPAN = 20_000  # account ids checked at a time: what the check holds in memory is a range's
RECENT_DAYS = 30
RECENT_SHOWN = 50


class AlreadyDecided(ArrearsError):
    """The candidate was decided meanwhile."""


class NoLongerEligible(ArrearsError):
    """The account no longer meets the rule on the day of the decision (a payment since the check)."""


class NotReferred(ArrearsError):
    """A pack is asked for a candidate that was not referred."""


@dataclass(frozen=True, slots=True)
class CheckResult:
    check_date: date
    candidates: int  # the day's candidates after the check (pending and decided)
    added: int
    refreshed: int
    removed: int  # pending candidates of the day no longer eligible
    already_decided: int  # eligible accounts left out: referred, or not referred on the same evidence

    def report(self) -> dict[str, Any]:
        return asdict(self) | {"check_date": self.check_date.isoformat()}


def _end_of(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), zone)


def selections(
    connection: Connection, *, as_of: date, zone: ZoneInfo, account_ids: list[int] | None = None
) -> dict[int, tuple[dict[str, Any], Selection]]:
    """Each account with something overdue (all, or those of ``account_ids``) that has at least two
    effective collections, with its selection on ``as_of``."""
    repository = OverdraftRepository(connection)
    by_account: dict[int, list[Collection]] = defaultdict(list)
    for one in repository.collections(_end_of(as_of, zone), account_ids):
        on = one["at"].astimezone(zone).date()
        by_account[one["account_id"]].append(Collection(on, one["kind"], str(one["ref"])))
    ids = sorted(account for account, found in by_account.items() if len(found) >= 2)
    if not ids:
        return {}
    accounts = repository.overdue_accounts(ids)
    payments = repository.payments(ids, as_of=as_of)
    found = {}
    for account_id in ids:
        account = accounts.get(account_id)
        if account is None:
            continue
        owed = Owed(int(account["overdue_fen"]), int(account["principal_fen"]), int(account["balance_fen"]))
        paid = [Paid(on, fen) for on, fen in payments.get(account_id, [])]
        found[account_id] = (account, select(by_account[account_id], paid, owed=owed, as_of=as_of))
    return found


def _row(account: dict[str, Any], chosen: Selection, *, now: datetime) -> dict[str, Any]:
    assert chosen.first is not None and chosen.second is not None and chosen.eligible_from is not None
    return {
        "customer_id": account["customer_id"], "first_collection_on": chosen.first.on,
        "first_collection_kind": chosen.first.kind, "second_collection_on": chosen.second.on,
        "second_collection_kind": chosen.second.kind, "eligible_from": chosen.eligible_from,
        "last_payment_on": None if chosen.last_payment is None else chosen.last_payment.on,
        "overdue_fen": chosen.owed.overdue_fen, "principal_fen": chosen.owed.principal_fen,
        "balance_fen": chosen.owed.balance_fen, "dpd": int(account["dpd"]), "evidence": evidence_json(chosen),
        "checked_at": now,
    }  # fmt: skip


def _decided_before(decided: list[dict[str, Any]], chosen: Selection) -> bool:
    """Referred already, or not referred on the same second collection."""
    assert chosen.second is not None
    return any(
        one["status"] == STATUSES[REFER] or one["second_collection_on"] == chosen.second.on for one in decided
    )


def _eligible(
    repository: OverdraftRepository,
    low: int,
    high: int,
    *,
    as_of: date,
    zone: ZoneInfo,
    reversed_ids: list[int],
) -> dict[int, tuple[dict[str, Any], Selection]]:
    """The eligible accounts of ids ``low`` <= id < ``high`` with their selection. The pairs are
    aggregated in SQL and decided by the rulebook's entry point (``allowed_on_pair``); the evidence of
    the eligible alone is read, and :func:`select` makes their selection (the same as from
    :func:`selections`)."""
    # Only collections up to the latest second collection old enough on the day can make an eligible
    # pair: the first and the second of one are both on or before it (``latest_second_collection``)
    latest = _end_of(latest_second_collection(as_of), zone)
    rows = repository.pairs(low, high, before=latest, as_of=as_of, zone=zone, reversed_ids=reversed_ids)
    before = _end_of(as_of, zone)
    allowed = {
        int(row["id"]): row for row in rows
        if allowed_on_pair(from_epoch_day(row["first_day"]), from_epoch_day(row["second_day"]),
                           None if row["last_day"] is None else from_epoch_day(row["last_day"]),
                           overdue_fen=int(row["overdue_fen"]), as_of=as_of)
    }  # fmt: skip
    if not allowed:
        return {}
    ids = sorted(allowed)
    collections = repository.evidence(ids, before=before, zone=zone)
    payments = repository.payments(ids, as_of=as_of, reversed_ids=reversed_ids)
    found = {}
    for account_id in ids:
        account = allowed[account_id]
        owed = Owed(int(account["overdue_fen"]), int(account["principal_fen"]), int(account["balance_fen"]))
        paid = [Paid(on, fen) for on, fen in payments.get(account_id, [])]
        chosen = select(collections[account_id], paid, owed=owed, as_of=as_of)
        if chosen.eligible:
            found[account_id] = (account, chosen)
    return found


def check(connection: Connection, *, as_of: date, zone: ZoneInfo, now: datetime) -> CheckResult:
    """The check of ``as_of`` over the book (see the module's docstring), ``SPAN`` account ids at a time."""
    repository = OverdraftRepository(connection)
    repository.without_jit()
    span = repository.id_span()
    taken_back = repository.reversed_payments()  # (account id, payment id), in that order
    added = refreshed = removed = left_out = 0
    for low in range(span[0], span[1] + 1, SPAN) if span else ():
        high = low + SPAN
        reversed_ids = [
            one for account, one in taken_back[bisect_left(taken_back, (low, 0)) :] if account < high
        ]
        eligible = _eligible(repository, low, high, as_of=as_of, zone=zone, reversed_ids=reversed_ids)
        decided = repository.decided(sorted(eligible))
        day = repository.of_day(as_of, low, high)
        new, refresh = [], []
        for account_id, (account, chosen) in eligible.items():
            existing = day.get(account_id)
            if existing is not None and existing["status"] != PENDING:
                continue  # decided today: kept as decided
            if _decided_before(decided.get(account_id, []), chosen):
                left_out += 1
                continue
            values = _row(account, chosen, now=now)
            if existing is None:
                new.append(values | {"account_id": account_id, "check_date": as_of, "status": PENDING})
            else:
                refresh.append(values | {"candidate_id": int(existing["id"])})
        repository.refresh_all(refresh)
        gone = [int(one["id"]) for account_id, one in day.items()
                if one["status"] == PENDING and (account_id not in eligible or _decided_before(
                    decided.get(account_id, []), eligible[account_id][1]))]  # fmt: skip
        removed += repository.remove_pending(gone)
        repository.add(new)
        added, refreshed = added + len(new), refreshed + len(refresh)
    return CheckResult(as_of, repository.count_of_day(as_of), added, refreshed, removed, left_out)


# --- what legal sees ----------------------------------------------------------------------------------


def stored_selection(row: dict[str, Any]) -> Selection:
    """The selection a candidate's row keeps (its evidence, as the check saw it on its day)."""
    evidence = json.loads(row["evidence"])
    collections = [
        Collection(date.fromisoformat(c["on"]), c["kind"], c["ref"]) for c in evidence["collections"]
    ]
    last = evidence.get("last_payment")
    paid = [] if last is None else [Paid(date.fromisoformat(last["on"]), int(last["amount_fen"]))]
    owed = Owed(int(row["overdue_fen"]), int(row["principal_fen"]), int(row["balance_fen"]))
    return select(collections, paid, owed=owed, as_of=row["check_date"])


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    chosen = stored_selection(row)
    return row | {"collections": chosen.collections, "days_between": chosen.days_between,
                  "days_unpaid": chosen.days_unpaid, "last_payment": chosen.last_payment}  # fmt: skip


def listing(connection: Connection, *, day: date, now: datetime) -> dict[str, Any]:
    """The latest check on or before ``day``: its pending candidates with their evidence and holds,
    and the decisions of the last ``RECENT_DAYS`` days."""
    repository = OverdraftRepository(connection)
    checked = repository.latest_check(day)
    pending = [] if checked is None else [_shown(row) for row in repository.listed(checked, status=PENDING)]
    holds = LegalRepository(connection).active_holds(
        [{"id": row["account_id"], "customer_id": row["customer_id"]} for row in pending], now
    )
    for row in pending:
        row["holds"] = holds.get(int(row["account_id"]), [])
    decided = repository.recently_decided(now - timedelta(days=RECENT_DAYS), limit=RECENT_SHOWN)
    return {"check_date": checked, "pending": pending, "decided": decided}


def decide(
    connection: Connection,
    *,
    candidate_id: int,
    decision: Decision,
    by: StaffUser,
    day: date,
    zone: ZoneInfo,
    now: datetime,
) -> dict[str, Any]:
    """Legal's decision on a pending candidate, audited (``legal.overdraft_referred`` /
    ``legal.overdraft_not_referred``, subject the card account, with the reason and the evidence's
    pair). A referral is checked again on ``day`` (the business date): refused when the account no
    longer meets the rule (NoLongerEligible, with the rule's reasons). AlreadyDecided when decided
    meanwhile; NotFound for no such candidate."""
    repository = OverdraftRepository(connection)
    row = repository.get(candidate_id, lock=True)
    if row["status"] != PENDING:
        raise AlreadyDecided(
            f"the candidate {row['account_no']} of {row['check_date']} is decided already",
            f"账户 {row['account_no']}（{row['check_date']} 检查）已有决定",
        )
    if decision.outcome == REFER:
        _still_eligible(connection, row, day=day, zone=zone)
    if not repository.decide(candidate_id, status=decision.status, reason=decision.reason, by=by.id, at=now):
        raise AlreadyDecided("the candidate was decided meanwhile", "该候选已被他人处理")
    details = {"candidate_id": candidate_id, "account_id": row["account_id"], "outcome": decision.outcome,
               "reason": decision.reason, "check_date": row["check_date"].isoformat(),
               "first_collection_on": row["first_collection_on"].isoformat(),
               "second_collection_on": row["second_collection_on"].isoformat(),
               "overdue_fen": row["overdue_fen"], "business_date": day.isoformat()}  # fmt: skip
    AuditLog(connection).append(at=now, actor=by.username, action=decision.action, subject_type=SUBJECT,
                                subject_id=str(row["account_id"]), details=details)  # fmt: skip
    return details | {"account_no": row["account_no"]}


def _still_eligible(connection: Connection, row: dict[str, Any], *, day: date, zone: ZoneInfo) -> None:
    account_id = int(row["account_id"])
    found = selections(connection, as_of=max(day, row["check_date"]), zone=zone, account_ids=[account_id])
    chosen = found.get(account_id)
    if chosen is not None and chosen[1].eligible:
        return
    zh = "；".join(chosen[1].reasons_zh) if chosen else "有效催收不足两次或账户已无逾期欠款"
    en = (
        "; ".join(chosen[1].reasons_en)
        if chosen
        else "fewer than two effective collections, or nothing overdue"
    )
    raise NoLongerEligible(
        f"account {row['account_no']} no longer meets the malicious-overdraft rule on {day}: {en}",
        f"账户 {row['account_no']} 于 {day} 已不符合恶意透支移送条件：{zh}",
    )


def pack(
    connection: Connection, *, candidate_id: int, cipher: FieldCipher
) -> tuple[dict[str, Any], list[list[str]]]:
    """A referred candidate's pack for the public security organ: the cardholder (name and national ID
    in clear: the caller audits the download), the evidence and its computation (JSON) and the same as
    CSV rows. NotReferred for a candidate that was not referred; NotFound for none."""
    repository = OverdraftRepository(connection)
    row = repository.get(candidate_id)
    if row["status"] != STATUSES[REFER]:
        raise NotReferred(
            f"account {row['account_no']} was not referred: there is no referral pack",
            f"账户 {row['account_no']} 未移送，没有移送材料",
        )
    chosen = stored_selection(row)
    name, national_id = repository.holder(int(row["account_id"]))
    holder = {"name": name, "national_id": cipher.decrypt(national_id)}
    document = {
        "kind": "malicious_overdraft_referral",
        "account_no": row["account_no"],
        "cardholder": holder,
        "check_date": row["check_date"].isoformat(),
        "dpd": row["dpd"],
        "collections": [{"on": c.on.isoformat(), "kind": c.kind, "ref": c.ref} for c in chosen.collections],
        "computation": computation(chosen),
        "decision": {"outcome": REFER, "reason": row["reason"], "by": row["decided_by"],
                     "at": row["decided_at"].isoformat()},
    }  # fmt: skip
    rows = pack_csv_rows(chosen, account_no=str(row["account_no"]))
    number = rows[1][0] if len(rows) > 1 else str(row["account_no"])
    # the cardholder first: name and national ID as text cells, never run as spreadsheet formulas
    rows[1:1] = [[number, "cardholder_name", "", as_text_cell(holder["name"]), ""],
                 [number, "national_id", "", as_text_cell(holder["national_id"]), ""]]  # fmt: skip
    return document, rows


def record_download(connection: Connection, *, candidate_id: int, by: StaffUser, now: datetime) -> None:
    """A referral pack handed out, audited (``legal.overdraft_pack``, subject the card account)."""
    row = OverdraftRepository(connection).get(candidate_id)
    AuditLog(connection).append(
        at=now, actor=by.username, action="legal.overdraft_pack", subject_type=SUBJECT,
        subject_id=str(row["account_id"]), details={"candidate_id": candidate_id},
    )  # fmt: skip
