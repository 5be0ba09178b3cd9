"""Repayment arrangements as use cases: preview, propose, list and decide approvals.

The API and the server-rendered pages call these with a connection; they never commit. Proposals
and decisions append to the audit chain, so the edge runs them in :func:`arrears.audit.repository.
audit_transaction` (on SQLite it holds the write lock from the start, which also keeps two proposals
for one account from both passing the one-open-plan check; on PostgreSQL the account's row is locked).

Every function checks the caller's permission and data scope itself: an account or approval outside
the caller's scope is :class:`NotFound`, as a missing one is. Audit details carry amounts, terms and
internal ids only, never a cardholder's personal data or a free-text comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlalchemy import Connection

from arrears.accounts.free_text import mask_for_account
from arrears.arrangements import rules
from arrears.arrangements.repository import PlanRepository
from arrears.arrangements.rules import Balances, PlanTerms, Ruling, Schedule
from arrears.audit.repository import AuditLog
from arrears.debtsale.exclusion import refuse_sold
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError, NotFound
from arrears.users.permissions import allowed
from arrears.users.scope import may_open
from arrears.users.service import StaffUser

Decision = Literal["approve", "reject"]
MAX_COMMENT = 2_000
_ROLE_ZH = {"team_lead": "组长", "manager": "催收主管"}


class NotPermitted(ArrearsError):
    """The caller's role may not do this at all."""


class PlanConflict(ArrearsError):
    """The account has a proposed or active plan already."""


class ApprovalRefused(ArrearsError):
    """A decision the caller may not make on this approval (their own, decided already, beyond their
    authority, or too late)."""


@dataclass(frozen=True, slots=True)
class Preview:
    schedule: Schedule
    ruling: Ruling  # the caller's authority: covered, or the role that must approve


@dataclass(frozen=True, slots=True)
class Proposed:
    plan_id: int
    status: str  # active (within the proposer's authority) or proposed (waiting for approval)
    approval_id: int | None
    required_role: str | None
    schedule: Schedule


@dataclass(frozen=True, slots=True)
class Decided:
    approval_id: int
    plan_id: int
    status: str  # approved | rejected
    plan_status: str  # active | rejected


def _need(user: StaffUser, permission: str) -> None:
    if not allowed(user.role, permission):
        raise NotPermitted(
            f"the role {user.role} may not {permission}", f"角色 {user.role} 无权执行 {permission}"
        )


def _balances(connection: Connection, user: StaffUser, account_id: int, *, lock: bool = False) -> Balances:
    found = PlanRepository(connection).balances(account_id, lock=lock)
    if found is None or not may_open(connection, user, account_id):
        raise NotFound(f"no account {account_id}", f"没有账户 {account_id}")
    return found


def preview_plan(
    connection: Connection, *, account_id: int, terms: PlanTerms, by: StaffUser, today: date
) -> Preview:
    """The plan ``terms`` make on the account's current balances, agreed ``today``, and whether the
    caller may agree it or who must approve it. Writes nothing. Raises :class:`rules.PlanError` for
    bad terms, :class:`rules.BeyondAuthority` when no role may agree them."""
    _need(by, "plan:propose")
    plan = rules.schedule(balances=_balances(connection, by, account_id), terms=terms, agreed_on=today)
    _refuse_under_hold(connection, account_id, today)
    return Preview(plan, _ruling(connection, account_id, plan, by.role))


def _refuse_under_hold(connection: Connection, account_id: int, today: date) -> None:
    """Raises :class:`rules.HeldAccount` when a hold in force on the account stops plans, AccountSold when
    it was sold (debt sale: the buyer agrees plans now)."""
    refuse_sold(connection, account_id, what_en="a repayment plan", what_zh="协商还款计划")
    kinds = PlanRepository(connection).holds_in_force(account_id, kinds=rules.PLAN_BLOCKING_HOLDS, on=today)
    if (refused := rules.plan_blocked(kinds)) is not None:
        raise refused


def _ruling(
    connection: Connection, account_id: int, plan: Schedule, role: str, *, lock: bool = False
) -> Ruling:
    """The authority matrix on the plan, counting what the cardholder's other open plans waive."""
    others = PlanRepository(connection).waived_by_other_plans(account_id, lock=lock)
    return rules.rule(proposal=rules.proposal_of(plan, other_waived_fen=others), role=role)


