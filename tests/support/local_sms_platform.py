"""A real local HTTP platform speaking the platform side of docs/messaging-http.md, for tests and
benchmarks: an SMS platform (``kind="sms"``) or an app push / WeChat notice platform (``kind="push"``).

It verifies every request's signature (HMAC-SHA256, timestamp window, nonce never reused), answers each
message accepted / duplicate (the first provider id: a re-send is recognised by ``client_ref``) /
rejected, keeps what it took, can be told to fail (down, an HTTP status, a number rejected for good, a
slow answer), and posts signed receipts and replies to a webhook.

    with LocalHttpPlatform(key=b"a-shared-secret-of-32-bytes-....") as platform:
        transport = HttpSmsTransport.from_url(platform.url, settings=...)
        ...
        platform.post_events(webhook_url, [platform.receipt(key, "delivered")])

Fast enough for the million-message benchmark: a batch of 1,000 is read, checked and answered in a few
milliseconds; ``record=False`` keeps only the client_ref -> provider id map, not the texts.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx

from arrears.messaging.signing import BadSignature, signed_headers, verify

MAX_BATCH = 1000
WINDOW_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Sent:
    """A message the platform took (in clear: it is a test double)."""

    provider_id: str
    client_ref: str
    message: dict[str, Any]


class LocalHttpPlatform:
    """The platform; ``url`` is what a transport URL names (``http://127.0.0.1:PORT``)."""

    def __init__(
        self, *, key: bytes | str, kind: Literal["sms", "push"] = "sms", record: bool = True
    ) -> None:
        self.key = key.encode() if isinstance(key, str) else key
        self.kind = kind
        self.record = record
        self.port = 0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self.reset()

    # -- what it holds ----------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget every send and fault."""
        with self._lock:
            self.provider_ids: dict[str, str] = {}  # client_ref -> provider id
            self.sent: list[Sent] = []  # when recording
            self.requests = 0
            self.accepted = 0
            self.duplicates = 0
            self.rejected = 0
            self.refused_signatures = 0
            self.connections_opened = 0
            self.idempotency_keys: list[str] = []
            self._nonces: set[str] = set()
            self._statuses: list[int | None] = []  # the next requests' forced HTTP statuses
            self._rejects: dict[str, tuple[str, str]] = {}  # recipient -> (code, reason)
            self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def provider_id(self, client_ref: str) -> str | None:
        return self.provider_ids.get(client_ref)

    # -- faults -------------------------------------------------------------------------------------
    def fail_next(self, status: int, times: int = 1, *, after: int = 0) -> None:
        """The next ``times`` requests (once ``after`` more were answered as usual) answer ``status``
        (500, 429, 401, ...) and take nothing."""
        with self._lock:
            self._statuses.extend([None] * after + [status] * times)

    def reject(self, recipient: str, code: str = "invalid_number", reason: str = "空号") -> None:
        """Reject every message to ``recipient`` (a mobile, or a customer for push) with ``code``."""
        with self._lock:
            self._rejects[recipient] = (code, reason)

    def go_down(self) -> None:
        """Stop listening and drop the open connections: connecting is refused until :meth:`come_up`."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.server_close()
        with self._lock:
            for connection in list(self._connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)

    def come_up(self) -> None:
        """Listen again, on the same port once it has had one."""
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.platform = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="local-http-platform",
            daemon=True,
        )
        self._thread.start()

    def __enter__(self) -> LocalHttpPlatform:
        self.come_up()
        return self

    def __exit__(self, *_: object) -> None:
        self.go_down()

    # -- the platform's side of a request ---------------------------------------------------------
    def answer(self, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON answer) for a POST /messages."""
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self.requests += 1
            status = self._statuses.pop(0) if self._statuses else None
            if status is not None:
                return status, {"error": f"told to answer {status}"}
        try:
            signed = verify(
                key=self.key, headers=headers, body=body, now=datetime.now(UTC), window_seconds=WINDOW_SECONDS
            )
        except BadSignature as problem:
            with self._lock:
                self.refused_signatures += 1
            return 401, {"error": problem.reason}
        try:
            messages = json.loads(body)["messages"]
            assert isinstance(messages, list)
        except (ValueError, KeyError, TypeError, AssertionError):
            return 400, {"error": 'the body is not {"messages": [...]}'}
        if len(messages) > MAX_BATCH:
            return 413, {"error": f"at most {MAX_BATCH} messages a request"}
        with self._lock:
            if signed.nonce in self._nonces:
                self.refused_signatures += 1
                return 401, {"error": "nonce"}
            self._nonces.add(signed.nonce)
            self.idempotency_keys.append(headers.get("idempotency-key", ""))
            return 200, {"results": [self._take(message) for message in messages]}

    def _take(self, message: Any) -> dict[str, Any]:
        problem = self._malformed(message)
        ref: str = message.get("client_ref", "") if isinstance(message, dict) else ""
        if problem:
            self.rejected += 1
            return {"client_ref": ref, "status": "rejected", "code": "invalid_request", "reason": problem}
        first = self.provider_ids.get(ref)
        if first is not None:
            self.duplicates += 1
            return {"client_ref": ref, "status": "duplicate", "provider_id": first}
        recipient = message["to"] if self.kind == "sms" else message["customer"]
        if recipient in self._rejects:
            self.rejected += 1
            code, reason = self._rejects[recipient]
            return {"client_ref": ref, "status": "rejected", "code": code, "reason": reason}
        self.accepted += 1
        provider_id = f"LP{self.accepted:09d}"
        self.provider_ids[ref] = provider_id
        if self.record:
            self.sent.append(Sent(provider_id=provider_id, client_ref=ref, message=message))
        return {"client_ref": ref, "status": "accepted", "provider_id": provider_id}

    def _malformed(self, message: Any) -> str | None:
        if not isinstance(message, dict):
            return "a message is an object"
        needed = (
            ("client_ref", "to", "text")
            if self.kind == "sms"
            else ("client_ref", "customer", "target", "body")
        )
        missing = [name for name in needed if not isinstance(message.get(name), str) or not message[name]]
        if missing:
            return f"missing or empty: {', '.join(missing)}"
        if self.kind == "push" and message["target"] not in ("app", "wechat"):
            return "target is app or wechat"
        if self.kind == "push" and message["target"] == "wechat" and not message.get("template_id"):
            return "a WeChat notice names its template_id"
        return None

    # -- what it posts back --------------------------------------------------------------------------
    def receipt(self, client_ref: str, status: str = "delivered", **more: Any) -> dict[str, Any]:
        """A receipt event for a message it took (its provider id and client_ref)."""
        return {"type": "receipt", "provider_id": self.provider_ids.get(client_ref), "client_ref": client_ref,
                "status": status, "at": _now_text(), **more}  # fmt: skip

    def reply(self, sender: str, text: str, **more: Any) -> dict[str, Any]:
        """A reply event (an SMS from the mobile ``sender``, or for push from the customer ``sender``)."""
        return {"type": "reply", "provider_id": f"MO{secrets.token_hex(6)}", "from": sender, "text": text,
                "at": _now_text(), **more}  # fmt: skip

    def receipts(self, status: str = "delivered") -> Iterator[dict[str, Any]]:
        """A receipt for every message taken so far."""
        for ref in list(self.provider_ids):
            yield self.receipt(ref, status)

    def webhook_request(
        self,
        events: Sequence[dict[str, Any]] | bytes,
        *,
        at: datetime | None = None,
        nonce: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The body and headers of a signed webhook call (``events``, or raw bytes as they are)."""
        body = (
            events
            if isinstance(events, bytes)
            else json.dumps({"events": list(events)}, ensure_ascii=False).encode()
        )
        headers = signed_headers(
            key=self.key, body=body, now=at or datetime.now(UTC), nonce=nonce or secrets.token_hex(16)
        )
        return body, {**headers, "Content-Type": "application/json"}

    def post_events(
        self, webhook_url: str, events: Sequence[dict[str, Any]], **signing: Any
    ) -> httpx.Response:
        """Post the events, signed, to a running Arrears (``.../api/v1/webhooks/sms`` or ``/push``)."""
        body, headers = self.webhook_request(events, **signing)
        return httpx.post(webhook_url, content=body, headers=headers, timeout=30)


def _now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64
    platform: LocalHttpPlatform


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no wait between writes
        with self.server.platform._lock:
            self.server.platform._connections.add(self.connection)
            self.server.platform.connections_opened += 1

    def finish(self) -> None:
        with self.server.platform._lock:
            self.server.platform._connections.discard(self.connection)
        super().finish()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.split("?")[0].endswith("/messages"):
            status, answer = 404, {"error": "POST /messages"}
        else:
            headers = {name.lower(): value for name, value in self.headers.items()}
            status, answer = self.server.platform.answer(headers, body)
        data = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass
