"""The pure half of the HTTP platform contract (docs/messaging-http.md): what a platform's answer
means for each message of a batch. No I/O, no clock.

A platform answers ``200`` with one result per message, matched by ``client_ref``:
``accepted`` or ``duplicate`` (a message it had already taken: the first send's provider id, which
makes a re-send after a crash exactly once) are sent; ``rejected`` carries a ``code`` whose table below
says whether trying again can help. A code not in the tables is transient: retried within the
message's bounded attempts, and never counted against the contact point as a permanent failure.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any, Literal

from arrears.messaging.transport import SendOutcome, SendResult

# rejected codes that no retry can cure: the message fails with the reason (an SMS's number counts
# towards being marked invalid)
PERMANENT_CODES: dict[str, str] = {
    "invalid_number": "the number does not exist or is malformed (空号/号码格式错误)",
    "blacklisted": "the recipient is on the platform's or carrier's block list (黑名单)",
    "unsubscribed": "the recipient unsubscribed at the platform or carrier (已退订)",
    "content_refused": "the content was refused by the platform's or carrier's review (内容违规)",
    "invalid_request": "the message lacks a field or a field is malformed",
    "unknown_customer": "push: no app installation or WeChat follower is bound to the customer",
    "not_subscribed": "WeChat: the customer does not follow the official account or refused notices",
}
# rejected codes worth trying again later (with backoff, within the message's deadline)
TRANSIENT_CODES: dict[str, str] = {
    "throttled": "the platform's or carrier's rate limit (流控)",
    "insufficient_balance": "the bank's account at the platform has no credit left (余额不足)",
    "busy": "the platform is overloaded",
    "channel_unavailable": "the carrier channel is down (通道故障)",
}
DOWN_STATUSES = frozenset({401, 403, 404, 405})  # nothing can be sent until someone fixes the setup
MAX_PROVIDER_ID = 120
MAX_REASON = 200

Verdict = Literal["results", "down", "transient"]


def verdict_of_status(status_code: int) -> Verdict:
    """200: read the per-message results; 401/403 (signature or key refused) and 404/405 (wrong URL):
    the transport is down, every message waits; anything else (429, 5xx, 400, ...): the whole batch
    is transient."""
    if status_code == 200:
        return "results"
    if status_code in DOWN_STATUSES:
        return "down"
    return "transient"


def batch_key(keys: Sequence[str]) -> str:
    """The batch's ``Idempotency-Key``: the hex SHA-256 of its messages' keys joined by newlines (the
    same batch sent again carries the same key)."""
    return hashlib.sha256("\n".join(keys).encode("utf-8")).hexdigest()


def whole_batch(keys: Sequence[str], *, outcome: SendOutcome, reason: str) -> list[SendResult]:
    return [SendResult(key=key, outcome=outcome, reason=reason[:MAX_REASON]) for key in keys]


def results_of(keys: Sequence[str], document: Any) -> list[SendResult]:
    """One result per key, in order, from a 200 answer's decoded JSON; an answer that is not the
    contract's shape makes every message transient, a key the answer leaves out is transient."""
    results = document.get("results") if isinstance(document, dict) else None
    if not isinstance(results, list):
        return whole_batch(keys, outcome="transient", reason="the platform's answer has no results list")
    by_ref = {
        item["client_ref"]: item
        for item in results
        if isinstance(item, dict) and isinstance(item.get("client_ref"), str)
    }
    return [result_of(key, by_ref.get(key)) for key in keys]


def result_of(key: str, item: dict[str, Any] | None) -> SendResult:
    """What one message's result says."""
    if item is None:
        return SendResult(key=key, outcome="transient", reason="the platform gave no result for it")
    status = item.get("status")
    if status in ("accepted", "duplicate"):
        provider_id = item.get("provider_id")
        if isinstance(provider_id, str) and 0 < len(provider_id) <= MAX_PROVIDER_ID:
            return SendResult(key=key, outcome="sent", provider_id=provider_id)
        return SendResult(key=key, outcome="transient", reason=f"{status} without a usable provider_id")
    if status == "rejected":
        code = item.get("code") if isinstance(item.get("code"), str) else "unknown"
        reason = item.get("reason") if isinstance(item.get("reason"), str) else ""
        outcome: SendOutcome = "permanent" if code in PERMANENT_CODES else "transient"
        return SendResult(key=key, outcome=outcome, reason=f"{code}: {reason}".rstrip(": ")[:MAX_REASON])
    return SendResult(key=key, outcome="transient", reason="the platform's result has no known status")