def propose_plan(
    connection: Connection, *, account_id: int, terms: PlanTerms, by: StaffUser, today: date, now: datetime
) -> Proposed:
    """Stores the plan with its instalments: ``active`` when the proposer's authority covers it, else
    ``proposed`` with a pending approval for the lowest role that covers it. Refuses a second open
    plan (:class:`PlanConflict`) and terms no one may agree. Appends ``plan.proposed`` to the audit."""
    _need(by, "plan:propose")
    repository = PlanRepository(connection)
    plan = rules.schedule(
        balances=_balances(connection, by, account_id, lock=True), terms=terms, agreed_on=today
    )
    _refuse_under_hold(connection, account_id, today)
    ruling = _ruling(connection, account_id, plan, by.role, lock=True)
    if (existing := repository.open_plan(account_id)) is not None:
        raise _second_plan(existing)
    status = "active" if ruling.covered else "proposed"
    plan_id = repository.add_plan(
        account_id=account_id, plan=plan, status=status, proposed_by_id=by.id, now=now
    )
    approval_id = None
    if ruling.required_role is not None:
        approval_id = repository.add_approval(
            plan_id=plan_id, account_id=account_id, required_role=ruling.required_role, plan=plan,
            requested_by_id=by.id, now=now,
        )  # fmt: skip
    details = _plan_details(plan) | {
        "account_id": account_id,
        "status": status,
        "required_role": ruling.required_role,
        "approval_id": approval_id,
        "exceeded": list(ruling.exceeded),
        "customer_waived_fen": plan.waived_fen + repository.waived_by_other_plans(account_id),
    }
    _audit(connection, by, now, "plan.proposed", plan_id, details)
    return Proposed(plan_id, status, approval_id, ruling.required_role, plan)


def _second_plan(existing: dict[str, Any]) -> PlanConflict:
    status, plan_id = existing["status"], existing["id"]
    return PlanConflict(
        f"the account has a {status} plan already (plan {plan_id}); one at a time",
        f"该账户已有{'待审批' if status == 'proposed' else '生效中'}的还款计划（计划 {plan_id}），"
        "同一时间只能有一个",
    )


def _plan_details(plan: Schedule) -> dict[str, Any]:
    return {
        "kind": plan.kind,
        "agreed_on": plan.agreed_on.isoformat(),
        "months": plan.months,
        "deferral_days": plan.deferral_days,
        "instalments": len(plan.instalments),
        "total_fen": plan.total_fen,
        "down_payment_fen": plan.down_payment_fen,
        "waived_fen": plan.waived_fen,
        "waived_interest_fen": plan.waived_interest_fen,
        "waived_fee_fen": plan.waived_fee_fen,
    }


def _audit(
    connection: Connection, by: StaffUser, now: datetime, action: str, plan_id: int, details: dict[str, Any]
) -> None:
    AuditLog(connection).append(
        at=now,
        actor=by.username,
        action=action,
        subject_type="plan",
        subject_id=str(plan_id),
        details=details,
    )


def pending_approvals(connection: Connection, *, user: StaffUser) -> list[dict[str, Any]]:
    """The pending approvals ``user`` may decide, oldest first: a manager's are all pending ones, a
    team lead's those needing a team lead from proposers of their own team; never their own."""
    _need(user, "plan:approve")
    repository = PlanRepository(connection)
    if user.role == "manager":
        return repository.pending(exclude_user_id=user.id)
    if user.role == "team_lead" and user.team_id is not None:
        return repository.pending(
            exclude_user_id=user.id, required_role="team_lead", proposer_team_id=user.team_id
        )
    return []


def _in_reach(user: StaffUser, approval: dict[str, Any]) -> bool:
    """Whether the approval is one ``user`` may see: a manager sees all, a team lead their team's."""
    if user.role == "manager":
        return True
    return (
        user.role == "team_lead" and user.team_id is not None and approval["proposer_team_id"] == user.team_id
    )


def _check_decider(user: StaffUser, approval: dict[str, Any]) -> None:
    if approval["status"] != "pending":
        raise ApprovalRefused(
            f"approval {approval['id']} was {approval['status']} already", f"审批 {approval['id']} 已处理"
        )
    if approval["requested_by_id"] == user.id:
        raise ApprovalRefused("no one may approve their own proposal", "不能审批本人提交的还款计划")
    if not rules.may_decide(role=user.role, required_role=approval["required_role"]):
        needed = approval["required_role"]
        raise ApprovalRefused(
            f"this plan needs the approval of a {needed.replace('_', ' ')}",
            f"该计划须由{_ROLE_ZH.get(needed, needed)}审批",
        )


