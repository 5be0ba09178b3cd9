"""The HTTP SMS and push transports against a real local platform (tests/support/local_sms_platform.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_sms_platform import LocalHttpPlatform
from pydantic import SecretStr

from arrears.config import Settings
from arrears.messaging.transport import Outgoing, TransportDown, TransportError
from arrears.messaging.transports.http_sms import HttpSmsTransport
from arrears.messaging.transports.push import PushTransport

KEY = "platform-secret-0123456789"
SETTINGS = Settings(sms_hmac_key=SecretStr(KEY), push_hmac_key=SecretStr(KEY))


def sms(n: int, *, prefix: str = "k") -> list[Outgoing]:
    return [Outgoing(message_id=i, key=f"{prefix}{i}", channel="sms", recipient=f"1380013{i:04d}",
                     text=f"第{i}条 提醒") for i in range(n)]  # fmt: skip


@pytest.fixture
def platform() -> Iterator[LocalHttpPlatform]:
    with LocalHttpPlatform(key=KEY) as running:
        yield running


def transport(platform: LocalHttpPlatform, query: str = "") -> HttpSmsTransport:
    return HttpSmsTransport.from_url(platform.url + query, settings=SETTINGS)


def test_a_batch_goes_in_requests_of_the_configured_size_over_one_connection(
    platform: LocalHttpPlatform,
) -> None:
    sender = transport(platform, "?batch=100")

    results = sender.send(sms(250))
    sender.close()

    assert [result.key for result in results] == [f"k{i}" for i in range(250)]
    assert {result.outcome for result in results} == {"sent"}
    assert [result.provider_id for result in results] == [platform.provider_id(f"k{i}") for i in range(250)]
    assert (platform.requests, platform.accepted, platform.connections_opened) == (3, 250, 1)
    assert platform.sent[7].message == {"client_ref": "k7", "to": "13800130007", "text": "第7条 提醒",
                                        "kind": "collection"}  # fmt: skip
    assert len(set(platform.idempotency_keys)) == 3


def test_a_resend_after_a_crash_is_answered_with_the_first_provider_id(platform: LocalHttpPlatform) -> None:
    first = transport(platform).send(sms(5))

    again = transport(platform).send(sms(5))  # a new dispatcher sends the same messages again

    assert [result.provider_id for result in again] == [result.provider_id for result in first]
    assert {result.outcome for result in again} == {"sent"}
    assert (platform.accepted, platform.duplicates) == (5, 5)


def test_a_message_that_timed_out_is_sent_once_when_tried_again(platform: LocalHttpPlatform) -> None:
    platform.delay = 0.5
    timed_out = transport(platform, "?timeout=0.2").send(sms(2))
    platform.delay = 0

    again = transport(platform).send(sms(2))

    assert {result.outcome for result in timed_out} == {"transient"}
    assert "no answer within 0.2 s" in (timed_out[0].reason or "")
    assert [result.provider_id for result in again] == [
        platform.provider_id("k0"),
        platform.provider_id("k1"),
    ]
    assert platform.accepted == 2


def test_a_rejected_number_fails_for_good_and_the_others_are_sent(platform: LocalHttpPlatform) -> None:
    platform.reject("13800130001", "invalid_number", "空号")
    platform.reject("13800130002", "throttled", "流控")

    results = transport(platform).send(sms(3))

    assert [(result.outcome, result.reason) for result in results] == [
        ("sent", None), ("permanent", "invalid_number: 空号"), ("transient", "throttled: 流控")]  # fmt: skip


@pytest.mark.parametrize("status", [500, 502, 503, 429, 400])
def test_a_throttle_or_a_server_error_makes_the_whole_batch_transient(
    platform: LocalHttpPlatform, status: int
) -> None:
    platform.fail_next(status)
    sender = transport(platform)

    failed = sender.send(sms(3))
    retried = sender.send(sms(3))

    assert [(result.outcome, result.reason) for result in failed] == [("transient", f"HTTP {status}")] * 3
    assert {result.outcome for result in retried} == {"sent"}


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_refused_signature_or_a_wrong_url_is_a_transport_down(
    platform: LocalHttpPlatform, status: int
) -> None:
    platform.fail_next(status)

    with pytest.raises(TransportDown, match=f"HTTP {status}"):
        transport(platform).send(sms(3))


def test_a_wrong_key_is_refused_by_the_platform_and_nothing_is_sent(platform: LocalHttpPlatform) -> None:
    sender = HttpSmsTransport.from_url(
        platform.url, settings=Settings(sms_hmac_key=SecretStr("not-the-key-16bytes"))
    )

    with pytest.raises(TransportDown) as down:
        sender.send(sms(2))

    assert "not-the-key" not in down.value.message_en
    assert (platform.accepted, platform.refused_signatures) == (0, 1)


def test_a_platform_that_is_down_raises_and_one_that_came_back_takes_the_messages(
    platform: LocalHttpPlatform,
) -> None:
    sender = transport(platform)
    sender.send(sms(1))  # a pooled keep-alive connection
    platform.go_down()

    with pytest.raises(TransportDown, match="cannot connect"):
        sender.send(sms(3))
    platform.come_up()
    results = sender.send(sms(3))

    assert [result.outcome for result in results] == ["sent"] * 3
    assert platform.accepted == 3


def test_a_later_request_refused_leaves_its_messages_transient_and_the_first_ones_sent(
    platform: LocalHttpPlatform,
) -> None:
    platform.fail_next(401, after=1)

    results = transport(platform, "?batch=2").send(sms(4))

    assert [result.outcome for result in results] == ["sent", "sent", "transient", "transient"]
    assert "HTTP 401" in (results[2].reason or "")


def test_push_sends_app_and_wechat_notices() -> None:
    with LocalHttpPlatform(key=KEY, kind="push") as platform:
        platform.reject("C-3", "unknown_customer", "未绑定")
        sender = PushTransport.from_url(platform.url + "?wechat_template=OPENTM001", settings=SETTINGS)
        batch = [
            Outgoing(message_id=1, key="p1", channel="push", recipient="C-1", text="请还款", subject="提醒",
                     target="app"),
            Outgoing(message_id=2, key="p2", channel="push", recipient="C-2", text="请还款", subject="提醒",
                     target="wechat"),
            Outgoing(message_id=3, key="p3", channel="push", recipient="C-3", text="x", target="app"),
        ]  # fmt: skip

        results = sender.send(batch)
        sender.close()

    assert [result.outcome for result in results] == ["sent", "sent", "permanent"]
    wechat = platform.sent[1].message
    assert (wechat["customer"], wechat["target"], wechat["template_id"]) == ("C-2", "wechat", "OPENTM001")
    assert wechat["data"]["content"] == {"value": "请还款"}


def test_the_transports_need_their_key() -> None:
    with pytest.raises(TransportError, match="ARREARS_PUSH_HMAC_KEY"):
        PushTransport.from_url("https://notice.example.cn", settings=Settings(sms_hmac_key=SecretStr(KEY)))
