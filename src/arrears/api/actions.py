"""The collector's contact actions besides logging a call: the compliance check before dialling, SMS
templates, callbacks, visit and legal-review requests, and holds.

Every endpoint names its permission (403 without it); an account outside the caller's scope answers
404, as a missing one does; a refused action answers 422 with its reason (a contact the rulebook
blocks also carries the decision: rules, zh/en reasons, next allowed time).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Request, status
from sqlalchemy import Connection

from arrears.api.deps import permitted, transaction
from arrears.audit.repository import audit_transaction
from arrears.compliance.policy import Purpose
from arrears.contacts import callbacks, case_requests, holds, sms
from arrears.contacts.dialling import call_check
from arrears.contacts.rules import ContactBlocked
from arrears.contacts.schemas import CallbackRequest, CaseRequestBody, HoldRequest, LiftRequest, SmsRequest
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, ConfigurationError, NotFound
from arrears.kit.inputs import Moment, RecordId
from arrears.models.contact_event import Party
from arrears.users.permissions import allowed
from arrears.users.scope import may_open
from arrears.users.service import StaffUser

router = APIRouter(prefix="/api/v1", tags=["contact actions"])


@contextmanager
def answers() -> Iterator[None]:
    """Turns the services' errors into HTTP answers."""
    try:
        yield
    except NotFound as missing:
        raise HTTPException(status.HTTP_404_NOT_FOUND, missing.message_en) from None
    except holds.HoldNotPermitted as refused:
        raise HTTPException(status.HTTP_403_FORBIDDEN, refused.message_en) from None
    except ContactBlocked as blocked:
        detail = {"message": blocked.message_en, "message_zh": blocked.message_zh, **blocked.check.to_dict()}
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail) from None
    except ConfigurationError:
        raise
    except ArrearsError as problem:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, problem.message_en) from None


def in_scope(db: Connection, user: StaffUser, account_id: int) -> None:
    if not may_open(db, user, account_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no account {account_id}")


def zone(request: Request) -> str:
    """The cardholders' time zone (ARREARS_TIMEZONE)."""
    found: str = request.app.state.settings.timezone
    return found


def require(user: StaffUser, permission: str) -> None:
    if not allowed(user.role, permission):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"the role {user.role} may not {permission}")


@router.get("/accounts/{account_id:id}/call-check")
def get_call_check(
    request: Request,
    account_id: int,
    user: Annotated[StaffUser, Depends(permitted("compliance:check", "account:read"))],
    contact_point_id: RecordId | None = None,
    party: Party = "debtor",
    purpose: Purpose = "collect",
    at: Annotated[Moment | None, Query(description="default: now; with a time zone offset")] = None,
) -> dict[str, Any]:
    """May the caller dial ``contact_point_id`` (default: the primary mobile) now (or ``at``)? The
    decision, every blocking rule with zh/en reasons, and the next allowed time."""
    with transaction(request) as db:
        in_scope(db, user, account_id)
        with answers():
            check = call_check(
                db,
                account_id=account_id,
                policy=request.app.state.policy,
                zone=zone(request),
                at=at or now(),
                contact_point_id=contact_point_id,
                party=party,
                purpose=purpose,
                user_id=user.id,
            )
        return check.to_dict()


@router.post("/accounts/{account_id:id}/sms/preview")
def preview_sms(
    request: Request,
    account_id: int,
    body: SmsRequest,
    user: Annotated[StaffUser, Depends(permitted("sms:send"))],
) -> dict[str, Any]:
    """The template filled for the account in zh and en, masked; nothing is sent or recorded."""
    with transaction(request) as db:
        in_scope(db, user, account_id)
        with answers():
            return sms.preview(
                db,
                account_id=account_id,
                template=body.template,
                hotline=request.app.state.settings.sms_hotline,
            )


@router.post("/accounts/{account_id:id}/sms", status_code=status.HTTP_201_CREATED)
def send_sms(
    request: Request,
    account_id: int,
    body: SmsRequest,
    user: Annotated[StaffUser, Depends(permitted("sms:send"))],
    idempotency_key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$"),
    ] = None,
) -> dict[str, Any]:
    """Queues the template for the primary mobile when the rulebook allows it now: the dispatcher
    sends it (checking it again then) and the answer's ``status`` is ``queued``. The same
    ``Idempotency-Key`` queues it once and answers the same message (without one: the same template
    within the minute). A blocked SMS answers 422 with the decision and records nothing."""
    with transaction(request) as db:
        in_scope(db, user, account_id)
        with answers():
            return sms.send(
                db,
                account_id=account_id,
                template=body.template,
                locale=body.locale,
                user_id=user.id,
                policy=request.app.state.policy,
                zone=zone(request),
                now=now(),
                hotline=request.app.state.settings.sms_hotline,
                request_key=idempotency_key,
            )


@router.post("/accounts/{account_id:id}/callbacks", status_code=status.HTTP_201_CREATED)
def post_callback(
    request: Request,
    account_id: int,
    body: CallbackRequest,
    user: Annotated[StaffUser, Depends(permitted("callback:schedule"))],
) -> dict[str, Any]:
    """Schedules a callback for the caller; refused in the past, more than 30 days ahead or when a call
    then is blocked."""
    with transaction(request) as db:
        in_scope(db, user, account_id)
        with answers():
            return callbacks.schedule_callback(
                db,
                account_id=account_id,
                user_id=user.id,
                due_at=body.due_at,
                note=body.note,
                contact_point_id=body.contact_point_id,
                policy=request.app.state.policy,
                zone=zone(request),
                now=now(),
            )


