"""The reasons stored in English for a message that did not go, said in Chinese on the pages; a
provider's own words stay as the provider said them."""

from __future__ import annotations

import pytest

from arrears.messaging.reason_text import reason_zh

SAID = [
    ("deadline passed before it could be sent", "发送截止时间已过，未能发出"),
    ("no usable contact point", "没有可用的联系方式"),
    ("the contact point is invalid", "联系方式已失效"),
    ("blocked by the rulebook", "被合规规则拦截"),
    ("refused by the provider", "被服务商拒绝"),
    ("gave up after 5 tries: HTTP 503", "尝试 5 次后放弃：HTTP 503"),
    ("gave up after 3 tries: no answer within 10.0 s", "尝试 3 次后放弃：10.0 秒内无应答"),
    ("deadline passed while retrying: transient failure", "重试期间已过发送截止时间：临时故障"),
    (
        "deadline passed while waiting: connection lost (ReadError)",
        "等待期间已过发送截止时间：连接中断（ReadError）",
    ),
    (
        "not allowed before 2026-12-06T08:00:00+08:00, after its deadline",
        "2026-12-06 08:00 UTC+8 之前不允许发送，已晚于发送截止时间",
    ),
    ("invalid_number: 空号", "invalid_number: 空号"),  # the provider's code and words
    ("unknown subscriber", "unknown subscriber"),
    ("", ""),
]


@pytest.mark.parametrize(("stored", "shown"), SAID)
def test_a_stored_reason_in_chinese(stored: str, shown: str) -> None:
    assert reason_zh(stored) == shown
