"""A webhook body read into receipts and replies: what each field becomes, and what is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from arrears.messaging.transport import Receipt, Reply
from arrears.messaging.webhook_body import BadBody, parse_events

AT = "2026-11-24T10:00:05+08:00"
UTC_AT = datetime(2026, 11, 24, 2, 0, 5, tzinfo=UTC)


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"events": list(events)}, ensure_ascii=False).encode()


def test_a_receipt_becomes_the_transports_receipt_in_utc() -> None:
    [found] = parse_events(
        body(
            {
                "type": "receipt",
                "provider_id": "P1",
                "client_ref": "k1",
                "status": "delivered",
                "code": "DELIVRD",
                "at": AT,
                "extra": 1,
            }
        ),
        channel="sms",
    )

    assert found == Receipt(
        transport="http",
        status="delivered",
        at=UTC_AT,
        provider_id="P1",
        key="k1",
        reason="DELIVRD",
        permanent=True,
    )
    assert found.at.tzinfo == UTC


@pytest.mark.parametrize(
    ("extra", "permanent"),
    [
        ({"code": "invalid_number"}, True),
        ({"code": "throttled"}, False),
        ({}, True),
        ({"code": "throttled", "permanent": True}, True),
        ({"code": "UNDELIV", "permanent": False}, False),
    ],
)
def test_a_failure_is_permanent_unless_said_or_coded_transient(
    extra: dict[str, Any], permanent: bool
) -> None:
    [found] = parse_events(
        body({"type": "receipt", "client_ref": "k", "status": "failed", "at": AT} | extra), channel="push"
    )

    assert isinstance(found, Receipt) and found.permanent is permanent and found.transport == "push"


def test_the_code_and_reason_are_joined() -> None:
    [found] = parse_events(
        body(
            {
                "type": "receipt",
                "provider_id": "P",
                "status": "failed",
                "code": "blacklisted",
                "reason": "黑名单",
                "at": AT,
            }
        ),
        channel="sms",
    )

    assert isinstance(found, Receipt) and found.reason == "blacklisted: 黑名单"


def test_a_reply_keeps_its_sender_and_text_in_order_with_receipts() -> None:
    found = parse_events(
        body(
            {"type": "reply", "provider_id": "MO1", "from": "+8613812345678", "text": "退订", "at": AT},
            {"type": "receipt", "provider_id": "P", "status": "expired", "at": AT},
        ),
        channel="sms",
    )

    assert found[0] == Reply(
        transport="http", channel="sms", sender="+8613812345678", text="退订", at=UTC_AT, provider_id="MO1"
    )
    assert isinstance(found[1], Receipt)


@pytest.mark.parametrize(
    ("raw", "where"),
    [
        (b"\xff\xfe", "not JSON"),
        (b'{"events": "x"}', "events"),
        (body({"type": "receipt", "status": "delivered", "at": AT}), "events.0"),
        (
            body({"type": "reply", "provider_id": "MO", "from": "1" * 41, "text": "x", "at": AT}),
            "events.0.from",
        ),
        (
            body({"type": "receipt", "provider_id": "P", "status": "delivered", "at": "yesterday"}),
            "events.0.at",
        ),
    ],
)
def test_a_refusal_names_the_field_without_repeating_the_value(raw: bytes, where: str) -> None:
    with pytest.raises(BadBody) as refused:
        parse_events(raw, channel="sms")

    assert refused.value.where.startswith(where)
    assert "1" * 41 not in refused.value.message_en and refused.value.message_zh


def test_the_push_webhook_takes_no_reply() -> None:
    with pytest.raises(BadBody):
        parse_events(
            body({"type": "reply", "provider_id": "MO", "from": "C-1", "text": "x", "at": AT}), channel="push"
        )
