"""Malicious overdraft (恶意透支) referral, pure: which accounts the rulebook's entry point allows
(:func:`arrears.compliance.entry_points.malicious_overdraft_referral`), with the evidence it rests on;
legal's decision (refer or not, a reason either way); the referral pack's rows.

Effective collections are demand letters delivered and right-party calls (the debtor reached), dated
by their local day. A payment restarts the clock: only the collections on days after the last payment
count, so the pair the entry point chooses is one the cardholder has not paid since (a collection on
the payment's own day does not count: which came first is unknown). Nothing after ``as_of`` is seen.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from arrears.compliance.entry_points import (
    MIN_DAYS_BETWEEN_COLLECTIONS,
    UNPAID_MONTHS,
    Verdict,
    collection_pair,
    malicious_overdraft_referral,
    referral_eligible_from,
)
from arrears.kit.inputs import InvalidField, check_text
from arrears.messaging.letters.rules import as_text_cell

LETTER, CALL = "letter", "call"  # the kinds of effective collection
REFER, NOT_REFER = "refer", "not_refer"
OUTCOMES = (REFER, NOT_REFER)
STATUSES = {REFER: "referred", NOT_REFER: "not_referred"}
ACTIONS = {REFER: "legal.overdraft_referred", NOT_REFER: "legal.overdraft_not_referred"}
PENDING = "pending"


@dataclass(frozen=True, slots=True)
class Collection:
    """An effective collection: its local day, its kind (letter, call) and its reference (a letter's
    tracking number, a call's contact event)."""

    on: date
    kind: str
    ref: str


@dataclass(frozen=True, slots=True)
class Paid:
    on: date
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Owed:
    overdue_fen: int
    principal_fen: int  # the principal part of the balance (the book keeps no principal part of overdue)
    balance_fen: int


@dataclass(frozen=True, slots=True)
class Selection:
    """What the check found on one account on ``as_of``: the verdict, the pair, and the figures."""

    as_of: date
    verdict: Verdict
    collections: tuple[Collection, ...]  # those that count (after the last payment), in order
    first: Collection | None
    second: Collection | None
    eligible_from: date | None
    last_payment: Paid | None
    owed: Owed
    reasons_zh: tuple[str, ...]
    reasons_en: tuple[str, ...]

    @property
    def eligible(self) -> bool:
        return not self.reasons_en

    @property
    def days_between(self) -> int | None:
        return None if self.first is None or self.second is None else (self.second.on - self.first.on).days

    @property
    def days_unpaid(self) -> int | None:
        return None if self.second is None else (self.as_of - self.second.on).days


def _ordered(collections: Sequence[Collection]) -> tuple[Collection, ...]:
    """By day, a letter before a call on the same day, then by reference (a stable order)."""
    return tuple(sorted(collections, key=lambda c: (c.on, c.kind != LETTER, c.ref)))


def select(
    collections: Sequence[Collection], payments: Sequence[Paid], *, owed: Owed, as_of: date
) -> Selection:
    """The account's selection on ``as_of`` (see the module's docstring)."""
    paid = [one for one in payments if one.on <= as_of and one.amount_fen > 0]
    last = max(paid, key=lambda one: one.on) if paid else None
    counted = _ordered([c for c in collections if c.on <= as_of and (last is None or c.on > last.on)])
    pair = collection_pair([c.on for c in counted])
    first = second = None
    if pair is not None:
        first = next(c for c in counted if c.on == pair[0])
        second = next(c for c in counted if c.on == pair[1])
    paid_since = pair is not None and any(one.on > pair[1] for one in paid)
    verdict = malicious_overdraft_referral([c.on for c in counted], today=as_of, paid_since=paid_since)
    zh, en = list(verdict.reasons_zh), list(verdict.reasons_en)
    if owed.overdue_fen <= 0:
        zh.append("账户没有逾期欠款")
        en.append("nothing is overdue on the account")
    eligible_from = None if second is None else referral_eligible_from(second.on)
    return Selection(as_of, verdict, counted, first, second, eligible_from, last, owed, tuple(zh), tuple(en))


def allowed_on_pair(
    first: date, second: date, last_paid: date | None, *, overdue_fen: int, as_of: date
) -> bool:
    """Whether :func:`select` finds an account eligible, from the three days the check aggregates in SQL
    instead of every collection: the first collection that counts (the earliest after the last
    payment), the second (the earliest at least ``MIN_DAYS_BETWEEN_COLLECTIONS`` days after it) and the
    last payment's day. That is the pair :func:`collection_pair` chooses among all the collections that
    count, and the rulebook's entry point looks at nothing but the pair and the payments since; so it
    decides here as it does in :func:`select`."""
    paid_since = last_paid is not None and last_paid > second
    verdict = malicious_overdraft_referral([first, second], today=as_of, paid_since=paid_since)
    return verdict.allowed and overdue_fen > 0


def latest_second_collection(as_of: date) -> date:
    """The latest day a second collection can fall on for the entry point to find it old enough on
    ``as_of`` (``referral_eligible_from`` never goes back as the second collection moves on, so every
    later one is refused as too recent). The first and the second collection of an eligible pair are
    both on or before it: the check reads the collections up to it alone, and the pair it aggregates
    from them is the same, which :func:`allowed_on_pair` then decides."""
    second = as_of
    while referral_eligible_from(second) > as_of:
        second -= timedelta(days=1)
    return second


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: str
    reason: str

    @property
    def status(self) -> str:
        return STATUSES[self.outcome]

    @property
    def action(self) -> str:
        return ACTIONS[self.outcome]


def decision(outcome: str, reason: str | None) -> Decision:
    """Legal's decision as the form gave it: refer or not, with a reason (required both ways: a
    referral to the police and a decision not to refer are both answered for)."""
    if outcome not in OUTCOMES:
        raise InvalidField("outcome", "choose to refer or not to refer", "请选择移送或不移送")
    text = check_text(reason or "", field="reason").strip()
    if not text:
        raise InvalidField("reason", "the decision needs its reason", "请写明决定的理由")
    return Decision(outcome, text)


# --- the record and the pack ------------------------------------------------------------------------


def _yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def evidence_json(chosen: Selection) -> str:
    """The evidence kept on the candidate's row: every collection that counts, the last payment."""
    return json.dumps(
        {"collections": [{"on": c.on.isoformat(), "kind": c.kind, "ref": c.ref} for c in chosen.collections],
         "last_payment": None if chosen.last_payment is None
         else {"on": chosen.last_payment.on.isoformat(), "amount_fen": chosen.last_payment.amount_fen}},
        ensure_ascii=False, sort_keys=True,
    )  # fmt: skip


def computation(chosen: Selection) -> dict[str, Any]:
    """The figures and rule behind the selection, as the pack states them."""
    return {
        "rule": chosen.verdict.rule,
        "criteria": {"min_days_between_collections": MIN_DAYS_BETWEEN_COLLECTIONS,
                     "unpaid_months_after_second": UNPAID_MONTHS,
                     "payment_restarts_clock": True},
        "as_of": chosen.as_of.isoformat(),
        "first_collection": _collection(chosen.first),
        "second_collection": _collection(chosen.second),
        "days_between": chosen.days_between,
        "eligible_from": None if chosen.eligible_from is None else chosen.eligible_from.isoformat(),
        "days_unpaid_since_second": chosen.days_unpaid,
        "last_payment": None if chosen.last_payment is None
        else {"on": chosen.last_payment.on.isoformat(), "amount_fen": chosen.last_payment.amount_fen},
        "overdue_fen": chosen.owed.overdue_fen,
        "principal_fen": chosen.owed.principal_fen,
        "balance_fen": chosen.owed.balance_fen,
        "eligible": chosen.eligible,
        "reasons_zh": list(chosen.reasons_zh),
        "reasons_en": list(chosen.reasons_en),
    }  # fmt: skip


def _collection(one: Collection | None) -> dict[str, str] | None:
    return None if one is None else {"on": one.on.isoformat(), "kind": one.kind, "ref": one.ref}


def pack_csv_rows(chosen: Selection, *, account_no: str) -> list[list[str]]:
    """The pack's CSV: a header, then one row per fact (collections, the computation, the amounts)."""
    account_no = as_text_cell(account_no)  # the bank's number, never run as a spreadsheet formula
    rows = [["account_no", "item", "date", "detail", "amount_yuan"]]
    for number, one in enumerate(chosen.collections, start=1):
        rows.append([account_no, f"collection_{number}", one.on.isoformat(), f"{one.kind} {one.ref}", ""])
    if chosen.first is not None and chosen.second is not None:
        rows.append([account_no, "first_of_pair", chosen.first.on.isoformat(), chosen.first.kind, ""])
        rows.append([account_no, "second_of_pair", chosen.second.on.isoformat(), chosen.second.kind, ""])
        rows.append([account_no, "days_between", "", str(chosen.days_between), ""])
    if chosen.eligible_from is not None:
        rows.append([account_no, "eligible_from", chosen.eligible_from.isoformat(),
                     f"second collection + {UNPAID_MONTHS} months + 1 day", ""])  # fmt: skip
        rows.append([account_no, "days_unpaid_since_second", "", str(chosen.days_unpaid), ""])
    if chosen.last_payment is not None:
        rows.append([account_no, "last_payment", chosen.last_payment.on.isoformat(), "",
                     _yuan(chosen.last_payment.amount_fen)])  # fmt: skip
    rows.append([account_no, "as_of", chosen.as_of.isoformat(), "", ""])
    rows.append([account_no, "overdue", "", "", _yuan(chosen.owed.overdue_fen)])
    rows.append([account_no, "principal", "", "", _yuan(chosen.owed.principal_fen)])
    rows.append([account_no, "balance", "", "", _yuan(chosen.owed.balance_fen)])
    return rows