@router.get("/callbacks")
def get_callbacks(
    request: Request, user: Annotated[StaffUser, Depends(permitted("callback:schedule"))]
) -> list[dict[str, Any]]:
    """The caller's open callbacks, the soonest due first."""
    with transaction(request) as db:
        clear, cipher = allowed(user.role, "pii:reveal"), request.app.state.cipher  # else notes masked
        return callbacks.open_callbacks(db, user_id=user.id, clear_text=clear, cipher=cipher)


@router.post("/callbacks/{callback_id:id}/done")
def callback_done(
    request: Request, callback_id: int, user: Annotated[StaffUser, Depends(permitted("callback:schedule"))]
) -> dict[str, Any]:
    """Marks the caller's open callback done."""
    with transaction(request) as db, answers():
        return callbacks.complete_callback(db, callback_id=callback_id, user_id=user.id)


@router.post("/callbacks/{callback_id:id}/cancel")
def callback_cancel(
    request: Request, callback_id: int, user: Annotated[StaffUser, Depends(permitted("callback:schedule"))]
) -> dict[str, Any]:
    """Cancels the caller's open callback."""
    with transaction(request) as db, answers():
        return callbacks.cancel_callback(db, callback_id=callback_id, user_id=user.id)


def _request(
    request: Request, db: Connection, user: StaffUser, account_id: int, kind: str, reason: str
) -> Any:
    in_scope(db, user, account_id)
    with answers():
        return case_requests.request_case(
            db,
            account_id=account_id,
            kind=kind,
            reason=reason,
            user_id=user.id,
            policy=request.app.state.policy,
            now=now(),
        )


@router.post("/accounts/{account_id:id}/requests/visit", status_code=status.HTTP_201_CREATED)
def request_visit(
    request: Request,
    account_id: int,
    body: CaseRequestBody,
    user: Annotated[StaffUser, Depends(permitted("visit:request"))],
) -> dict[str, Any]:
    """Requests a field visit with a reason; one open visit request per account."""
    with transaction(request) as db:
        found: dict[str, Any] = _request(request, db, user, account_id, "visit", body.reason)
        return found


@router.post("/accounts/{account_id:id}/requests/legal-review", status_code=status.HTTP_201_CREATED)
def request_legal_review(
    request: Request,
    account_id: int,
    body: CaseRequestBody,
    user: Annotated[StaffUser, Depends(permitted("legal:request"))],
) -> dict[str, Any]:
    """Requests a legal review with a reason; one open legal-review request per account."""
    with transaction(request) as db:
        found: dict[str, Any] = _request(request, db, user, account_id, "legal_review", body.reason)
        return found


@router.get("/requests/visit")
def visit_requests(
    request: Request, user: Annotated[StaffUser, Depends(permitted("visit:plan"))]
) -> list[dict[str, Any]]:
    """The open visit requests, the oldest first, for the visit planners."""
    with transaction(request) as db:
        return case_requests.open_requests(db, kind="visit")


@router.get("/requests/legal-review")
def legal_requests(
    request: Request, user: Annotated[StaffUser, Depends(permitted("legal:review"))]
) -> list[dict[str, Any]]:
    """The open legal-review requests, the oldest first, for legal."""
    with transaction(request) as db:
        return case_requests.open_requests(db, kind="legal_review")


@router.post("/accounts/{account_id:id}/holds", status_code=status.HTTP_201_CREATED)
def post_hold(
    request: Request,
    account_id: int,
    body: HoldRequest,
    user: Annotated[StaffUser, Depends(permitted("hold:manage"))],
) -> dict[str, Any]:
    """Places a hold (kind, reason, optional expiry) on the account or all the cardholder's accounts;
    audited. Contact under it is blocked as the policy says."""
    with audit_transaction(request.app.state.engine) as db, answers():
        in_scope(db, user, account_id)
        return holds.place_hold(
            db,
            account_id=account_id,
            kind=body.kind,
            reason=body.reason,
            expires_at=body.expires_at,
            whole_customer=body.whole_customer,
            user_id=user.id,
            actor=user.username,
            role=user.role,
            now=now(),
        )


@router.post("/holds/{hold_id:id}/lift")
def lift_hold(
    request: Request,
    hold_id: int,
    body: LiftRequest,
    user: Annotated[StaffUser, Depends(permitted("hold:manage"))],
) -> dict[str, Any]:
    """Lifts a hold with a reason; audited. A hold lifted already is refused (422)."""
    with audit_transaction(request.app.state.engine) as db, answers():
        if not any(may_open(db, user, account) for account in holds.hold_accounts(db, hold_id)):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no hold {hold_id}")
        return holds.lift_hold(
            db,
            hold_id=hold_id,
            reason=body.reason,
            user_id=user.id,
            actor=user.username,
            role=user.role,
            now=now(),
            cipher=request.app.state.cipher,
        )
