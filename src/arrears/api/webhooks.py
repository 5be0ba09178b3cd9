"""POST /api/v1/webhooks/sms and /api/v1/webhooks/push: receipts and replies posted back by the HTTP SMS
platform and the app push / WeChat notice platform (docs/messaging-http.md).

No staff sign-in: a call is authenticated by its HMAC signature (ARREARS_SMS_HMAC_KEY /
ARREARS_PUSH_HMAC_KEY), its timestamp within ARREARS_WEBHOOK_WINDOW_SECONDS and a nonce never used
before. A refused call answers 400 with the reason and is counted (an ``inbound_message`` row of kind
``webhook``, outcome ``invalid``); nothing else changes.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, SecretStr

from arrears.api.deps import transaction
from arrears.kit.clock import now
from arrears.messaging import webhook
from arrears.messaging.inbound import inbound_rules
from arrears.messaging.transport import TransportError
from arrears.messaging.transports.http_common import secret_key
from arrears.messaging.webhook_body import PushWebhook, SmsWebhook

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"])
MAX_BODY = 2 * 1024 * 1024  # bytes: 1,000 events with room to spare


class WebhookAnswer(BaseModel):
    received: int = Field(description="Events in the call, every one applied or kept (unknown ones too).")


class WebhookRefusal(BaseModel):
    detail: str = Field(description="Why, in English; the body itself is never echoed.")
    reason: Literal["headers", "signature", "stale", "replay", "body"]


async def raw_body(request: Request) -> bytes:
    """The body's exact bytes (the signature covers them), at most MAX_BODY (else 413)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise HTTPException(413, f"at most {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema with its ``$defs`` written in place (the OpenAPI document shows it whole)."""
    definitions = schema.pop("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(definitions[node["$ref"].rsplit("/", 1)[-1]])
            return {name: walk(value) for name, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    inlined: dict[str, Any] = walk(schema)
    return inlined


def _documented(model: type[BaseModel]) -> dict[str, Any]:
    schema = _inline(model.model_json_schema(by_alias=True))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


_ANSWERS: dict[int | str, dict[str, Any]] = {
    400: {"model": WebhookRefusal, "description": "Refused and counted; do not send it again."},
    413: {"description": "The body is larger than 2 MiB."},
    503: {"description": "The platform's HMAC key is not set: try again later."},
}


@router.post("/sms", response_model=WebhookAnswer, responses=_ANSWERS, openapi_extra=_documented(SmsWebhook))
def sms_webhook(request: Request, body: Annotated[bytes, Depends(raw_body)]) -> Any:
    """Delivery receipts and replies (上行短信) from the HTTP SMS platform, signed with
    ARREARS_SMS_HMAC_KEY: receipts move their messages forward, replies opt out or become tasks."""
    return _receive(request, body, channel="sms", key=request.app.state.settings.sms_hmac_key)


@router.post(
    "/push", response_model=WebhookAnswer, responses=_ANSWERS, openapi_extra=_documented(PushWebhook)
)
def push_webhook(request: Request, body: Annotated[bytes, Depends(raw_body)]) -> Any:
    """Receipts of app push and WeChat template notices, signed with ARREARS_PUSH_HMAC_KEY."""
    return _receive(request, body, channel="push", key=request.app.state.settings.push_hmac_key)


def _receive(request: Request, body: bytes, *, channel: webhook.WebhookChannel, key: SecretStr | None) -> Any:
    try:
        secret = secret_key(key, setting=f"{channel}_hmac_key")  # unset or under 16 bytes: refused
    except TransportError as unusable:
        logger.warning("%s webhook refused: %s", channel, unusable.message_en)  # names the setting only
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"the {channel} webhook is not configured"
        ) from None
    settings, at = request.app.state.settings, now()
    try:
        call = webhook.read_call(
            channel=channel, key=secret, headers=request.headers, body=body,
            now=at, window_seconds=settings.webhook_window_seconds,
        )  # fmt: skip
        with transaction(request) as connection:
            webhook.receive(
                connection, call, now=at, cipher=request.app.state.cipher, rules=inbound_rules(settings)
            )
    except webhook.REFUSED as problem:
        with transaction(request) as connection:
            webhook.count_refused(connection, channel=channel, problem=problem, now=at)
        return JSONResponse(
            {"detail": problem.message_en, "reason": webhook.reason_of(problem)}, status_code=400
        )
    return WebhookAnswer(received=len(call.events))
