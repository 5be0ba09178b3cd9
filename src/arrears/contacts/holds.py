"""Holds (停催): placing one on an account or on all the customer's accounts, and lifting it, each
appended to the audit chain. Who may place and lift each kind is ``hold_rules``: a role outside it is
refused (``HoldNotPermitted``), whichever edge it comes through. The rulebook sees a hold from the
moment it is placed until it is lifted or expires (``dialling.check_contact``, the daily run).

A hold placed recalls the accounts it covers from the agencies they are placed with, at once
(``agencies.recall``: the agency no longer sees them).

The audit entry names the hold, its kind, account and customer ids and expiry; the free-text reasons
stay on the hold row (they may carry personal data, which never goes into audit details). The caller's
transaction must be able to append (``audit_transaction``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.accounts.free_text import mask_rows
from arrears.audit.repository import AuditLog
from arrears.contacts import hold_rules
from arrears.contacts.dialling import aware
from arrears.contacts.repository import ContactRepository
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError, NotFound
from arrears.kit.inputs import check_text
from arrears.models import HOLD_KINDS
from arrears.users.permissions import allowed

PLACED, LIFTED = "hold.placed", "hold.lifted"


class HoldNotPermitted(ArrearsError):
    """The role may not place, or may not lift, a hold of this kind."""

    def __init__(self, *, role: str, kind: str, lifting: bool) -> None:
        what_en, what_zh = ("lift", "解除") if lifting else ("place", "添加")
        kind_zh = hold_rules.KIND_ZH.get(kind, kind)
        super().__init__(
            f"the role {role} may not {what_en} a {kind} hold", f"角色 {role} 无权{what_zh}“{kind_zh}”停催"
        )


def _reason(reason: str, what_en: str, what_zh: str) -> str:
    check_text(reason, field="reason")
    if not reason.strip():
        raise ArrearsError(f"{what_en} needs a reason", f"{what_zh}必须说明理由")
    return reason.strip()


def place_hold(
    connection: Connection,
    *,
    account_id: int,
    kind: str,
    reason: str,
    user_id: int | None,
    actor: str,
    role: str,
    now: datetime,
    expires_at: datetime | None = None,
    whole_customer: bool = True,
    staff_user_id: int | None = None,
    agency_code: str | None = None,
    amount_fen: int | None = None,
) -> dict[str, Any]:
    """Places a hold of ``kind`` on the account (or, by default, on all its customer's accounts),
    until lifted or until ``expires_at``; audited. A hold naming ``staff_user_id`` or ``agency_code``
    stops only their contact; ``amount_fen`` is a dispute's amount. NotFound for a missing account;
    HoldNotPermitted when ``role`` may not place that kind."""
    if kind not in HOLD_KINDS:
        raise ArrearsError(
            f"unknown hold kind {kind} (one of {', '.join(HOLD_KINDS)})", f"未知停催类型 {kind}"
        )
    text = _reason(reason, "a hold", "停催")
    if not hold_rules.may_place(role=role, kind=kind):
        raise HoldNotPermitted(role=role, kind=kind, lifting=False)
    if expires_at is not None and aware(expires_at, "expires_at") <= aware(now, "now"):
        raise ArrearsError("a hold cannot expire in the past", "停催的到期时间不能早于当前时间")
    repository = ContactRepository(connection)
    account = repository.account(account_id)
    hold = repository.add_hold(
        {
            "customer_id": account.customer_id,
            "account_id": None if whole_customer else account_id,
            "kind": kind,
            "reason": text,
            "placed_by_id": user_id,
            "placed_at": now,
            "expires_at": expires_at,
            "staff_user_id": staff_user_id,
            "agency_code": agency_code,
            "amount_fen": amount_fen,
        }
    )
    _audit(connection, hold, action=PLACED, actor=actor, at=now, via_account=account_id)
    _recall_placements(connection, hold, actor=actor, now=now)
    return hold


def _recall_placements(connection: Connection, hold: dict[str, Any], *, actor: str, now: datetime) -> None:
    """The accounts the hold covers leave their agency at once (``agencies.recall``: a complaint hold
    recalls as ``complaint``, any other as ``hold``), in the hold's transaction."""
    from arrears.agencies.recall import recall_for_hold  # the agencies' package reads the holds' tables

    recall_for_hold(connection, hold, now=now, actor=actor)


def lift_hold(
    connection: Connection,
    *,
    hold_id: int,
    reason: str,
    user_id: int | None,
    actor: str,
    role: str,
    now: datetime,
    cipher: FieldCipher | None = None,
) -> dict[str, Any]:
    """Lifts the hold with a reason; audited. Refused when ``role`` may not lift its kind
    (HoldNotPermitted), or when it was lifted already or has expired. The hold is returned with its
    placer's reason masked unless ``role`` may see personal data (the cardholder's known values found
    too, given the ``cipher``)."""
    aware(now, "now")
    check_text(reason, field="reason")
    repository = ContactRepository(connection)
    hold = repository.hold(hold_id)
    if hold is None:
        raise NotFound(f"no hold {hold_id}", f"没有停催记录 {hold_id}")
    if not hold_rules.may_lift(role=role, kind=hold["kind"]):
        raise HoldNotPermitted(role=role, kind=hold["kind"], lifting=True)
    text = _reason(reason, "lifting a hold", "解除停催")
    if hold["expires_at"] is not None and hold["expires_at"] <= now:
        raise ArrearsError("the hold has expired already", "该停催已到期")
    lifted = {"lifted_at": now, "lifted_by_id": user_id, "lift_reason": text}
    if hold["lifted_at"] is not None or not repository.lift_hold(hold_id=hold_id, values=lifted):
        raise ArrearsError("the hold was lifted already", "该停催已被解除")
    hold |= lifted
    _audit(connection, hold, action=LIFTED, actor=actor, at=now)
    if allowed(role, "pii:reveal"):
        return hold
    return mask_rows(connection, [hold], ["reason"], cipher=cipher)[0]


def hold_accounts(connection: Connection, hold_id: int) -> list[int]:
    """The accounts the hold covers (empty when there is no such hold): for scope checks."""
    return ContactRepository(connection).accounts_of_hold(hold_id)


def _audit(
    connection: Connection,
    hold: dict[str, Any],
    *,
    action: str,
    actor: str,
    at: datetime,
    via_account: int | None = None,
) -> None:
    details = {
        "kind": hold["kind"],
        "customer_id": hold["customer_id"],
        "account_id": hold["account_id"],
        "expires_at": hold["expires_at"].isoformat() if hold["expires_at"] else None,
    }
    named = {key: hold.get(key) for key in ("staff_user_id", "agency_code", "amount_fen") if hold.get(key)}
    details |= named | ({"placed_via_account": via_account} if via_account is not None else {})
    AuditLog(connection).append(
        at=at, actor=actor, action=action, subject_type="hold", subject_id=str(hold["id"]), details=details
    )