def _clean_comment(decision: str, comment: str | None) -> str | None:
    if decision not in ("approve", "reject"):
        raise ApprovalRefused(
            f'a decision is "approve" or "reject", not "{decision}"', "审批结果只能是批准或拒绝"
        )
    text = (comment or "").strip() or None
    if decision == "reject" and text is None:
        raise ApprovalRefused("a rejection needs a comment saying why", "拒绝时须填写理由")
    if text is not None and len(text) > MAX_COMMENT:
        raise ApprovalRefused(
            f"the comment is longer than {MAX_COMMENT} characters", f"审批意见不能超过 {MAX_COMMENT} 个字符"
        )
    return text


def decide_approval(
    connection: Connection, *, approval_id: int, decision: Decision, comment: str | None, by: StaffUser,
    today: date, now: datetime,
) -> Decided:  # fmt: skip
    """Approves (the plan becomes ``active``) or rejects (``rejected``) a pending approval. The decider
    needs ``plan:approve``, a role at least the one required, and may not decide their own proposal; a
    plan whose first payment fell due before ``today`` cannot be approved any more. Appends
    ``plan.approved`` or ``plan.rejected`` to the audit (the comment stays out of it)."""
    _need(by, "plan:approve")
    text = _clean_comment(decision, comment)
    repository = PlanRepository(connection)
    found = repository.approval(approval_id, lock=True)
    if found is None or not _in_reach(by, found) or not may_open(connection, by, found["account_id"]):
        raise NotFound(f"no approval {approval_id}", f"没有审批 {approval_id}")
    _check_decider(by, found)
    plan_id = int(found["plan_id"])
    if decision == "approve":
        _refuse_under_hold(connection, int(found["account_id"]), today)
    if decision == "approve" and rules.first_due_passed(repository.due_dates(plan_id), today=today):
        raise ApprovalRefused(
            "the plan's first payment fell due before this decision: reject it and propose new dates",
            "该计划首期还款日已过，请拒绝后按新的日期重新提交",
        )
    status, plan_status = ("approved", "active") if decision == "approve" else ("rejected", "rejected")
    decided = repository.decide(approval_id, status=status, by_id=by.id, at=now, comment=text)
    if not decided or not repository.set_plan_status(plan_id, old="proposed", new=plan_status):
        raise ApprovalRefused(f"approval {approval_id} was decided already", f"审批 {approval_id} 已处理")
    details = {
        "approval_id": approval_id,
        "account_id": int(found["account_id"]),
        "required_role": found["required_role"],
        "amount_fen": int(found["amount_fen"]),
        "waived_fen": int(found["waived_fen"]),
        "plan_status": plan_status,
        "with_comment": text is not None,
    }
    _audit(connection, by, now, f"plan.{status}", plan_id, details)
    return Decided(approval_id, plan_id, status, plan_status)


def get_plan(
    connection: Connection, *, plan_id: int, user: StaffUser, cipher: FieldCipher | None = None
) -> dict[str, Any]:
    """The plan with its instalments and approvals, when the user may open its account; the decision
    comments masked for a user without ``pii:reveal`` (with the cardholder's known values, given the
    ``cipher``)."""
    _need(user, "account:read")
    found = PlanRepository(connection).plan(plan_id)
    if found is None or not may_open(connection, user, int(found["account_id"])):
        raise NotFound(f"no plan {plan_id}", f"没有还款计划 {plan_id}")
    if allowed(user.role, "pii:reveal"):
        return found
    approvals = mask_for_account(
        connection, found["approvals"], ["comment"], account_id=int(found["account_id"]), cipher=cipher
    )
    return found | {"approvals": approvals}


def account_plans(
    connection: Connection, *, account_id: int, user: StaffUser, cipher: FieldCipher | None = None
) -> list[dict[str, Any]]:
    """The account's plans, newest first (without instalments); their decision comments masked for a
    user without ``pii:reveal``."""
    _need(user, "account:read")
    _balances(connection, user, account_id)
    plans = PlanRepository(connection).plans_of_account(account_id)
    if allowed(user.role, "pii:reveal"):
        return plans
    return mask_for_account(connection, plans, ["comment"], account_id=account_id, cipher=cipher)
