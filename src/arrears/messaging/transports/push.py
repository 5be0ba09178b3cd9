"""App push and WeChat official-account template notices through the bank's notice platform
(``ARREARS_PUSH_TRANSPORT=https://notice.example.cn/v1``): the same signed JSON batches as the HTTP SMS
platform, addressed to a customer and a target (``app`` or ``wechat``); receipts come back on
``POST /api/v1/webhooks/push`` (docs/messaging-http.md)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, Self

from arrears.config import Settings
from arrears.messaging.transport import Inbound, Outgoing, SendResult
from arrears.messaging.transports.http_common import PlatformClient, PlatformOptions, read_url, secret_key

DEFAULT_WECHAT_TEMPLATE = "arrears_notice"


def push_message(outgoing: Outgoing, *, wechat_template: str) -> dict[str, Any]:
    """One notice of the request body; a WeChat one names the official account's template and fills
    its ``title`` and ``content`` fields (WeChat's ``{"key": {"value": ...}}`` form)."""
    target = outgoing.target or "app"
    title = outgoing.subject or ""
    wechat = target == "wechat"
    return {
        "client_ref": outgoing.key,
        "customer": outgoing.recipient,
        "target": target,
        "kind": outgoing.kind,
        "title": title,
        "body": outgoing.text,
        "template_id": wechat_template if wechat else None,
        "data": {"title": {"value": title}, "content": {"value": outgoing.text}} if wechat else None,
    }


class PushTransport:
    """The Transport protocol over the notice platform; ``inbound()`` is empty (the webhook gets them)."""

    name = "push"

    def __init__(self, *, options: PlatformOptions, key: bytes) -> None:
        self._client = PlatformClient(options=options, key=key)
        template = options.extra.get("wechat_template", DEFAULT_WECHAT_TEMPLATE)
        self._message = partial(push_message, wechat_template=template)

    @classmethod
    def from_url(cls, url: str, *, settings: Settings) -> Self:
        """``http(s)://host/path[?batch=N&timeout=S&app=ID&wechat_template=T]`` signed with
        ``ARREARS_PUSH_HMAC_KEY``."""
        options = read_url(url, extra=("wechat_template",))
        return cls(options=options, key=secret_key(settings.push_hmac_key, setting="push_hmac_key"))

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        return self._client.send(batch, self._message)

    def inbound(self) -> list[Inbound]:
        return []

    def inbound_recorded(self) -> None:
        return None

    def close(self) -> None:
        self._client.close()
