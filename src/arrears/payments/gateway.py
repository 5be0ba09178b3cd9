"""The gateway contract: the fields of a notification, their signature, amounts and times as sent.

The ``simulated`` gateway behaves like the common Chinese payment gateways (docs/payments.md, "The
gateway contract"). A notification is form-encoded: ``out_trade_no``, ``trade_no``, ``total_amount``
(yuan, two decimals), ``trade_status`` (``TRADE_SUCCESS`` or ``TRADE_CLOSED``), ``gmt_payment``
(``YYYY-MM-DD HH:MM:SS`` in Asia/Shanghai), ``sign_type`` (``HMAC-SHA256``) and ``sign``: the lowercase
hex HMAC-SHA256, keyed with ``ARREARS_GATEWAY_SECRET``, of every other non-empty field except ``sign``
and ``sign_type``, sorted by name and joined as ``name=value`` with ``&``.

Pure functions: no database, no clock, no logging (the secret and the signature are never logged).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from arrears.config import Settings
from arrears.kit.errors import ArrearsError
from arrears.kit.money import MAX_AMOUNT_FEN, fen_to_yuan

SIGN_TYPE = "HMAC-SHA256"
TRADE_SUCCESS, TRADE_CLOSED = "TRADE_SUCCESS", "TRADE_CLOSED"
TRADE_STATUSES = (TRADE_SUCCESS, TRADE_CLOSED)
GATEWAY_ZONE = ZoneInfo("Asia/Shanghai")  # the contract's times, whatever the cardholders' zone
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
UNSIGNED = frozenset({"sign", "sign_type"})
FIELDS = ("out_trade_no", "trade_no", "total_amount", "trade_status", "gmt_payment", "sign_type", "sign")
MAX_FIELD = 64  # characters of any field's value; longer is refused (and stored cut)
MIN_SECRET_BYTES = 16
TIME_SLACK = timedelta(hours=1)  # gmt_payment may be this far before the order or after its notification
_AMOUNT = re.compile(r"(0|[1-9][0-9]{0,8})\.([0-9]{2})")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_KEY = re.compile(r"[0-9A-Za-z_-]{1,64}")


class GatewayNotConfigured(ArrearsError):
    """ARREARS_GATEWAY_SECRET is unset or too short: payments cannot be taken."""


class BadNotification(ArrearsError, ValueError):
    """A field of a notification is missing or malformed (the message names it, never its value's secret)."""


def gateway_secret(settings: Settings) -> bytes:
    """The notification key, at least 16 bytes; GatewayNotConfigured (naming the setting) otherwise."""
    value = settings.gateway_secret.get_secret_value().encode() if settings.gateway_secret else b""
    if len(value) < MIN_SECRET_BYTES:
        raise GatewayNotConfigured(
            f"ARREARS_GATEWAY_SECRET is {'too short' if value else 'not set'} "
            f"(at least {MIN_SECRET_BYTES} bytes): payments cannot be taken",
            f"未配置 ARREARS_GATEWAY_SECRET（至少 {MIN_SECRET_BYTES} 字节），暂不能在线还款",
        )
    return value


def signing_text(fields: Mapping[str, str]) -> str:
    """``a=1&b=2``: every non-empty field except ``sign`` and ``sign_type``, sorted by name."""
    return "&".join(
        f"{name}={fields[name]}" for name in sorted(fields) if name not in UNSIGNED and fields[name]
    )


def sign(fields: Mapping[str, str], secret: bytes) -> str:
    """The lowercase hex HMAC-SHA256 of :func:`signing_text` (UTF-8) keyed with ``secret``."""
    return hmac.new(secret, signing_text(fields).encode("utf-8"), hashlib.sha256).hexdigest()


def verify(fields: Mapping[str, str], secret: bytes) -> bool:
    """True when ``sign_type`` is HMAC-SHA256 and ``sign`` is the fields' signature (constant-time)."""
    given = fields.get("sign", "")
    if fields.get("sign_type") != SIGN_TYPE or not given:
        return False
    return hmac.compare_digest(sign(fields, secret).encode(), given.encode("utf-8", "replace"))


def yuan_text(fen: int) -> str:
    """``12345`` -> ``"123.45"``: the contract's ``total_amount``."""
    return f"{fen_to_yuan(fen):.2f}"


def amount_fen(text: str) -> int:
    """``"123.45"`` -> 12345; BadNotification unless yuan with exactly two decimals, above 0."""
    found = _AMOUNT.fullmatch(text)
    fen = int(found.group(1)) * 100 + int(found.group(2)) if found else 0
    if not 0 < fen <= MAX_AMOUNT_FEN:
        raise BadNotification(
            "total_amount is not an amount in yuan with two decimals", "total_amount 不是两位小数的金额"
        )
    return fen


def gateway_time(moment: datetime) -> str:
    """An aware instant as the contract writes it: ``2026-12-05 10:30:00`` in Asia/Shanghai."""
    return moment.astimezone(GATEWAY_ZONE).strftime(TIME_FORMAT)


def parse_gateway_time(text: str) -> datetime:
    """``gmt_payment`` as the aware UTC instant; BadNotification when it is not the contract's form."""
    try:
        if not _TIME.fullmatch(text):
            raise ValueError(text)
        moment = datetime.strptime(text, TIME_FORMAT).replace(tzinfo=GATEWAY_ZONE).astimezone(UTC)
    except (ValueError, OverflowError):  # 0001-01-01 00:00:00 in Shanghai is before the first UTC instant
        raise BadNotification(
            "gmt_payment is not a time YYYY-MM-DD HH:MM:SS", "gmt_payment 不是 YYYY-MM-DD HH:MM:SS 格式的时间"
        ) from None
    return moment


def plausible_payment_time(paid_at: datetime, *, ordered_at: datetime, received_at: datetime) -> bool:
    """A payment time the order can have: not before the order was made, nor after the notification
    came (less :data:`TIME_SLACK` either way, for the two clocks); a signed ``9999-12-31 23:59:59``
    would otherwise date the payment, and the account's delinquency, in a year no one lives to."""
    return ordered_at - TIME_SLACK <= paid_at <= received_at + TIME_SLACK


@dataclass(frozen=True, slots=True)
class Notification:
    """A notification whose fields are well-formed (the signature is checked apart)."""

    out_trade_no: str
    trade_no: str
    amount_fen: int
    trade_status: str
    paid_at: datetime | None  # gmt_payment (required for TRADE_SUCCESS), aware UTC


def read_notification(fields: Mapping[str, str]) -> Notification:
    """The notification in ``fields``; BadNotification naming the first field missing or malformed."""
    for name in ("out_trade_no", "trade_no"):
        if not _KEY.fullmatch(fields.get(name, "")):
            raise BadNotification(
                f"{name} is missing or not 1-64 letters, digits, '-' or '_'",
                f"{name} 缺失或不是 1-64 位字母、数字、'-' 或 '_'",
            )
    status = fields.get("trade_status", "")
    if status not in TRADE_STATUSES:
        raise BadNotification(
            "trade_status is not TRADE_SUCCESS or TRADE_CLOSED",
            "trade_status 不是 TRADE_SUCCESS 或 TRADE_CLOSED",
        )
    paid = fields.get("gmt_payment", "")
    if status == TRADE_SUCCESS and not paid:
        raise BadNotification("gmt_payment is missing", "缺少 gmt_payment")
    return Notification(
        out_trade_no=fields["out_trade_no"],
        trade_no=fields["trade_no"],
        amount_fen=amount_fen(fields.get("total_amount", "")),
        trade_status=status,
        paid_at=parse_gateway_time(paid) if paid else None,
    )


def signed_notification(
    *,
    out_trade_no: str,
    trade_no: str,
    amount: int,
    trade_status: str,
    at: datetime,
    secret: bytes,
) -> dict[str, str]:
    """The form fields the gateway posts, signed (the simulated checkout and the tests build them)."""
    fields = {
        "out_trade_no": out_trade_no,
        "trade_no": trade_no,
        "total_amount": yuan_text(amount),
        "trade_status": trade_status,
        "gmt_payment": gateway_time(at),
        "sign_type": SIGN_TYPE,
    }
    return fields | {"sign": sign(fields, secret)}


def new_trade_no(at: datetime) -> str:
    """The simulated gateway's trade number: ``SIM`` + its date in Asia/Shanghai + 20 random hex digits."""
    return f"SIM{at.astimezone(GATEWAY_ZONE):%Y%m%d}{secrets.token_hex(10)}"
