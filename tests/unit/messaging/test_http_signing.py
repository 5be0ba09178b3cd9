"""The HMAC signature both ways: what is signed, what verifying refuses and why."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest

from arrears.messaging.signing import BadSignature, signature, signed_headers, verify

KEY = b"shared-secret-0123456789"
NOW = datetime(2026, 11, 23, 9, 0, 0, tzinfo=UTC)
NONCE = "0123456789abcdef0123"
BODY = '{"events":[{"text":"退订"}]}'.encode()


def headers(**changes: str) -> dict[str, str]:
    return {**signed_headers(key=KEY, body=BODY, now=NOW, nonce=NONCE), **changes}


def reason(given: dict[str, str], *, body: bytes = BODY, now: datetime = NOW) -> str:
    with pytest.raises(BadSignature) as refused:
        verify(key=KEY, headers=given, body=body, now=now, window_seconds=300)
    assert "shared-secret" not in refused.value.message_en
    return refused.value.reason


class TestSign:
    def test_is_the_hex_hmac_of_timestamp_nonce_and_body_joined_by_newlines(self) -> None:
        expected = hmac.new(KEY, b"1795424400\n" + NONCE.encode() + b"\n" + BODY, hashlib.sha256).hexdigest()

        assert signature(key=KEY, timestamp="1795424400", nonce=NONCE, body=BODY) == expected

    def test_headers_carry_the_unix_seconds_and_the_nonce(self) -> None:
        given = headers()

        assert given["X-Arrears-Timestamp"] == str(int(NOW.timestamp()))
        assert given["X-Arrears-Nonce"] == NONCE
        assert len(given["X-Arrears-Signature"]) == 64

    def test_a_short_nonce_is_refused(self) -> None:
        with pytest.raises(ValueError):
            signed_headers(key=KEY, body=BODY, now=NOW, nonce="short")


class TestVerify:
    def test_a_good_signature_gives_its_time_and_nonce(self) -> None:
        signed = verify(
            key=KEY, headers=headers(), body=BODY, now=NOW + timedelta(seconds=299), window_seconds=300
        )

        assert (signed.at, signed.nonce) == (NOW, NONCE)

    def test_lower_case_header_names_and_an_upper_case_signature_are_read(self) -> None:
        given = {
            name.lower(): value.upper() if "Signature" in name else value for name, value in headers().items()
        }

        assert verify(key=KEY, headers=given, body=BODY, now=NOW, window_seconds=300).nonce == NONCE

    def test_a_changed_body_is_refused(self) -> None:
        assert reason(headers(), body=BODY.replace("退订".encode(), b"ok")) == "signature"

    def test_another_key_is_refused(self) -> None:
        given = signed_headers(key=b"other", body=BODY, now=NOW, nonce=NONCE)

        assert reason(given) == "signature"

    def test_a_changed_timestamp_or_nonce_is_refused(self) -> None:
        assert reason(headers(**{"X-Arrears-Timestamp": str(int(NOW.timestamp()) + 1)})) == "signature"
        assert reason(headers(**{"X-Arrears-Nonce": "f" * 20})) == "signature"

    @pytest.mark.parametrize("seconds", [301, -301])
    def test_a_timestamp_outside_the_window_is_stale(self, seconds: int) -> None:
        assert reason(headers(), now=NOW + timedelta(seconds=seconds)) == "stale"

    @pytest.mark.parametrize(
        "changes",
        [
            {"X-Arrears-Signature": ""},
            {"X-Arrears-Signature": "z" * 64},
            {"X-Arrears-Timestamp": "-5"},
            {"X-Arrears-Timestamp": "9" * 13},
            {"X-Arrears-Nonce": "has space in it 12345"},
        ],
    )
    def test_missing_or_malformed_headers_are_refused(self, changes: dict[str, str]) -> None:
        assert reason(headers(**changes)) == "headers"

    def test_a_far_future_timestamp_is_stale_not_an_error(self) -> None:
        given = {"X-Arrears-Timestamp": "999999999999", "X-Arrears-Nonce": NONCE}
        given["X-Arrears-Signature"] = signature(key=KEY, timestamp="999999999999", nonce=NONCE, body=BODY)

        assert reason(given) == "stale"


def test_the_documented_test_vector() -> None:
    """docs/messaging-http.md gives platforms this example to check their implementation against."""
    body = (
        '{"messages":[{"client_ref":"run:2026-11-23:1201:sms","to":"13800138000","text":"您好",'
        '"kind":"collection"}]}'
    ).encode()

    found = signature(
        key=b"example-key-16bytes",
        timestamp="1795395600",
        nonce="5f2b8c0e9a7d4e31b6c2a8f0d4e6b1c3",
        body=body,
    )

    assert found == "ea7dd3a18e9b947f51b51ac72ee8a95c6c18024e5ab65740a5f1122e3e37193a"
