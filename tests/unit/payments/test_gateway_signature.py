"""The gateway contract's signature, amounts and times (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from arrears.config import Settings
from arrears.payments.gateway import (
    BadNotification,
    GatewayNotConfigured,
    amount_fen,
    gateway_secret,
    gateway_time,
    parse_gateway_time,
    read_notification,
    sign,
    signed_notification,
    signing_text,
    verify,
    yuan_text,
)

SECRET = b"simulated-gateway-secret-0123456789"
# the worked example of docs/payments.md; the signature checked with
# printf '%s' "$TEXT" | openssl dgst -sha256 -hmac simulated-gateway-secret-0123456789
FIELDS = {
    "out_trade_no": "20261124ABCDEFGHJKLMNPQRSTUV",
    "trade_no": "SIM20261124a1b2c3d4e5f6a7b8c9d0",
    "total_amount": "350.00",
    "trade_status": "TRADE_SUCCESS",
    "gmt_payment": "2026-11-24 10:30:00",
    "sign_type": "HMAC-SHA256",
}
TEXT = (
    "gmt_payment=2026-11-24 10:30:00&out_trade_no=20261124ABCDEFGHJKLMNPQRSTUV&total_amount=350.00"
    "&trade_no=SIM20261124a1b2c3d4e5f6a7b8c9d0&trade_status=TRADE_SUCCESS"
)
SIGN = "ce483d726339b565350fa51d41905ddd8b13cdd699ce3230e3a0f9c50cda0a17"


def test_the_signature_vector() -> None:
    assert signing_text(FIELDS) == TEXT
    assert sign(FIELDS, SECRET) == SIGN
    assert verify(FIELDS | {"sign": SIGN}, SECRET)


def test_empty_fields_sign_and_sign_type_are_left_out_and_extra_fields_signed() -> None:
    assert sign(FIELDS | {"buyer_id": "", "sign": "x", "sign_type": "other"}, SECRET) == SIGN
    assert sign(FIELDS | {"body": "还款"}, SECRET) != SIGN
    assert signing_text({"b": "2", "a": "还款"}) == "a=还款&b=2"


@pytest.mark.parametrize(
    "changes",
    [
        {"sign": SIGN.upper()},
        {"sign": SIGN[:-1] + "0"},
        {"sign": ""},
        {"sign_type": "RSA2"},
        {"total_amount": "350.01"},
        {"trade_status": "TRADE_CLOSED"},
    ],
)
def test_anything_changed_does_not_verify(changes: dict[str, str]) -> None:
    assert not verify(FIELDS | {"sign": SIGN} | changes, SECRET)


def test_another_key_does_not_verify() -> None:
    assert not verify(FIELDS | {"sign": SIGN}, b"another-secret-of-enough-length")


def test_a_built_notification_verifies_and_reads_back() -> None:
    at = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)
    fields = signed_notification(
        out_trade_no="O1", trade_no="T1", amount=350_00, trade_status="TRADE_SUCCESS", at=at, secret=SECRET
    )

    note = read_notification(fields)

    assert verify(fields, SECRET)
    assert (fields["total_amount"], fields["gmt_payment"]) == ("350.00", "2026-11-24 10:30:00")
    assert (note.amount_fen, note.paid_at, note.trade_no) == (350_00, at, "T1")


@pytest.mark.parametrize(
    "text", ["350", "350.0", "350.000", "-1.00", "0.00", "1e999", "NaN", " 1.00", "1,000.00"]
)
def test_amounts_are_yuan_with_two_decimals_above_zero(text: str) -> None:
    with pytest.raises(BadNotification):
        amount_fen(text)


def test_amounts_and_times_as_the_contract_writes_them() -> None:
    assert (amount_fen("0.01"), amount_fen("123.45"), yuan_text(5), yuan_text(123_45)) == (
        1,
        123_45,
        "0.05",
        "123.45",
    )
    moment = parse_gateway_time("2026-11-24 00:10:00")
    assert moment == datetime(2026, 11, 23, 16, 10, tzinfo=UTC)
    assert gateway_time(moment) == "2026-11-24 00:10:00"
    for text in (
        "2026-11-24T00:10:00",
        "2026-11-24 00:10",
        "2026-13-01 00:00:00",
        "2026-11-24 00:10:00+08:00",
    ):
        with pytest.raises(BadNotification):
            parse_gateway_time(text)


def test_the_secret_must_be_set_and_16_bytes_at_least() -> None:
    assert gateway_secret(Settings(gateway_secret="s" * 16)) == b"s" * 16
    for value in (None, "", "s" * 15):
        with pytest.raises(GatewayNotConfigured, match="ARREARS_GATEWAY_SECRET"):
            gateway_secret(Settings(gateway_secret=value))
