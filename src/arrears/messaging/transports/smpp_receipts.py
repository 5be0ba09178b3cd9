"""What an SMSC's deliver_sm says: a delivery receipt (DLR) or a message from the cardholder (MO).

Pure functions over the PDU's fields: no socket, no clock. A receipt's text follows the de-facto format
of SMPP 3.4 appendix B::

    id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:...

and the ``receipted_message_id`` / ``message_state`` optional parameters win over the text when present.
Only the fields before ``text:`` are read, so a message text that looks like a receipt cannot change one.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from arrears.messaging.sms_segments import Concatenation, decode_text, split_udh
from arrears.messaging.transport import ReceiptStatus

ESM_TYPE_MASK = 0x3C
ESM_DELIVERY_RECEIPT = 0x04

# message_state optional parameter (SMPP 3.4 section 5.2.28) -> the receipt text's stat word
MESSAGE_STATES = {
    1: "ENROUTE",
    2: "DELIVRD",
    3: "EXPIRED",
    4: "DELETED",
    5: "UNDELIV",
    6: "ACCEPTD",
    7: "UNKNOWN",
    8: "REJECTD",
}
_STAT_ALIASES = {"DELIVERED": "DELIVRD", "UNDELIVERABLE": "UNDELIV", "REJECTED": "REJECTD"}
_STAT_ALIASES |= {"ACCEPTED": "ACCEPTD", "EXPIRD": "EXPIRED"}
# stat -> (status, whether the failure says the address itself is bad); None: not final yet
_OUTCOMES: dict[str, tuple[ReceiptStatus, bool] | None] = {
    "DELIVRD": ("delivered", False),
    "EXPIRED": ("expired", False),
    "UNDELIV": ("failed", True),
    "REJECTD": ("failed", False),
    "DELETED": ("failed", False),
    "UNKNOWN": ("unknown", False),
    "ENROUTE": None,
    "ACCEPTD": None,
}
_FIELD = re.compile(r"(?i)(?:^|\s)(id|sub|dlvrd|submit date|done date|stat|err):(\S*)")
_TEXT = re.compile(r"(?i)(?:^|\s)text:")
_DATE = re.compile(r"\d{10}(?:\d{2})?")


class MalformedDeliverSm(ValueError):
    """A deliver_sm that says nothing usable; counted and logged without its content."""


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    message_id: str
    stat: str
    err: str | None = None
    submitted: int | None = None
    delivered: int | None = None
    submit_date: datetime | None = None  # the SMSC's local time, no zone
    done_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class SmsReceipt:
    provider_id: str
    stat: str
    status: ReceiptStatus
    permanent: bool
    reason: str


@dataclass(frozen=True, slots=True)
class SmsReplyPart:
    sender: str
    text: str
    concatenation: Concatenation | None


def _date(value: str | None) -> datetime | None:
    if value is None or not _DATE.fullmatch(value):
        return None
    try:
        return datetime.strptime(value if len(value) == 12 else value + "00", "%y%m%d%H%M%S")
    except ValueError:
        return None


def _number(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdigit() else None


def normal_stat(stat: str) -> str:
    upper = stat.strip().upper()
    return _STAT_ALIASES.get(upper, upper)


def parse_receipt_text(text: str) -> DeliveryReport:
    """The fields of a receipt's text; raises :class:`MalformedDeliverSm` without an id and a stat."""
    cut = _TEXT.search(text)
    head = text[: cut.start()] if cut else text
    fields: dict[str, str] = {}
    for match in _FIELD.finditer(head):
        fields.setdefault(match.group(1).lower(), match.group(2))
    if not fields.get("id") or not fields.get("stat"):
        raise MalformedDeliverSm("receipt text without id and stat")
    return DeliveryReport(
        message_id=fields["id"],
        stat=normal_stat(fields["stat"]),
        err=fields.get("err") or None,
        submitted=_number(fields.get("sub")),
        delivered=_number(fields.get("dlvrd")),
        submit_date=_date(fields.get("submit date")),
        done_date=_date(fields.get("done date")),
    )


def outcome(stat: str) -> tuple[ReceiptStatus, bool] | None:
    """What a stat word means for the message: its receipt status and whether the address is bad;
    ``None`` for an intermediate state (en route, accepted) that is not reported."""
    return _OUTCOMES.get(normal_stat(stat), ("unknown", False))


def _report(text: str, *, required: bool) -> DeliveryReport | None:
    try:
        return parse_receipt_text(text)
    except MalformedDeliverSm:
        if required:
            raise
        return None


def _receipt(
    body: bytes, *, data_coding: int, receipted_id: str | None, state: int | None
) -> SmsReceipt | None:
    text = decode_text(body, data_coding=data_coding) if data_coding == 8 else body.decode("latin-1")
    tlv_stat = MESSAGE_STATES.get(state) if state is not None else None
    report = _report(text, required=not (receipted_id and tlv_stat))
    provider_id = receipted_id or (report.message_id if report else "")
    stat = tlv_stat or (report.stat if report else "")
    meaning = outcome(stat)
    if meaning is None:
        return None
    err = report.err if report else None
    reason = f"stat:{stat}" + (f" err:{err}" if err else "")
    return SmsReceipt(provider_id, stat, meaning[0], meaning[1] and meaning[0] == "failed", reason)


def read_deliver_sm(
    *,
    esm_class: int,
    data_coding: int,
    source_addr: str,
    body: bytes,
    receipted_message_id: str | None = None,
    message_state: int | None = None,
) -> SmsReceipt | SmsReplyPart | None:
    """A receipt, a reply (or one segment of a concatenated reply), or ``None`` for an intermediate
    receipt or an SME acknowledgement. ``body`` is ``short_message`` or else ``message_payload``.

    Raises :class:`MalformedDeliverSm` for a deliver_sm that says nothing usable."""
    kind = esm_class & ESM_TYPE_MASK
    if kind == ESM_DELIVERY_RECEIPT:
        return _receipt(body, data_coding=data_coding, receipted_id=receipted_message_id, state=message_state)
    if kind != 0:
        return None
    if not source_addr:
        raise MalformedDeliverSm("mobile-originated message without a sender")
    try:
        concatenation, payload = split_udh(body, esm_class=esm_class)
    except ValueError as error:
        raise MalformedDeliverSm(str(error)) from None
    if concatenation and not 1 <= concatenation.sequence <= concatenation.total:
        raise MalformedDeliverSm("segment number outside the segment count")
    return SmsReplyPart(source_addr, decode_text(payload, data_coding=data_coding), concatenation)


class ReplyAssembler:
    """Joins the segments of concatenated replies; keeps at most ``capacity`` incomplete ones."""

    def __init__(self, *, capacity: int = 1000) -> None:
        self._capacity = capacity
        self._pending: OrderedDict[tuple[str, int, int], dict[int, str]] = OrderedDict()

    def add(self, part: SmsReplyPart) -> str | None:
        """The whole text once every segment arrived (at once for a single segment), else ``None``."""
        concat = part.concatenation
        if concat is None or concat.total <= 1:
            return part.text
        key = (part.sender, concat.reference, concat.total)
        segments = self._pending.setdefault(key, {})
        segments[concat.sequence] = part.text
        if len(segments) < concat.total:
            while len(self._pending) > self._capacity:
                self._pending.popitem(last=False)
            return None
        del self._pending[key]
        return "".join(segments[number] for number in sorted(segments))
