"""The permission matrix: what each role may do. Checked by every endpoint; docs/permissions.md
shows it as a table."""

from __future__ import annotations

from arrears.kit.errors import ArrearsError
from arrears.models.app_user import ROLES

PERMISSIONS: dict[str, str] = {
    "queue:work": "take the next case from the work queue",
    "account:read": "open a case file (masked personal data)",
    "pii:reveal": "reveal a national ID, phone number or address (audited)",
    "contact:log": "log a call or a contact",
    "promise:take": "take a promise to pay",
    "plan:propose": "propose a repayment plan or deferral",
    "plan:approve": "approve plans and waivers within the role's authority",
    "sms:send": "send an SMS template",
    "visit:request": "request a field visit",
    "visit:plan": "see the open visit requests to plan field visits",
    "visit:work": "work today's visit route",
    "legal:request": "request a legal review of an account",
    "legal:review": "review accounts referred to legal",
    "callback:schedule": "schedule, list and close one's callbacks",
    "hold:manage": "add or lift a hold",
    "compliance:check": "check an action against the rulebook",
    "compliance:override": "override a compliance decision (audited)",
    "audit:read": "read and verify the audit trail",
    "dashboard:read": "see the manager dashboard and run reports",
    "user:admin": "create users and change roles",
    "agency:work": "work accounts placed with the user's agency",
    "agency:manage": "keep the agency register and see placement batches and their hand-over files (audited)",
    "template:edit": "write and preview message and letter templates (a new version waits for approval)",
    "template:approve": "approve or reject a template version (audited)",
    "outbox:read": "see the outbox: messages by channel and status, failures, the dispatchers",
    "outbox:manage": "retry or cancel a message in the outbox (audited)",
    "letters:manage": "render the day's letters and load tracking numbers",
    "payments:read": "see the latest reconciliation of the gateway's settlement file and the notifications "
    "kept for review",
    "payments:review": "mark a gateway notification kept for review resolved (audited)",
    "portal_request:handle": "take and close portal requests, download their attachments (audited)",
    "service:log": "log a complaint, dispute or hardship request heard on a call or received by letter, "
    "e-mail or regulator referral (a service case)",
    "service:work": "work the service desk: acknowledge, assign, note, resolve and close service cases, "
    "send the response letter (audited)",
    "team:lead": "open the floor view of a team (a team lead their own, a manager any), reassign cases "
    "and shares of the queue to its collectors and set the day's targets (audited)",
    "quality:review": "sample calls into the quality review queue and score them on the checklist (a team "
    "lead their own team's calls; audited)",
    "legal_case:work": "open legal cases and record their steps and costs (a lawyer: the cases assigned to "
    "their law firm; audited)",
    "debt_sale:manage": "draw candidate pools of loss-class accounts for sale, propose a sale, download the "
    "buyer's file (with pii:reveal) and see the payments to forward (audited)",
    "debt_sale:approve": "approve or reject a proposed debt sale, never one's own (four eyes; audited)",
    "commission:review": "see the agencies' monthly commission statements and download their files, make a "
    "month's statements and review a draft (audited)",
    "commission:approve": "approve a reviewed commission statement, never one's own review, and set an "
    "agency's commission schedule (audited)",
}

_COLLECTOR = {"queue:work", "account:read", "contact:log", "promise:take", "plan:propose", "sms:send",
              "visit:request", "legal:request", "callback:schedule", "hold:manage",
              "compliance:check", "service:log"}  # fmt: skip
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "collector": frozenset(_COLLECTOR),
    "visitor": frozenset({"account:read", "visit:work", "contact:log", "promise:take", "compliance:check"}),
    "team_lead": frozenset(
        _COLLECTOR
        | {
            "plan:approve",
            "dashboard:read",
            "pii:reveal",
            "visit:plan",
            "portal_request:handle",
            "payments:read",
            "service:work",
            "team:lead",
            "quality:review",
            "template:edit",  # talk tracks (and messages): a new version waits for compliance
        }
    ),
    "legal": frozenset(
        {
            "account:read",
            "legal:review",
            "legal_case:work",
            "hold:manage",
            "pii:reveal",
            "compliance:check",
            "debt_sale:manage",
        }
    ),
    "compliance": frozenset(
        {
            "account:read",
            "compliance:check",
            "compliance:override",
            "audit:read",
            "hold:manage",
            "template:edit",
            "template:approve",
            "outbox:read",
            "payments:read",
            "service:log",
            "service:work",
            "quality:review",
        }
    ),
    "customer_service": frozenset(
        {
            "account:read",
            "contact:log",
            "promise:take",
            "callback:schedule",
            "hold:manage",
            "compliance:check",
            "portal_request:handle",
            "plan:propose",
            "sms:send",
            "service:log",
            "service:work",
        }
    ),
    "manager": frozenset(
        _COLLECTOR
        | {
            "plan:approve",
            "dashboard:read",
            "pii:reveal",
            "audit:read",
            "visit:plan",
            "template:edit",
            "outbox:read",
            "outbox:manage",
            "letters:manage",
            "payments:read",
            "payments:review",
            "portal_request:handle",
            "service:work",
            "team:lead",
            "quality:review",
            "commission:review",
            "commission:approve",
            "agency:manage",
            "debt_sale:manage",
            "debt_sale:approve",
        }
    ),
    # the register of agencies too (no account:read: the accounts an agency holds are not shown to them)
    "admin": frozenset(
        {"user:admin", "audit:read", "dashboard:read", "compliance:check", "outbox:read", "agency:manage"}
    ),
    "agency_user": frozenset(
        {"agency:work", "account:read", "contact:log", "promise:take", "compliance:check"}
    ),
    # masked by default; a reveal (audited) only on an account whose case is their firm's
    "lawyer": frozenset({"account:read", "legal_case:work", "pii:reveal"}),
}
assert set(ROLE_PERMISSIONS) == set(ROLES)
assert all(permissions <= set(PERMISSIONS) for permissions in ROLE_PERMISSIONS.values())


def allowed(role: str, permission: str) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


class NotPermitted(ArrearsError):
    """The user's role lacks a permission that the action needs (403 over HTTP)."""


def require(role: str, permission: str) -> None:
    """Raises :class:`NotPermitted` unless ``role`` holds ``permission`` (for a permission that only
    part of an action needs, e.g. ``promise:take`` for a call or visit that takes a promise)."""
    if not allowed(role, permission):
        raise NotPermitted(f"the role {role} may not {permission}", f"角色 {role} 无权执行 {permission}")
