"""SMS over SMPP 3.4: ``smpp://system_id:password@host:port[?system_type=&source=&window=&enquire=]``.

One bind_transceiver carries the submits, the delivery receipts and the replies. smpplib (the maintained
SMPP client library) encodes and decodes the PDUs; its ``Client`` is a blocking request-and-answer loop
without a window, so the session (:mod:`.smpp_session`) drives the socket itself:

- Threads: ``send`` runs in the caller's thread and pipelines submit_sm, up to ``window`` unanswered,
  matching each submit_sm_resp by sequence number; a reader thread per bind reads everything the SMSC
  sends, answers deliver_sm, enquire_link and unbind, and probes an idle link with enquire_link.
- Text: GSM 03.38 as ``data_coding`` 0, anything else (Chinese) as UCS-2 (8); long texts are split and
  concatenated with an 8-bit-reference UDH (:mod:`arrears.messaging.sms_segments`). The reference comes
  from the idempotency key, so a re-send joins the parts a handset already has.
- Exactly once: every submit_sm carries the idempotency key in the vendor-specific optional parameter
  ``sms_smpp_key_tlv`` (the key itself for a one-part message, ``key#n`` for part n of a longer one), so
  an SMSC that deduplicates answers a re-send with the first message id. ``registered_delivery`` is 1.
- A multi-part message's provider id is its first part's message id. Every part's id is kept in memory
  (the last 100,000 parts) so the parts' receipts come back under the first id and the key: a delivered
  later part is not reported again, a failed one fails the message. (After a restart, or past that
  memory, a later part's receipt comes back under its own id and is counted as unknown.)
- Outcomes: ESME_RTHROTTLED, ESME_RMSGQFUL, system and temporary errors, a timeout or a dropped connection
  are transient (retried with the same key); any other refusal (ESME_RINVDSTADR...) is permanent.
  A refused connection raises ``TransportDown``; a refused bind raises :class:`SmppBindRefused` (a
  ``TransportDown``) naming the system_id, never the password.
- Reconnect: a dropped bind is opened again by the next ``send``, or by ``inbound`` (which binds even
  before the first send, backing off from 1 to 30 s while the SMSC cannot be reached) so receipts and
  replies keep coming while nothing is sent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

from arrears.config import Settings
from arrears.kit import clock
from arrears.messaging.sms_segments import SegmentError, encode_parts, reference_for
from arrears.messaging.transport import (
    Inbound,
    Outgoing,
    Receipt,
    Reply,
    SendResult,
    TransportDown,
    TransportError,
    redact,
)
from arrears.messaging.transports import smpp_pdu as pdu
from arrears.messaging.transports.smpp_receipts import (
    ReplyAssembler,
    SmsReceipt,
    SmsReplyPart,
    read_deliver_sm,
)
from arrears.messaging.transports.smpp_session import (
    LOST,
    Response,
    SessionConfig,
    SessionStats,
    SmppBindRefused,
    SmppSession,
    SmppUnreachable,
    Submission,
)

__all__ = ["SmppBindRefused", "SmppOptions", "SmppTransport", "SmppUnreachable", "parse_url"]

log = logging.getLogger(__name__)

DEFAULT_PORT = 2775
PART_MEMORY = 100_000
_QUERY_KEYS = frozenset({"system_type", "source", "window", "enquire"})


@dataclass(frozen=True, slots=True)
class SmppOptions:
    session: SessionConfig
    source: str
    key_tag: int


def _shown(url: str) -> str:
    try:
        return redact(url)
    except ValueError:  # redact reads the port, which may be what is wrong
        return url.split("://", 1)[0] + "://***"


def _bad(url: str, en: str, zh: str) -> TransportError:
    return TransportError(f"SMS transport {_shown(url)}: {en}", f"短信通道 {_shown(url)}：{zh}")


def _query(url: str, query: str) -> dict[str, str]:
    values = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(values) - _QUERY_KEYS)
    if unknown:
        raise _bad(url, f"unknown parameter {unknown[0]!r}.", f"未知参数 {unknown[0]!r}。")
    return {name: items[-1] for name, items in values.items()}


def _number(url: str, name: str, text: str, *, low: float, high: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:
        raise _bad(
            url,
            f"{name} must be a number from {low:g} to {high:g}.",
            f"{name} 须为 {low:g} 至 {high:g} 的数。",
        )
    return value


def _address(url: str, parts: Any) -> tuple[str, int, str, str]:
    try:
        host, port = parts.hostname, parts.port or DEFAULT_PORT
    except ValueError:
        raise _bad(url, "the port is not a number.", "端口不是数字。") from None
    system_id, password = unquote(parts.username or ""), unquote(parts.password or "")
    if not host or not system_id:
        raise _bad(url, "give smpp://system_id:password@host:port.", "格式应为 smpp://账号:密码@主机:端口。")
    if len(system_id) > 15 or not system_id.isascii():
        raise _bad(url, "the system_id holds at most 15 ASCII characters.", "系统账号最多 15 个 ASCII 字符。")
    if len(password) > 8 or not password.isascii():
        raise _bad(url, "the password holds at most 8 ASCII characters.", "密码最多 8 个 ASCII 字符。")
    return host, port, system_id, password


def parse_url(url: str, *, settings: Settings) -> SmppOptions:
    """The options of an ``smpp://`` URL; the URL's query overrides the ``sms_smpp_*`` settings."""
    parts = urlsplit(url)
    if parts.scheme != "smpp":
        raise _bad(url, "not an smpp:// URL.", "不是 smpp:// 地址。")
    host, port, system_id, password = _address(url, parts)
    query = _query(url, parts.query)
    system_type, source = query.get("system_type", ""), query.get("source", settings.sms_smpp_source)
    if len(system_type) > 12 or len(source) > 20 or not (system_type + source).isascii():
        raise _bad(
            url,
            "system_type holds at most 12 and source 20 ASCII characters.",
            "system_type 最多 12 个、source 最多 20 个 ASCII 字符。",
        )
    window = settings.sms_smpp_window
    if "window" in query:
        window = int(_number(url, "window", query["window"], low=1, high=1000))
    enquire = settings.sms_smpp_enquire_seconds
    if "enquire" in query:
        enquire = _number(url, "enquire", query["enquire"], low=0.1, high=3600)
    session = SessionConfig(
        host, port, system_id, password, system_type, settings.sms_smpp_timeout_seconds, enquire, window
    )
    return SmppOptions(session=session, source=source, key_tag=settings.sms_smpp_key_tlv)


