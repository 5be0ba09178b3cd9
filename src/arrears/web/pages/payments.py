"""The payments page for managers, team leads and compliance: the latest reconciliation of the
gateway's settlement file (its counts and differing rows, accounts masked) and the gateway's
notifications kept for review, each of which a manager marks resolved (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.kit.errors import ArrearsError, NotFound
from arrears.payments.reconcile.review import payments_review, resolve_notification
from arrears.web import sessions
from arrears.web.deps import locale, page, signed_in
from arrears.web.labels import N_

router = APIRouter(include_in_schema=False)
Reader = Annotated[sessions.Session, Depends(signed_in("payments:read"))]
Reviewer = Annotated[sessions.Session, Depends(signed_in("payments:read", "payments:review"))]

# what a reconciliation found and what a notification came to, as the page names them (translated)
KIND_LABELS = {
    "matched": N_("Matched"),
    "closed": N_("Closed at the gateway, nothing posted here"),
    "missing_here": N_("Missing here: posted now"),
    "missing_at_gateway": N_("Missing at the gateway"),
    "amount_difference": N_("Amount differs"),
    "unknown_order": N_("Unknown order"),
    "second_trade": N_("Second trade of a paid order"),
    "order_difference": N_("Posted here for another order"),
    "closed_after_posting": N_("Closed at the gateway, posted here"),
    "time_difference": N_("Paid on another day than the file's"),
}
OUTCOME_LABELS = {
    "amount_mismatch": N_("Amount differs from the order's"),
    "closed_after_success": N_("Closed after it was paid"),
    "second_trade": N_("Second trade of a paid order"),
}


def _render(request: Request, *, error: str | None = None, status_code: int = 200) -> HTMLResponse:
    with request.app.state.engine.connect() as connection:
        review = payments_review(connection)
    done = request.query_params.get("done") == "resolved"
    return page(request, "payments.html", review=review, error=error, done=done, status_code=status_code,
                kinds=KIND_LABELS, outcomes=OUTCOME_LABELS)  # fmt: skip


@router.get("/payments", response_class=HTMLResponse)
def payments_page(request: Request, session: Reader) -> HTMLResponse:
    """The latest reconciliation and the notifications kept for review."""
    return _render(request)


@router.post("/payments/notifications/{notification_id:id}/resolve")
def resolve(request: Request, notification_id: int, session: Reviewer) -> Response:
    """Marks a notification kept for review as resolved (audited)."""
    try:
        with audit_transaction(request.app.state.engine) as connection:
            resolve_notification(
                connection, notification_id=notification_id, actor=session.user.username, now=now()
            )
    except ArrearsError as problem:
        code = 404 if isinstance(problem, NotFound) else 409
        return _render(request, error=problem.message(locale(request)), status_code=code)
    return RedirectResponse("/payments?done=resolved", status_code=303)
