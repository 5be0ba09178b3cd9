"""Requests for a field visit or a legal review of an account, for the visit planners and legal.

A request needs a reason; an account has at most one open request of a kind. As the daily run does
with its tasks, a request is refused while a hold that the policy says blocks contact is active.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.compliance.policy import Policy
from arrears.contacts.dialling import aware
from arrears.contacts.repository import ContactRepository
from arrears.contacts.rules import blocking_holds
from arrears.debtsale.exclusion import refuse_sold
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import check_text
from arrears.models import REQUEST_KINDS

MAX_LISTED = 500
_KIND_ZH = {"visit": "外访", "legal_review": "法务审查"}


def _known(kind: str) -> str:
    if kind not in REQUEST_KINDS:
        raise ArrearsError(
            f"unknown request kind {kind} (one of {', '.join(REQUEST_KINDS)})", f"未知申请类型 {kind}"
        )
    return kind


def request_case(
    connection: Connection,
    *,
    account_id: int,
    kind: str,
    reason: str,
    user_id: int | None,
    policy: Policy,
    now: datetime,
) -> dict[str, Any]:
    """Opens a visit or legal-review request on the account. Refused without a reason, when one of
    the kind is open already, on a sold account (AccountSold), or under a hold that blocks contact;
    NotFound for a missing account."""
    _known(kind)
    aware(now, "now")
    if not check_text(reason, field="reason").strip():
        raise ArrearsError("a request needs a reason", "申请必须说明理由")
    repository = ContactRepository(connection)
    account = repository.account(account_id, lock=True)  # one request at a time per account
    refuse_sold(connection, account_id, what_en=f"a {kind} request", what_zh=f"申请{_KIND_ZH[kind]}")
    if repository.open_request(account_id=account_id, kind=kind) is not None:
        raise ArrearsError(
            f"the account has an open {kind} request already", f"该账户已有未处理的{_KIND_ZH[kind]}申请"
        )
    holds = repository.active_holds(customer_id=account.customer_id, account_id=account_id, at=now)
    held = blocking_holds(policy, holds)
    if held:
        rule = policy.holds.rule if policy.holds else "HOLD"
        raise ArrearsError(
            f"{rule}: active hold {', '.join(held)}; no {kind} request until it is lifted",
            f"{rule}：账户处于暂停状态（{'、'.join(held)}），解除前不能申请{_KIND_ZH[kind]}",
        )
    values = {
        "account_id": account_id,
        "customer_id": account.customer_id,
        "kind": kind,
        "reason": reason.strip(),
        "status": "open",
        "requested_by_id": user_id,
        "requested_at": now,
    }
    return repository.add_request(values)


def open_requests(connection: Connection, *, kind: str, limit: int = MAX_LISTED) -> list[dict[str, Any]]:
    """The open requests of a kind, the oldest first, with the account's number, DPD, bucket and
    overdue amount (for visit planning and legal)."""
    return ContactRepository(connection).open_requests(kind=_known(kind), limit=limit)
