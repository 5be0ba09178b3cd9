"""The HMAC-SHA256 signature of the HTTP platforms (SMS, app push / WeChat notices), both ways.

A request carries ``X-Arrears-Timestamp`` (Unix seconds), ``X-Arrears-Nonce`` (16 to 64 characters of
``A-Z a-z 0-9 _ -``, never used twice) and ``X-Arrears-Signature``: the lower-case hex HMAC-SHA256, with
the shared secret, of ``timestamp + "\\n" + nonce + "\\n" + body`` (the body's exact bytes). The same
scheme signs what Arrears sends and what the platform posts back to the webhooks (docs/messaging-http.md).

Pure: no clock (``now`` is passed in), no randomness (the caller draws the nonce), no logging; the key
is never part of a message or an error.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from arrears.kit.errors import ArrearsError

TIMESTAMP = "X-Arrears-Timestamp"
NONCE = "X-Arrears-Nonce"
SIGNATURE = "X-Arrears-Signature"
_NONCE_FORM = re.compile(r"[A-Za-z0-9_-]{16,64}")
_TIMESTAMP_FORM = re.compile(r"[0-9]{1,12}")
_SIGNATURE_FORM = re.compile(r"[0-9a-fA-F]{64}")


class BadSignature(ArrearsError):
    """A signed request refused: ``reason`` is ``headers`` (missing or malformed), ``signature`` (does
    not match) or ``stale`` (the timestamp is outside the window)."""

    def __init__(self, reason: str, message_en: str, message_zh: str) -> None:
        super().__init__(message_en, message_zh)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Signed:
    """What a verified request was signed with."""

    at: datetime  # the timestamp, whole seconds, UTC
    nonce: str


def signature(*, key: bytes, timestamp: str, nonce: str, body: bytes) -> str:
    """The lower-case hex HMAC-SHA256 of ``timestamp\\nnonce\\nbody``."""
    message = timestamp.encode("ascii") + b"\n" + nonce.encode("ascii") + b"\n" + body
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_headers(*, key: bytes, body: bytes, now: datetime, nonce: str) -> dict[str, str]:
    """The three signature headers for ``body`` sent at ``now``."""
    if not _NONCE_FORM.fullmatch(nonce):
        raise ValueError("a nonce is 16 to 64 characters of A-Z a-z 0-9 _ -")
    timestamp = str(int(now.timestamp()))
    return {
        TIMESTAMP: timestamp,
        NONCE: nonce,
        SIGNATURE: signature(key=key, timestamp=timestamp, nonce=nonce, body=body),
    }


def verify(
    *, key: bytes, headers: Mapping[str, str], body: bytes, now: datetime, window_seconds: int
) -> Signed:
    """The timestamp and nonce of a request whose signature matches and whose timestamp lies within
    ``window_seconds`` of ``now`` (either way); else :class:`BadSignature`. ``headers`` is looked up
    by the exact names above or in lower case (as ASGI gives them)."""
    timestamp, nonce, given = (_header(headers, name) for name in (TIMESTAMP, NONCE, SIGNATURE))
    if not (
        _TIMESTAMP_FORM.fullmatch(timestamp)
        and _NONCE_FORM.fullmatch(nonce)
        and _SIGNATURE_FORM.fullmatch(given)
    ):
        raise BadSignature(
            "headers",
            "the signature headers are missing or malformed",
            "签名请求头缺失或格式错误",
        )
    expected = signature(key=key, timestamp=timestamp, nonce=nonce, body=body)
    if not hmac.compare_digest(expected, given.lower()):
        raise BadSignature("signature", "the signature does not match", "签名不匹配")
    if abs(now.timestamp() - int(timestamp)) > window_seconds:
        raise BadSignature(
            "stale",
            f"the timestamp is more than {window_seconds} seconds from the server's clock",
            f"时间戳与服务器时间相差超过 {window_seconds} 秒",
        )
    return Signed(at=datetime.fromtimestamp(int(timestamp), UTC), nonce=nonce)


def _header(headers: Mapping[str, str], name: str) -> str:
    found = headers.get(name)
    if found is None:
        found = headers.get(name.lower())
    return found or ""
