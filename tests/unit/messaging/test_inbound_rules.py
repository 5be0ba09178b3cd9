"""The pure inbound rules: opt-out keywords, the sender's number or address, status precedence."""

from __future__ import annotations

import pytest

from arrears.messaging.inbound_rules import (
    is_opt_out,
    moves_forward,
    normalise_email,
    normalise_mobile,
    parse_keywords,
    reaches_limit,
    rules_of,
    sender_candidates,
)

RULES = rules_of(keywords="退订,TD,T,STOP,N", invalid_after=3)


class TestOptOutKeywords:
    @pytest.mark.parametrize(
        "reply", ["退订", " td ", "Td", "t", "STOP", "stop\n", "ＳＴＯＰ", "ｔｄ", "n", "\u3000退订\u3000"]
    )
    def test_the_whole_reply_trimmed_in_any_case_or_width_opts_out(self, reply: str) -> None:
        assert is_opt_out(reply, rules=RULES)

    @pytest.mark.parametrize("reply", ["TD please", "请退订", "退订吧", "no", "STOPP", "", "好的"])
    def test_a_reply_that_only_contains_a_keyword_does_not(self, reply: str) -> None:
        assert not is_opt_out(reply, rules=RULES)

    def test_the_setting_takes_full_width_commas_and_blanks(self) -> None:
        assert parse_keywords(" 退订，ＴＤ , ,Unsubscribe") == frozenset({"退订", "td", "unsubscribe"})


class TestSender:
    @pytest.mark.parametrize(
        "sender", ["13812345678", "+8613812345678", "8613812345678", "008613812345678", "+86 138 1234 5678",
                   "138-1234-5678", "１３８１２３４５６７８"],
    )  # fmt: skip
    def test_a_mobile_is_read_as_its_eleven_digits(self, sender: str) -> None:
        assert normalise_mobile(sender) == "13812345678"

    @pytest.mark.parametrize(
        "sender", ["23812345678", "1381234567", "+1 415 555 0100", "abc", "", "861381234567"]
    )
    def test_what_is_not_a_mainland_mobile_is_none(self, sender: str) -> None:
        assert normalise_mobile(sender) is None

    def test_an_email_sender_gives_its_address_as_given_and_lower_case(self) -> None:
        assert sender_candidates("李四 <Li.Si@Example.com>", channel="email") == (
            "Li.Si@Example.com",
            "li.si@example.com",
        )
        assert normalise_email("not an address") is None
        assert sender_candidates("+86 138 1234 5678", channel="sms") == ("13812345678",)
        assert sender_candidates("hello", channel="sms") == ()


class TestStatusPrecedence:
    @pytest.mark.parametrize(
        ("current", "new"),
        [("sent", "delivered"), ("sending", "failed"), ("queued", "sent"), ("sent", "expired")],
    )
    def test_a_message_moves_forward(self, current: str, new: str) -> None:
        assert moves_forward(current, new)

    @pytest.mark.parametrize(
        ("current", "new"),
        [("delivered", "sent"), ("delivered", "failed"), ("failed", "delivered"), ("cancelled", "delivered"),
         ("sent", "sent"), ("sent", "unknown"), ("expired", "delivered"), ("mystery", "delivered")],
    )  # fmt: skip
    def test_never_backwards_nor_from_an_end(self, current: str, new: str) -> None:
        assert not moves_forward(current, new)

    def test_the_limit_of_failures(self) -> None:
        assert not reaches_limit(failed_sends=2, invalid_after=3)
        assert reaches_limit(failed_sends=3, invalid_after=3)
        assert rules_of(keywords="", invalid_after=0).invalid_after == 1
