"""The body of a receipt / reply webhook (docs/messaging-http.md), read into the transport contract's
:class:`Receipt` and :class:`Reply` values. Pure: bytes in, values out, or :class:`BadBody`.

    {"events": [
      {"type": "receipt", "provider_id": "P1", "client_ref": "run:...", "status": "delivered",
       "at": "2026-11-23T09:00:05+08:00", "code": "DELIVRD"},
      {"type": "reply", "provider_id": "MO77", "from": "13800138000", "text": "TD",
       "at": "2026-11-23T09:01:00+08:00"}
    ]}

Replies come on the SMS webhook only (an app or WeChat answer goes to the bank's customer service).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, time
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)

from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import FIRST_DAY, LAST_DAY
from arrears.messaging.transport import Inbound, Receipt, Reply
from arrears.messaging.transports.http_contract import TRANSIENT_CODES

MAX_EVENTS = 1000
TRANSPORTS = {"sms": "http", "push": "push"}  # the webhook's channel -> the transport's name
_EARLIEST = datetime.combine(FIRST_DAY, time(), UTC)
_LATEST = datetime.combine(LAST_DAY, time(23, 59, 59), UTC)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]")


class BadBody(ArrearsError):
    """A webhook body that is not the contract's (its ``where`` names the first field refused)."""

    def __init__(self, where: str) -> None:
        super().__init__(f"the body is not a webhook body: {where}", f"请求体不符合回调格式：{where}")
        self.where = where


def _text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a NUL character is not allowed")
    return value


def _iso_text(value: Any) -> Any:
    """The contract's times are ISO 8601 text: a number, or digits read as Unix seconds or milliseconds
    by guesswork (``253402300800`` would be 1978), is refused."""
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("an ISO 8601 time with its UTC offset, e.g. 2026-11-23T09:00:05+08:00")
    return value


def _moment(value: datetime) -> datetime:
    if not _EARLIEST <= value <= _LATEST:
        raise ValueError(f"a time from {FIRST_DAY} to {LAST_DAY}")
    return value.astimezone(UTC)


Text = Annotated[str, AfterValidator(_text)]
Moment = Annotated[AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_moment)]


class ReceiptEvent(BaseModel):
    """What became of a message: named by ``provider_id`` (the send's answer) or ``client_ref``."""

    model_config = ConfigDict(extra="ignore", strict=False)

    type: Literal["receipt"]
    provider_id: Annotated[Text, Field(min_length=1, max_length=120)] | None = None
    client_ref: Annotated[Text, Field(min_length=1, max_length=120)] | None = None
    status: Literal["delivered", "failed", "expired", "unknown"]
    at: Moment = Field(description="When the carrier or the app reported it, with its UTC offset.")
    code: Annotated[Text, Field(max_length=40)] | None = None
    reason: Annotated[Text, Field(max_length=200)] | None = None
    permanent: bool | None = Field(
        default=None,
        description="A failure's: whether the address itself is bad. Unset: unless code is a transient one.",
    )

    @model_validator(mode="after")
    def _named(self) -> ReceiptEvent:
        if self.provider_id is None and self.client_ref is None:
            raise ValueError("a receipt names provider_id or client_ref")
        return self


class ReplyEvent(BaseModel):
    """A mobile-originated SMS (上行短信): ``provider_id`` is the platform's id of it (a reply posted
    twice is applied once)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    type: Literal["reply"]
    provider_id: Annotated[Text, Field(min_length=1, max_length=120)]
    sender: Annotated[Text, Field(alias="from", min_length=1, max_length=40)]
    text: Annotated[Text, Field(max_length=2000)]
    at: Moment


class SmsWebhook(BaseModel):
    model_config = ConfigDict(extra="ignore")

    events: Annotated[
        list[Annotated[ReceiptEvent | ReplyEvent, Field(discriminator="type")]],
        Field(min_length=1, max_length=MAX_EVENTS),
    ]


class PushWebhook(BaseModel):
    model_config = ConfigDict(extra="ignore")

    events: Annotated[list[ReceiptEvent], Field(min_length=1, max_length=MAX_EVENTS)]


def parse_events(body: bytes, *, channel: Literal["sms", "push"]) -> list[Inbound]:
    """The events of a webhook body, in order; :class:`BadBody` naming the first refused field."""
    model = SmsWebhook if channel == "sms" else PushWebhook
    try:
        document = model.model_validate_json(body)
    except ValidationError as problem:
        raise BadBody(_where(problem.errors()[0])) from None
    transport = TRANSPORTS[channel]
    return [_inbound(event, transport=transport) for event in document.events]


def _where(error: Any) -> str:
    if error["type"] == "json_invalid":
        return "not JSON"
    place = ".".join(str(part) for part in error["loc"] if part not in ("receipt", "reply")) or "body"
    if error["type"] == "union_tag_invalid":  # pydantic's message repeats the value given
        return f"{place}: type is receipt or reply"
    return f"{place}: {error['msg']}"[:200]


def _inbound(event: ReceiptEvent | ReplyEvent, *, transport: str) -> Inbound:
    if isinstance(event, ReplyEvent):
        return Reply(transport=transport, channel="sms", sender=event.sender, text=event.text, at=event.at,
                     provider_id=event.provider_id)  # fmt: skip
    reason = ": ".join(part for part in (event.code, event.reason) if part) or None
    permanent = event.permanent if event.permanent is not None else event.code not in TRANSIENT_CODES
    return Receipt(transport=transport, status=event.status, at=event.at, provider_id=event.provider_id,
                   key=event.client_ref, reason=reason, permanent=permanent)  # fmt: skip
