"""What an HTTP platform's answer means for each message; reading the transport URL; the messages sent."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import SecretStr

from arrears.messaging.transport import Outgoing, SendResult, TransportError
from arrears.messaging.transports.http_common import read_url, secret_key
from arrears.messaging.transports.http_contract import batch_key, result_of, results_of, verdict_of_status
from arrears.messaging.transports.http_sms import sms_message
from arrears.messaging.transports.push import push_message


class TestResults:
    def test_accepted_and_duplicate_are_sent_with_the_provider_id(self) -> None:
        answer = {"results": [{"client_ref": "b", "status": "duplicate", "provider_id": "P1"},
                              {"client_ref": "a", "status": "accepted", "provider_id": "P2"}]}  # fmt: skip

        assert results_of(["a", "b"], answer) == [
            SendResult(key="a", outcome="sent", provider_id="P2"),
            SendResult(key="b", outcome="sent", provider_id="P1"),
        ]

    @pytest.mark.parametrize("code", ["invalid_number", "blacklisted", "content_refused", "not_subscribed"])
    def test_a_permanent_code_fails_the_message_with_the_reason(self, code: str) -> None:
        found = result_of("a", {"client_ref": "a", "status": "rejected", "code": code, "reason": "空号"})

        assert (found.outcome, found.reason) == ("permanent", f"{code}: 空号")

    @pytest.mark.parametrize("code", ["throttled", "insufficient_balance", "busy", "something_new", None])
    def test_a_transient_or_unknown_code_is_retried(self, code: str | None) -> None:
        found = result_of("a", {"client_ref": "a", "status": "rejected", "code": code})

        assert found.outcome == "transient"

    @pytest.mark.parametrize(
        "item",
        [
            None,
            {"client_ref": "a", "status": "accepted"},
            {"client_ref": "a", "status": "accepted", "provider_id": ""},
            {"client_ref": "a", "status": "accepted", "provider_id": "x" * 121},
            {"client_ref": "a", "status": "queued", "provider_id": "P"},
        ],
    )
    def test_a_missing_or_unusable_result_is_transient(self, item: dict[str, Any] | None) -> None:
        assert result_of("a", item).outcome == "transient"

    @pytest.mark.parametrize("answer", [[], {"results": "x"}, {"nothing": []}, None])
    def test_an_answer_of_another_shape_makes_every_message_transient(self, answer: Any) -> None:
        assert {result.outcome for result in results_of(["a", "b"], answer)} == {"transient"}

    def test_a_result_for_a_message_not_sent_is_ignored(self) -> None:
        answer = {"results": [{"client_ref": "zz", "status": "accepted", "provider_id": "P9"}, "junk"]}

        assert results_of(["a"], answer)[0].outcome == "transient"

    def test_a_long_reason_is_cut(self) -> None:
        found = result_of("a", {"status": "rejected", "code": "blacklisted", "reason": "x" * 500})

        assert found.reason is not None and len(found.reason) == 200


class TestStatuses:
    @pytest.mark.parametrize(
        ("status", "verdict"),
        [(200, "results"), (401, "down"), (403, "down"), (404, "down"), (429, "transient"),
         (500, "transient"), (503, "transient"), (400, "transient"), (413, "transient")],
    )  # fmt: skip
    def test_the_http_status_decides_for_the_whole_batch(self, status: int, verdict: str) -> None:
        assert verdict_of_status(status) == verdict

    def test_the_batch_key_is_the_same_for_the_same_messages(self) -> None:
        assert batch_key(["a", "b"]) == batch_key(["a", "b"]) != batch_key(["b", "a"])
        assert len(batch_key(["a"])) == 64


class TestUrl:
    def test_own_parameters_are_read_and_not_passed_on(self) -> None:
        options = read_url("https://sms.example.cn/v1/?batch=500&timeout=2.5&app=bank01&region=sh")

        assert options.endpoint == "https://sms.example.cn/v1/messages?region=sh"
        assert (options.batch, options.timeout, options.app) == (500, 2.5, "bank01")

    def test_defaults(self) -> None:
        options = read_url("http://127.0.0.1:8080")

        assert (options.endpoint, options.batch, options.timeout, options.app) == (
            "http://127.0.0.1:8080/messages", 100, 10.0, None)  # fmt: skip

    @pytest.mark.parametrize(
        "url", ["https://h/?batch=0", "https://h/?batch=1001", "https://h/?batch=2.5", "https://h/?timeout=nan",
                "https://h/?batch=x", "smpp://h:2775", "https:///nohost"],
    )  # fmt: skip
    def test_a_bad_url_is_refused_without_its_password(self, url: str) -> None:
        with pytest.raises(TransportError) as refused:
            read_url(url.replace("//h", "//user:pw@h"))

        assert "pw" not in refused.value.message_en and refused.value.message_zh

    def test_a_missing_key_is_refused_naming_the_setting(self) -> None:
        with pytest.raises(TransportError, match="ARREARS_SMS_HMAC_KEY"):
            secret_key(None, setting="sms_hmac_key")
        with pytest.raises(TransportError):
            secret_key(SecretStr(""), setting="sms_hmac_key")

    @pytest.mark.parametrize("weak", ["~", "fifteen-bytes!!", "密钥五字"])  # 1, 15 and 12 bytes
    def test_a_key_under_16_bytes_is_refused_naming_the_setting_never_the_value(self, weak: str) -> None:
        with pytest.raises(TransportError, match="ARREARS_PUSH_HMAC_KEY") as refused:
            secret_key(SecretStr(weak), setting="push_hmac_key")

        assert "16" in refused.value.message_en and "16" in refused.value.message_zh
        assert weak not in refused.value.message_en + refused.value.message_zh
        assert "ARREARS_PUSH_HMAC_KEY" in refused.value.message_zh

    def test_a_key_of_16_bytes_is_accepted(self) -> None:
        assert secret_key(SecretStr("sixteen-bytes-ok"), setting="sms_hmac_key") == b"sixteen-bytes-ok"


class TestMessages:
    def test_an_sms_carries_the_key_as_client_ref(self) -> None:
        outgoing = Outgoing(message_id=1, key="run:1", channel="sms", recipient="13800138000", text="您好")

        assert sms_message(outgoing) == {"client_ref": "run:1", "to": "13800138000", "text": "您好",
                                         "kind": "collection"}  # fmt: skip

    def test_a_wechat_notice_names_the_template_and_fills_its_data(self) -> None:
        outgoing = Outgoing(
            message_id=1,
            key="k",
            channel="push",
            recipient="C-1",
            text="请还款",
            subject="提醒",
            target="wechat",
        )

        found = push_message(outgoing, wechat_template="TM01")

        assert found["template_id"] == "TM01" and found["customer"] == "C-1"
        assert found["data"] == {"title": {"value": "提醒"}, "content": {"value": "请还款"}}

    def test_an_app_notice_has_no_template(self) -> None:
        outgoing = Outgoing(message_id=1, key="k", channel="push", recipient="C-1", text="b", subject=None)

        found = push_message(outgoing, wechat_template="TM01")

        assert (found["target"], found["title"], found["template_id"], found["data"]) == (
            "app",
            "",
            None,
            None,
        )
