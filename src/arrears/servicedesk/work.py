"""Working a service case: acknowledge, assign, notes, resolution, closure. Each step is audited
(``service_case.*``, ids and codes only: the texts are encrypted on their rows) and moves the case only
from the states that allow it, so a second click or a colleague's step is refused, not repeated.

Closing lifts every hold the case placed that is still in force (with the case's authority,
``hold_rules.SERVICE_CASE``) and closes the portal request it came from. A regulator referral closes
only after its response letter is queued. The caller's transaction must be able to append.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from arrears.audit.repository import AuditLog
from arrears.contacts import hold_rules
from arrears.contacts.holds import lift_hold
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import NotFound
from arrears.kit.inputs import InvalidField
from arrears.portal.requests_repository import RequestRepository
from arrears.servicedesk.repository import OPEN, ServiceRepository
from arrears.servicedesk.rules import (
    MAX_SUMMARY,
    CaseStateError,
    Resolution,
    check_long_text,
    check_resolution,
)
from arrears.users.permissions import allowed
from arrears.users.service import StaffUser

DESK_ROLES = frozenset({"customer_service", "compliance", "team_lead", "manager"})
NOTE_LIMIT = MAX_SUMMARY


def found_case(repository: ServiceRepository, case_id: int, *, lock: bool = False) -> dict[str, Any]:
    found = repository.case(case_id, lock=lock)
    if found is None:
        raise NotFound(f"no service case {case_id}", f"没有客服工单 {case_id}")
    return found


def case_account(connection: Connection, case_id: int) -> int:
    """The case's account id (for scope checks); NotFound when there is no such case."""
    return int(found_case(ServiceRepository(connection), case_id)["account_id"])


def _audit(
    connection: Connection, *, by: str, now: datetime, action: str, case_id: int, **details: Any
) -> None:
    AuditLog(connection).append(
        at=now, actor=by, action=f"service_case.{action}", subject_type="service_case",
        subject_id=str(case_id), details=details,
    )  # fmt: skip


def _refused(en: str, zh: str) -> CaseStateError:
    return CaseStateError(en, zh)


def acknowledge(connection: Connection, *, case_id: int, by: StaffUser, now: datetime) -> None:
    """Acknowledges receipt (open -> acknowledged); the acknowledger takes the case if nobody has it."""
    repository = ServiceRepository(connection)
    found = found_case(repository, case_id, lock=True)  # an assignment made meanwhile is kept
    values: dict[str, Any] = {"status": "acknowledged", "acknowledged_at": now}
    if found["assigned_to_id"] is None:
        values |= {"assigned_to_id": by.id, "assigned_at": now}
    if not repository.move(case_id, from_statuses=("open",), values=values):
        raise _refused("the case is acknowledged already", "该工单已确认受理")
    late = now >= found["acknowledge_by"]
    _audit(connection, by=f"user:{by.id}", now=now, action="acknowledged", case_id=case_id, late=late)


def assign(connection: Connection, *, case_id: int, to_user_id: int, by: StaffUser, now: datetime) -> None:
    """Gives the unresolved case to a member of the desk (customer service, compliance, a team lead or a
    manager)."""
    repository = ServiceRepository(connection)
    found_case(repository, case_id)
    target = repository.user(to_user_id)
    if target is None or not target["is_active"] or target["role"] not in DESK_ROLES:
        raise InvalidField("assignee", "choose a member of the service desk", "请选择客服组成员")
    values = {"assigned_to_id": to_user_id, "assigned_at": now}
    if not repository.move(case_id, from_statuses=OPEN, values=values):
        raise _refused("the case is resolved already", "该工单已处理完毕")
    _audit(connection, by=f"user:{by.id}", now=now, action="assigned", case_id=case_id, to_user_id=to_user_id)


