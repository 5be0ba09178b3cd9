"""SMS through an HTTP SMS platform (``ARREARS_SMS_TRANSPORT=https://sms.example.cn/v1``): signed JSON
batches to ``{url}/messages``; receipts and replies come back on the webhook
``POST /api/v1/webhooks/sms`` (docs/messaging-http.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Self

from arrears.config import Settings
from arrears.messaging.transport import Inbound, Outgoing, SendResult
from arrears.messaging.transports.http_common import PlatformClient, PlatformOptions, read_url, secret_key


def sms_message(outgoing: Outgoing) -> dict[str, Any]:
    """One message of the request body: ``client_ref`` is the idempotency key."""
    return {
        "client_ref": outgoing.key,
        "to": outgoing.recipient,
        "text": outgoing.text,
        "kind": outgoing.kind,
    }


class HttpSmsTransport:
    """The Transport protocol over an HTTP SMS platform; ``inbound()`` is empty (the webhook gets them)."""

    name = "http"

    def __init__(self, *, options: PlatformOptions, key: bytes) -> None:
        self._client = PlatformClient(options=options, key=key)

    @classmethod
    def from_url(cls, url: str, *, settings: Settings) -> Self:
        """``http(s)://host/path[?batch=N&timeout=S&app=ID]`` signed with ``ARREARS_SMS_HMAC_KEY``."""
        return cls(options=read_url(url), key=secret_key(settings.sms_hmac_key, setting="sms_hmac_key"))

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        return self._client.send(batch, sms_message)

    def inbound(self) -> list[Inbound]:
        return []

    def inbound_recorded(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()
