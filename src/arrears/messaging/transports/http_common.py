"""What the HTTP SMS and the push transports share: reading the transport URL, and a keep-alive client
that posts signed JSON batches to ``{url}/messages`` and turns the answers into send results
(docs/messaging-http.md). The key and the recipients are never logged nor put in an error.
"""

from __future__ import annotations

import json
import secrets
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
from pydantic import SecretStr

from arrears import __version__
from arrears.kit.clock import now
from arrears.messaging.signing import signed_headers
from arrears.messaging.transport import Outgoing, SendResult, TransportDown, TransportError, redact
from arrears.messaging.transports.http_contract import (
    batch_key,
    results_of,
    verdict_of_status,
    whole_batch,
)

DEFAULT_BATCH = 100
MAX_BATCH = 1000
DEFAULT_TIMEOUT = 10.0
MIN_KEY_BYTES = 16  # ARREARS_SMS_HMAC_KEY / ARREARS_PUSH_HMAC_KEY: shorter ones are refused
_OWN = ("batch", "timeout", "app")  # query parameters Arrears reads itself and does not pass on


@dataclass(frozen=True, slots=True)
class PlatformOptions:
    """A transport URL read: where to post, how many messages a request, how long to wait."""

    endpoint: str  # {url}/messages, the URL's own query parameters kept
    shown: str  # the URL as a log line or a page may show it
    batch: int = DEFAULT_BATCH
    timeout: float = DEFAULT_TIMEOUT
    app: str | None = None  # sent as X-Arrears-App when the platform serves several banks
    extra: dict[str, str] = field(default_factory=dict)  # the calling transport's own parameters


def read_url(url: str, *, extra: Sequence[str] = ()) -> PlatformOptions:
    """``https://host/path?batch=200&timeout=5&app=bank01`` read; a bad value raises TransportError."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TransportError(
            f"not an http(s) platform URL: {redact(url)}", f"不是 http(s) 平台地址：{redact(url)}"
        )
    ours = {name: value for name, value in parse_qsl(parts.query) if name in (*_OWN, *extra)}
    kept = urlencode([(name, value) for name, value in parse_qsl(parts.query) if name not in ours])
    path = parts.path.rstrip("/") + "/messages"
    return PlatformOptions(
        endpoint=urlunsplit((parts.scheme, parts.netloc, path, kept, "")),
        shown=redact(url),
        batch=int(_number(ours, "batch", default=DEFAULT_BATCH, low=1, high=MAX_BATCH, url=url)),
        timeout=_number(ours, "timeout", default=DEFAULT_TIMEOUT, low=0.1, high=300.0, url=url),
        app=ours.get("app") or None,
        extra={name: ours[name] for name in extra if ours.get(name)},
    )


def _number(found: dict[str, str], name: str, *, default: float, low: float, high: float, url: str) -> float:
    """A numeric query parameter, within its range (a whole number when ``low`` is one)."""
    if name not in found:
        return default
    try:
        value = float(found[name])
    except ValueError:
        value = low - 1
    if not low <= value <= high or (isinstance(low, int) and not value.is_integer()):
        raise TransportError(
            f"{name} in {redact(url)} must be a number from {low} to {high}",
            f"{redact(url)} 中的 {name} 须为 {low} 到 {high} 之间的数",
        )
    return value


def secret_key(value: SecretStr | None, *, setting: str) -> bytes:
    """The HMAC key of a setting, which must be set and at least ``MIN_KEY_BYTES`` long (the error names
    the setting, never the value)."""
    name = f"ARREARS_{setting.upper()}"
    if value is None or not value.get_secret_value():
        raise TransportError(
            f"{name} is not set: the platform's requests cannot be signed",
            f"未设置 {name}：无法为平台请求签名",
        )
    key = value.get_secret_value().encode("utf-8")
    if len(key) < MIN_KEY_BYTES:
        raise TransportError(
            f"{name} is shorter than {MIN_KEY_BYTES} bytes: a guessable key authenticates nothing; "
            f"set a random secret of at least {MIN_KEY_BYTES} bytes (32 recommended)",
            f"{name} 短于 {MIN_KEY_BYTES} 字节：可猜测的密钥无法认证任何请求；"
            f"请设置至少 {MIN_KEY_BYTES} 字节的随机密钥（建议 32 字节）",
        )
    return key


class PlatformClient:
    """Posts signed batches over one keep-alive connection pool."""

    def __init__(self, *, options: PlatformOptions, key: bytes) -> None:
        self.options = options
        self._key = key
        timeout = httpx.Timeout(options.timeout, connect=min(options.timeout, 5.0))
        headers = {"User-Agent": f"arrears/{__version__}", "Content-Type": "application/json; charset=utf-8"}
        if options.app:
            headers["X-Arrears-App"] = options.app
        pool = httpx.Limits(max_connections=4, max_keepalive_connections=4)
        nodelay = [(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)]  # a request's head and body leave at once
        self._client = httpx.Client(
            timeout=timeout,
            headers=headers,
            transport=httpx.HTTPTransport(limits=pool, socket_options=nodelay),
        )

    def send(
        self, batch: Sequence[Outgoing], message: Callable[[Outgoing], dict[str, Any]]
    ) -> list[SendResult]:
        """The batch in requests of ``options.batch`` messages; TransportDown only when the first
        request could not reach the platform (a later one makes its messages transient)."""
        results: list[SendResult] = []
        size = self.options.batch
        for start in range(0, len(batch), size):
            chunk = batch[start : start + size]
            try:
                results.extend(self.post([item.key for item in chunk], [message(item) for item in chunk]))
            except TransportDown as down:
                if start == 0:
                    raise
                results.extend(
                    whole_batch([item.key for item in chunk], outcome="transient", reason=down.message_en)
                )
        return results

    def post(self, keys: Sequence[str], messages: list[dict[str, Any]]) -> list[SendResult]:
        """One signed request: its messages' results, in order."""
        body = json.dumps({"messages": messages}, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = signed_headers(key=self._key, body=body, now=now(), nonce=secrets.token_hex(16))
        headers["Idempotency-Key"] = batch_key(keys)
        try:
            response = self._client.post(self.options.endpoint, content=body, headers=headers)
        except (httpx.ConnectError, httpx.ConnectTimeout) as problem:
            raise self._down(f"cannot connect ({type(problem).__name__})") from None
        except httpx.TimeoutException:
            return whole_batch(keys, outcome="transient", reason=f"no answer within {self.options.timeout} s")
        except httpx.TransportError as problem:
            return whole_batch(
                keys, outcome="transient", reason=f"connection lost ({type(problem).__name__})"
            )
        verdict = verdict_of_status(response.status_code)
        if verdict == "down":
            raise self._down(f"HTTP {response.status_code} (check the URL and the HMAC key)")
        if verdict == "transient":
            return whole_batch(keys, outcome="transient", reason=f"HTTP {response.status_code}")
        try:
            document = response.json()
        except ValueError:
            return whole_batch(keys, outcome="transient", reason="the platform's answer is not JSON")
        return results_of(keys, document)

    def _down(self, why: str) -> TransportDown:
        where = self.options.shown
        return TransportDown(f"the platform at {where} is down: {why}", f"平台 {where} 不可用：{why}")

    def close(self) -> None:
        self._client.close()