def add_note(
    connection: Connection, *, case_id: int, text: str, kind: str, by: StaffUser, cipher: FieldCipher,
    now: datetime
) -> int:  # fmt: skip
    """A note (``note``) or a contact with the cardholder (``contact``) on the case, encrypted."""
    if kind not in ("note", "contact"):
        raise InvalidField("kind", "a note or a contact", "备注或联系记录")
    clear = check_long_text(text, "text")
    if not clear:
        raise InvalidField("text", f"write 1 to {NOTE_LIMIT} characters", f"请填写 1 至 {NOTE_LIMIT} 个字符")
    repository = ServiceRepository(connection)
    if found_case(repository, case_id)["status"] == "closed":
        raise _refused("the case is closed", "该工单已结案")
    note_id = repository.add_note(
        {"case_id": case_id, "at": now, "user_id": by.id, "kind": kind, "text_enc": cipher.encrypt(clear)}
    )
    _audit(
        connection, by=f"user:{by.id}", now=now, action="note", case_id=case_id, kind=kind, note_id=note_id
    )
    return note_id


def resolve(
    connection: Connection, *, case_id: int, resolution: Resolution, by: StaffUser, cipher: FieldCipher,
    now: datetime
) -> Resolution:  # fmt: skip
    """Records the decision (upheld, partly upheld, not upheld), its remedies and its reasons; the case
    is resolved (its resolution clock stops). A waiver needs the plan that carries it, proposed on the
    account since the case was received (its approval, when it needs one, is linked); InvalidField
    naming ``remedies`` otherwise."""
    checked = check_resolution(resolution)
    repository = ServiceRepository(connection)
    found = found_case(repository, case_id, lock=True)
    plan, approval_id = None, None
    if "waiver" in checked.remedies:  # a waiver is granted through the approval flow, never here
        plan = repository.waiver_plan(found["account_id"], since=found["received_at"])
        if plan is None:
            raise InvalidField(
                "remedies",
                "a waiver needs its plan: propose the plan with the waiver on the account's case page first",
                "减免须经审批：请先在账户案件页提出含减免的还款计划",
            )
        approval_id = plan["approval_id"]
    values = {"status": "resolved", "outcome": checked.outcome,
              "remedies": ",".join(checked.remedies) or None, "refund_fen": checked.refund_fen,
              "resolution_enc": cipher.encrypt(checked.text),
              "resolved_at": now, "resolved_by_id": by.id, "approval_id": approval_id}  # fmt: skip
    if found["acknowledged_at"] is None:
        values["acknowledged_at"] = now  # a decision acknowledges too
    if not repository.move(case_id, from_statuses=OPEN, values=values):
        raise _refused("the case is resolved already", "该工单已处理完毕")
    _audit(connection, by=f"user:{by.id}", now=now, action="resolved", case_id=case_id,
           outcome=checked.outcome, remedies=list(checked.remedies), refund_fen=checked.refund_fen,
           in_time=now <= found["resolve_by"], approval_id=approval_id,
           plan_id=plan["id"] if plan else None)  # fmt: skip
    return checked


def close(connection: Connection, *, case_id: int, by: StaffUser, now: datetime) -> list[int]:
    """Closes the resolved case: lifts its holds still in force, closes its portal request; audited.
    Answers the ids of the holds lifted."""
    repository = ServiceRepository(connection)
    found = found_case(repository, case_id, lock=True)
    if found["status"] != "resolved":
        raise _refused("only a resolved case closes", "只有已处理的工单可以结案")
    if found["regulator"] and found["letter_message_id"] is None:
        raise _refused(
            "a regulator referral closes after its response letter", "监管转办须先发出答复函才能结案"
        )
    if not repository.move(
        case_id, from_statuses=("resolved",), values={"status": "closed", "closed_at": now}
    ):
        raise _refused("the case is closed already", "该工单已结案")
    lifted = []
    for hold in repository.holds_of(case_id, lock=True):
        in_force = hold["lifted_at"] is None and (hold["expires_at"] is None or hold["expires_at"] > now)
        if in_force:
            reason = f"service case {case_id} closed / 客服工单 {case_id} 已结案"
            lift_hold(connection, hold_id=int(hold["id"]), reason=reason, user_id=by.id,
                      actor=f"user:{by.id}", role=hold_rules.SERVICE_CASE, now=now)  # fmt: skip
            lifted.append(int(hold["id"]))
    if found["portal_request_id"] is not None:
        RequestRepository(connection).move(
            found["portal_request_id"], from_statuses=("open", "taken"), to="closed"
        )
    _audit(connection, by=f"user:{by.id}", now=now, action="closed", case_id=case_id, holds_lifted=lifted)
    return lifted


def may_work(user: StaffUser) -> bool:
    return allowed(user.role, "service:work")
