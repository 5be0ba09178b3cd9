"""POST /api/v1/payments/notify/simulated: the payment gateway's notifications (docs/payments.md).

No sign-in: a notification is authenticated by its signature (HMAC-SHA256 keyed with
ARREARS_GATEWAY_SECRET). The answer is the gateway's convention, plain text: ``success`` (200) when
the notification is done with (the payment posted, or a repeat), ``fail`` (400) when it is refused,
503 when no secret is configured (the gateway tries again later). Neither the secret nor the
signature is ever logged.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import PlainTextResponse

from arrears.api.notification_batches import NotificationBatcher
from arrears.audit.repository import audit_transaction
from arrears.kit.clock import now
from arrears.payments.gateway import FIELDS, GatewayNotConfigured, gateway_secret
from arrears.payments.notifications import Incoming, Received, receive_notification

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/payments", tags=["payments"])
MAX_BODY = 8 * 1024  # bytes: a notification is a few hundred


async def notification_body(request: Request) -> bytes:
    """The body, at most MAX_BODY bytes (else 413)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise HTTPException(413, f"at most {MAX_BODY} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"at most {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def read_form(body: bytes) -> tuple[dict[str, str], str | None]:
    """The form's fields, and why the body is unusable (not UTF-8 form encoding, a field twice)."""
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        return {}, "the body is not a UTF-8 form (application/x-www-form-urlencoded)"
    fields: dict[str, str] = {}
    for name, value in pairs:
        if name in fields:
            return {}, f"the field {name[:40]!r} is sent more than once"
        fields[name] = value
    return fields, None


_FORM = {
    "required": True,
    "content": {
        "application/x-www-form-urlencoded": {
            "schema": {
                "type": "object",
                "required": [*FIELDS[:4], "sign_type", "sign"],
                "properties": {
                    "out_trade_no": {"type": "string", "maxLength": 64, "description": "Our order number."},
                    "trade_no": {"type": "string", "maxLength": 64, "description": "The gateway's trade."},
                    "total_amount": {"type": "string", "pattern": r"^[0-9]{1,9}\.[0-9]{2}$",
                                     "description": "Yuan with two decimals, e.g. 123.45."},
                    "trade_status": {"type": "string", "enum": ["TRADE_SUCCESS", "TRADE_CLOSED"]},
                    "gmt_payment": {"type": "string", "description": "YYYY-MM-DD HH:MM:SS, Asia/Shanghai; "
                                    "required for TRADE_SUCCESS."},
                    "sign_type": {"type": "string", "enum": ["HMAC-SHA256"]},
                    "sign": {"type": "string", "description": "Lowercase hex HMAC-SHA256, docs/payments.md"},
                },
            }
        }
    },
}  # fmt: skip
_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {"example": "success"}}, "description": "Done with: do not send again."},
    400: {"content": {"text/plain": {"example": "fail"}}, "description": "Refused: bad signature, unknown "
          "order, amount different from the order's, a field missing or malformed."},
    413: {"description": "The body is larger than 8 KiB."},
    503: {"content": {"text/plain": {"example": "fail"}}, "description": "ARREARS_GATEWAY_SECRET unset."},
}  # fmt: skip


@router.post(
    "/notify/simulated",
    response_class=PlainTextResponse,
    responses=_ANSWERS,
    openapi_extra={"requestBody": _FORM},
)
async def notify_simulated(
    request: Request, body: Annotated[bytes, Depends(notification_body)]
) -> PlainTextResponse:
    """A notification of the simulated gateway: posts the payment of a TRADE_SUCCESS, closes the order of
    a TRADE_CLOSED; answers ``success`` or ``fail`` as text, once its batch is committed
    (:mod:`arrears.api.notification_batches`)."""
    try:
        batcher = _batcher(request)
    except GatewayNotConfigured:
        logger.warning("payment notification refused: ARREARS_GATEWAY_SECRET is not configured")
        return PlainTextResponse("fail", status_code=503)
    fields, malformed = read_form(body)
    received = await batcher.submit(Incoming(fields, malformed))
    logger.info("payment notification %s: %s", received.notification_id, received.outcome)
    return PlainTextResponse(received.answer, status_code=received.status_code)


def _batcher(request: Request) -> NotificationBatcher:
    """The batcher of the process's event loop (made on its first notification; GatewayNotConfigured
    without a secret). A batcher's waiting list and answers belong to one loop: an app served on
    several (the test client in threads runs one per request) gets one batcher for each."""
    state, loop = request.app.state, asyncio.get_running_loop()
    found: tuple[asyncio.AbstractEventLoop, NotificationBatcher] | None = getattr(
        state, "notification_batcher", None
    )
    if found is None or found[0] is not loop:
        secret = gateway_secret(state.settings)
        found = state.notification_batcher = (
            loop,
            NotificationBatcher(state.engine, state.settings, secret, clock=_now),
        )
    return found[1]


def _now() -> datetime:
    return now()  # looked up when called: a test may set the clock


def notify(
    request: Request, fields: dict[str, str], *, secret: bytes, malformed: str | None = None
) -> Received:
    """The handler the notify address and the simulated checkout share: one transaction, committed."""
    with audit_transaction(request.app.state.engine) as connection:
        received = receive_notification(
            connection,
            fields,
            secret=secret,
            now=now(),
            settings=request.app.state.settings,
            malformed=malformed,
        )
    logger.info("payment notification %s: %s", received.notification_id, received.outcome)
    return received