def _ton_npi(address: str) -> tuple[int, int, str]:
    if address.startswith("+"):
        return 1, 1, address[1:]  # international, ISDN
    if address and not address.isdigit():
        return 5, 0, address  # alphanumeric sender ID
    return (0, 1, address) if address else (0, 0, "")


@dataclass(frozen=True, slots=True)
class _Plan:
    items: list[dict[str, Any]]
    refused: SendResult | None = None


class SmppTransport:
    name = "smpp"

    def __init__(self, options: SmppOptions, *, now: Callable[[], datetime] = clock.now) -> None:
        self.options = options
        self.stats = SessionStats()
        self._now = now
        self._lock = threading.Lock()
        self._session: SmppSession | None = None
        self._events: deque[tuple[SmsReceipt | SmsReplyPart, datetime]] = deque()
        # a multi-part message's part id -> (first part's id, key, part number)
        self._parts: OrderedDict[str, tuple[str, str, int]] = OrderedDict()
        self._replies = ReplyAssembler()
        self._retry_at = 0.0
        self._retry_delay = 1.0
        self._closed = False
        source_ton, source_npi, source = _ton_npi(options.source)
        self._source = {"source_addr_ton": source_ton, "source_addr_npi": source_npi, "source_addr": source}

    @classmethod
    def from_url(cls, url: str, *, settings: Settings) -> Self:
        return cls(parse_url(url, settings=settings))

    # --- the bind ---------------------------------------------------------------------------------------
    def _bound(self) -> SmppSession:
        with self._lock:
            if self._session is not None and self._session.alive:
                return self._session
            session = SmppSession(self.options.session, on_deliver=self._on_deliver, stats=self.stats)
            session.open()
            self._session, self._retry_delay = session, 1.0
            return session

    def _on_deliver(self, deliver: pdu.DeliverSm) -> None:
        """In the reader thread: read the deliver_sm (raising when malformed) and queue what it says."""
        event = read_deliver_sm(
            esm_class=deliver.esm_class,
            data_coding=deliver.data_coding,
            source_addr=deliver.source_addr,
            body=deliver.body,
            receipted_message_id=deliver.receipted_message_id,
            message_state=deliver.message_state,
        )
        if event is not None:
            self._events.append((event, self._now()))

    # --- sending -------------------------------------------------------------------------------------
    def _plan(self, message: Outgoing) -> _Plan:
        ton, npi, destination = _ton_npi(message.recipient.strip().replace(" ", "").replace("-", ""))
        if not destination.isdigit() or len(destination) > 20:
            refused = SendResult(message.key, "permanent", reason="the recipient is not a mobile number")
            return _Plan([], refused)
        try:
            encoded = encode_parts(message.text, reference=reference_for(message.key))
        except SegmentError as error:
            return _Plan([], SendResult(message.key, "permanent", reason=error.message_en))
        many = len(encoded.parts) > 1
        items = [
            self._source
            | {"dest_addr_ton": ton, "dest_addr_npi": npi, "destination_addr": destination}
            | {"esm_class": encoded.esm_class, "data_coding": encoded.data_coding, "short_message": part}
            | {"key": f"{message.key}#{number}" if many else message.key}
            for number, part in enumerate(encoded.parts, start=1)
        ]
        return _Plan(items)

    def send(self, batch: Sequence[Outgoing]) -> list[SendResult]:
        """One result per message, in order; raises ``TransportDown`` only when the bind cannot be had."""
        if not batch:
            return []
        session = self._bound()
        plans = [self._plan(message) for message in batch]
        items = [item for plan in plans for item in plan.items]
        submission = Submission(len(items))
        session.submit(submission, items, key_tag=self.options.key_tag)
        session.wait(submission)
        results, start = [], 0
        for message, plan in zip(batch, plans, strict=True):
            answers = submission.responses[start : start + len(plan.items)]
            start += len(plan.items)
            results.append(plan.refused or self._result(message, [a for a in answers if a is not None]))
        return results

    def _result(self, message: Outgoing, answers: list[Response]) -> SendResult:
        refused = [a for a in answers if a.status not in (pdu.ESME_ROK, LOST, *pdu.TRANSIENT_STATUSES)]
        if refused:
            return SendResult(message.key, "permanent", reason=pdu.describe(refused[0].status))
        retry = [a for a in answers if a.status != pdu.ESME_ROK]
        if retry:
            reason = retry[0].reason if retry[0].status == LOST else pdu.describe(retry[0].status)
            return SendResult(message.key, "transient", reason=reason)
        first = answers[0].message_id or ""
        if len(answers) > 1:
            with self._lock:
                for number, answer in enumerate(answers, start=1):
                    self._parts[answer.message_id or ""] = (first, message.key, number)
                while len(self._parts) > PART_MEMORY:
                    self._parts.popitem(last=False)
        return SendResult(message.key, "sent", provider_id=first)

    # --- what comes back ------------------------------------------------------------------------------
    def _reconnect_if_due(self) -> None:
        if self._closed or (self._session is not None and self._session.alive):
            return
        if time.monotonic() < self._retry_at:
            return
        try:
            self._bound()
        except TransportDown as error:
            self._retry_at = time.monotonic() + self._retry_delay
            self._retry_delay = min(self._retry_delay * 2, 30.0)
            log.warning("SMPP reconnect failed: %s", error.message_en)

    def inbound(self) -> list[Inbound]:
        """Receipts and replies received since the last call. Binds when there is no bind (replies come
        only to a bound ESME), backing off from 1 to 30 s while the SMSC cannot be reached."""
        self._reconnect_if_due()
        events: list[Inbound] = []
        while self._events:
            event, at = self._events.popleft()
            if isinstance(event, SmsReceipt):
                receipt = self._receipt(event, at)
                if receipt is not None:
                    events.append(receipt)
            else:
                text = self._replies.add(event)
                if text is not None:
                    events.append(
                        Reply(transport=self.name, channel="sms", sender=event.sender, text=text, at=at)
                    )
        return events

    def _receipt(self, event: SmsReceipt, at: datetime) -> Receipt | None:
        with self._lock:
            provider_id, key, number = self._parts.get(event.provider_id) or (event.provider_id, None, 1)
        if number > 1 and event.status == "delivered":
            return None  # the first part's receipt reports the message
        return Receipt(
            transport=self.name,
            status=event.status,
            at=at,
            provider_id=provider_id,
            key=key,
            reason=event.reason,
            permanent=event.permanent,
        )

    def inbound_recorded(self) -> None:
        """Nothing: smpplib answers each deliver_sm as it reads it (see docs/messaging-smpp.md)."""

    def close(self) -> None:
        """Unbind; ``inbound`` binds no more (``send`` would bind again)."""
        with self._lock:
            session, self._session, self._closed = self._session, None, True
        if session is not None:
            session.close()
