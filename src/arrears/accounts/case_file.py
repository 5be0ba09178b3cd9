"""The case file of an account, as collectors see it: personal data masked, the history in one
timeline. Free text (hold reasons, call and visit notes) is masked too unless the reader may see
personal data (``pii:reveal``): it may carry names, IDs, phones or addresses. SQL only; the caller
owns the transaction."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from arrears.accounts.free_text import known_masks, mask_text
from arrears.arrangements.repository import PlanRepository
from arrears.kit.crypto import FieldCipher
from arrears.kit.masking import mask_name
from arrears.legal.review import timeline_items as legal_timeline
from arrears.messaging.report import timeline_items
from arrears.models import (
    CardAccount,
    CardTransaction,
    CollectionAction,
    ContactEvent,
    ContactPoint,
    Customer,
    DailyRun,
    DelinquencySnapshot,
    Hold,
    Payment,
    PlanInstalment,
    PromiseToPay,
    RepaymentPlan,
    table_of,
)

HISTORY_DAYS = 12  # snapshots shown: the DPD and bucket history chart
TIMELINE_ITEMS = 200
CONSUMPTION_ITEMS = 20
IN_FORCE = ("active", "completed", "broken")  # plans whose instalments are (or were) due
_UTC = ZoneInfo("UTC")
_NO_TIME = datetime.min.replace(tzinfo=UTC)


def _rows(connection: Connection, query: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in connection.execute(query).mappings()]


def case_file(
    connection: Connection,
    account_id: int,
    *,
    clear_text: bool = False,
    cipher: FieldCipher | None = None,
    zone: ZoneInfo = _UTC,
) -> dict[str, Any] | None:
    """The account, its customer (masked), other accounts, DPD history, holds, timeline and the
    latest consumption records. The free text is masked unless ``clear_text`` (a reader with
    ``pii:reveal``); given the ``cipher``, the cardholder's own phones, addresses and ID are found in
    it too, not only the name and the patterns. The timeline dates contacts by their day in ``zone``
    (the cardholders')."""
    a, c, p = table_of(CardAccount), table_of(Customer), table_of(ContactPoint)
    account = connection.execute(select(a).where(a.c.id == account_id)).mappings().first()
    if account is None:
        return None
    customer = connection.execute(select(c).where(c.c.id == account["customer_id"])).mappings().one()
    points = _rows(
        connection,
        select(
            p.c.id, p.c.kind, p.c.value_masked, p.c.district, p.c.is_primary, p.c.opted_out, p.c.invalid_at
        )
        .where(p.c.customer_id == customer["id"])
        .order_by(p.c.id),
    )
    balances = (a.c.principal_fen, a.c.interest_fen, a.c.fee_fen, a.c.overdue_fen)
    accounts = _rows(
        connection,
        select(a.c.id, a.c.account_no, a.c.product, a.c.dpd, a.c.bucket, *balances)
        .where(a.c.customer_id == customer["id"])
        .order_by(a.c.id),
    )
    s = table_of(DelinquencySnapshot)
    history = _rows(
        connection,
        select(s.c.as_of_date, s.c.dpd, s.c.bucket, s.c.balance_fen)
        .where(s.c.account_id == account_id)
        .order_by(s.c.as_of_date.desc())
        .limit(HISTORY_DAYS),
    )
    h = table_of(Hold)
    holds = _rows(
        connection,
        select(
            h.c.id,
            h.c.account_id,
            h.c.kind,
            h.c.reason,
            h.c.placed_at,
            h.c.expires_at,
            h.c.lifted_at,
            h.c.staff_user_id,
            h.c.agency_code,
            h.c.amount_fen,
        )
        .where(h.c.customer_id == customer["id"])
        .order_by(h.c.placed_at.desc()),
    )
    found = {
        "account": {
            key: account[key]
            for key in (
                "id",
                "account_no",
                "product",
                "status",
                "dpd",
                "bucket",
                "regulatory_class",
                "principal_fen",
                "interest_fen",
                "fee_fen",
                "overdue_fen",
                "credit_limit_fen",
            )
        },
        "customer": {
            "id": customer["id"],
            "customer_no": customer["customer_no"],
            "name": mask_name(customer["name"]),
            "national_id": customer["national_id_masked"],
            "contact_points": points,
        },
        "accounts": accounts,
        "history": list(reversed(history)),
        "holds": holds,
        "timeline": timeline(connection, account_id, zone=zone),
        "consumption": consumption(connection, account_id),
        "payments": payments(connection, account_id),
        "withdrawal": withdrawal(connection, account_id),
    }
    return found if clear_text else _masked(connection, found, cipher)


def _masked(connection: Connection, found: dict[str, Any], cipher: FieldCipher | None) -> dict[str, Any]:
    """The case file with its free text masked by the patterns and the cardholder's known values."""
    customer_id = found["customer"]["id"]
    masks = known_masks(connection, [customer_id], cipher=cipher).get(customer_id, {})
    found["holds"] = [hold | {"reason": mask_text(hold["reason"], masks)} for hold in found["holds"]]
    found["timeline"] = [
        item | {"note": mask_text(item["note"], masks)} if "note" in item else item
        for item in found["timeline"]
    ]
    return found


PAYMENTS_SHOWN = 20


def payments(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    """The account's latest payments, newest first: source, the gateway's trade_no, amount, date, when
    it was posted, and the reversal that took it back (if any)."""
    pay = table_of(Payment)
    reversal = pay.alias("reversal")
    reversed_by = select(func.min(reversal.c.id)).where(reversal.c.reverses_id == pay.c.id).scalar_subquery()
    return _rows(
        connection,
        select(pay.c.id, pay.c.source, pay.c.trade_no, pay.c.amount_fen, pay.c.paid_date, pay.c.posted_at,
               pay.c.reverses_id, reversed_by.label("reversed_by"))
        .where(pay.c.account_id == account_id)
        .order_by(pay.c.paid_date.desc(), pay.c.id.desc())
        .limit(PAYMENTS_SHOWN),
    )  # fmt: skip


def withdrawal(connection: Connection, account_id: int) -> dict[str, Any] | None:
    """When the account's call of the latest completed run was withdrawn because of a payment
    (``arrears.payments.effects``): the payment's id and when it was posted; else None."""
    x, run, pay = table_of(CollectionAction), table_of(DailyRun), table_of(Payment)
    latest = select(func.max(run.c.run_date)).where(run.c.status == "completed").scalar_subquery()
    withdrawn = connection.execute(
        select(x.c.id).where(x.c.account_id == account_id, x.c.run_date == latest, x.c.channel == "call",
                             x.c.status == "withdrawn").limit(1)
    ).scalar()  # fmt: skip
    if withdrawn is None:
        return None
    found = connection.execute(
        select(pay.c.id, pay.c.posted_at, pay.c.amount_fen)
        .where(pay.c.account_id == account_id, pay.c.source != "reversal", pay.c.posted_at.is_not(None))
        .order_by(pay.c.posted_at.desc(), pay.c.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    return {"payment_id": found.id, "posted_at": found.posted_at, "amount_fen": found.amount_fen}


def consumption(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    """The account's latest card transactions (consumption records), newest first."""
    t = table_of(CardTransaction)
    return _rows(
        connection,
        select(t.c.posted_date, t.c.amount_fen, t.c.merchant, t.c.category)
        .where(t.c.account_id == account_id)
        .order_by(t.c.posted_date.desc(), t.c.id.desc())
        .limit(CONSUMPTION_ITEMS),
    )


def timeline(connection: Connection, account_id: int, *, zone: ZoneInfo = _UTC) -> list[dict[str, Any]]:
    """Actions, contacts, messages (with their status steps) and replies, payments, promises, plans
    and the instalments of plans in force, newest first. A contact, a message or a reply keeps its
    instant (``at``) and is dated by its day in ``zone``. A plan shows with its status and its
    decision's comment; the instalments of one waiting for approval or rejected were never due, and
    are not listed."""
    x, pay, pr = table_of(CollectionAction), table_of(Payment), table_of(PromiseToPay)
    plan, inst = table_of(RepaymentPlan), table_of(PlanInstalment)
    items = [
        {"on": r["run_date"], "kind": r["channel"], "detail": r["treatment"], "status": r["status"]}
        for r in _rows(
            connection,
            select(x.c.run_date, x.c.channel, x.c.treatment, x.c.status).where(x.c.account_id == account_id),
        )
    ]
    messages = timeline_items(connection, account_id, zone=zone)  # with their status steps, replies
    e = table_of(ContactEvent)
    events = select(e.c.at, e.c.channel, e.c.outcome, e.c.reason, e.c.notes, e.c.template).where(
        e.c.account_id == account_id
    )
    items += [
        {
            "on": r["at"].astimezone(zone).date(),
            "at": r["at"],
            "kind": f"{r['channel']} logged",
            "detail": r["reason"],
            "status": r["outcome"],
            "note": r["notes"],
        }
        for r in _not_shown(_rows(connection, events), messages)
    ]
    items += [
        {"on": r["paid_date"], "kind": "payment", "detail": r["amount_fen"], "status": r["channel"]}
        for r in _rows(
            connection,
            select(pay.c.paid_date, pay.c.amount_fen, pay.c.channel).where(pay.c.account_id == account_id),
        )
    ]
    items += [
        {"on": r["promised_date"], "kind": "promise", "detail": r["amount_fen"], "status": r["status"]}
        for r in _rows(
            connection,
            select(pr.c.promised_date, pr.c.amount_fen, pr.c.status).where(pr.c.account_id == account_id),
        )
    ]
    items += [
        {"on": r["due_date"], "kind": "instalment", "detail": r["amount_fen"], "status": r["status"]}
        for r in _rows(
            connection,
            select(inst.c.due_date, inst.c.amount_fen, inst.c.status)
            .join(plan, plan.c.id == inst.c.plan_id)
            .where(plan.c.account_id == account_id, plan.c.status.in_(IN_FORCE)),
        )
    ]
    items += plan_items(connection, account_id)
    items += legal_timeline(connection, account_id, zone=zone)  # legal review requests and decisions
    items += messages
    return sorted(items, key=_newest, reverse=True)[:TIMELINE_ITEMS]


def _not_shown(events: list[dict[str, Any]], messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The contacts, less those the dispatcher logged for a message the timeline shows already (one
    contact per message sent: the same channel, template and text)."""
    shown = Counter(
        (item["message"]["channel"], item["message"]["template"], item["message"]["body"])
        for item in messages
        if "message" in item
    )
    kept = []
    for event in events:
        key = (event["channel"], event["template"], event["notes"])
        if event["outcome"] == "sent" and shown[key] > 0:
            shown[key] -= 1
        else:
            kept.append(event)
    return kept


def _newest(item: dict[str, Any]) -> tuple[Any, ...]:
    return item["on"], item.get("at") or _NO_TIME, item["kind"]


def plan_items(connection: Connection, account_id: int) -> list[dict[str, Any]]:
    """One timeline item per plan, on the day it was agreed: what it collects, its status, and the
    approver's comment when it was decided with one."""
    return [
        {"on": r["agreed_on"], "kind": "plan", "plan_id": r["id"], "detail": r["total_fen"],
         "status": r["status"], "note": r["comment"]}
        for r in PlanRepository(connection).plans_of_account(account_id)
    ]  # fmt: skip
