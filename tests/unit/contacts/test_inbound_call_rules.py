"""The pure rules of an inbound call: the identity checks, what the rulebook still asks, what may be
logged, and how a verified inbound call counts for the third-party rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from arrears.compliance import load_policy
from arrears.contacts.inbound import phone_forms
from arrears.contacts.inbound_rules import (
    INBOUND_CHANNEL,
    NOT_CHECKED,
    Claimed,
    InboundCall,
    OnFile,
    Verification,
    guidance,
    id_tail,
    refusal_to_log,
    verify,
)
from arrears.contacts.rules import PastContact, history, unreachable_since
from arrears.kit.inputs import InvalidField

RECORD = OnFile("欧阳娜娜", "44200019900307123X", date(1990, 3, 7))
CN, US = load_policy("cn"), load_policy("us")
T0 = datetime(2026, 11, 24, 2, tzinfo=UTC)


class TestVerify:
    def test_everything_right_passes(self) -> None:
        checked = verify(Claimed("欧阳 娜娜", "07123x".upper(), date(1990, 3, 7)), RECORD)
        assert checked == Verification("match", "match", "match") and checked.passed

    def test_four_characters_do_too_and_latin_names_ignore_case_and_dots(self) -> None:
        assert verify(Claimed("欧阳娜娜", "123X", date(1990, 3, 7)), RECORD).passed
        latin = OnFile("Li Wei-Ming", "110101199003071234", None)
        checked = verify(Claimed("li weiming", "1234"), latin)
        assert checked.birth_date == "not_on_file" and checked.passed

    @pytest.mark.parametrize(
        "claimed",
        [
            Claimed("欧阳娜", "07123X", date(1990, 3, 7)),
            Claimed("欧阳娜娜", "071234", date(1990, 3, 7)),
            Claimed("欧阳娜娜", "07123X", date(1990, 3, 8)),
            Claimed("欧阳娜娜", "07123X"),  # the date of birth not asked
            Claimed("", "07123X", date(1990, 3, 7)),
        ],
    )
    def test_one_wrong_or_missing_item_fails(self, claimed: Claimed) -> None:
        assert not verify(claimed, RECORD).passed

    def test_nothing_asked_is_not_checked(self) -> None:
        assert not verify(Claimed(), RECORD).checked and NOT_CHECKED.details()["verified"] is False

    @pytest.mark.parametrize("typed", ["12", "12345", "1234567", "12X4", "abcd", "١٢٣٤"])
    def test_an_id_tail_is_4_or_6_characters(self, typed: str) -> None:
        with pytest.raises(InvalidField):
            id_tail(typed)
        assert id_tail(" 07123x ") == id_tail("０７１２３ｘ") == "07123X" and id_tail("") == ""


class TestGuidance:
    def test_an_unverified_caller_is_told_nothing_of_the_debt(self) -> None:
        guide = guidance(CN, verified=False, holds=[])
        assert not guide.may_disclose and not guide.may_take_promise
        assert [notice.rule for notice in guide.notices] == ["CN-THIRD-PARTY"]
        assert guidance(CN, verified=True, holds=[]) == guidance(CN, verified=True, holds=["hardship"])

    def test_a_blocking_hold_stops_promises_but_not_the_call(self) -> None:
        guide = guidance(CN, verified=True, holds=["dispute"])
        assert guide.may_disclose and not guide.may_take_promise
        assert [notice.rule for notice in guide.notices] == ["CN-HOLD"] and "dispute" in guide.notices[0].en
        assert guidance(US, verified=True, holds=["complaint"]).may_take_promise  # not blocking there

    def test_logging_refuses_an_unverified_cardholder_and_a_promise_under_a_hold(self) -> None:
        promise = {"amount_fen": 100, "promised_date": date(2026, 11, 30)}
        call = InboundCall(party="debtor", outcome="promise", promise=promise)  # type: ignore[arg-type]
        passed = Verification("match", "match", "match")
        assert refusal_to_log(call, verification=passed, guide=guidance(CN, verified=True, holds=[])) is None
        refused = refusal_to_log(call, verification=NOT_CHECKED, guide=guidance(CN, verified=False, holds=[]))
        assert refused is not None and refused.field == "party"
        held = refusal_to_log(
            call, verification=passed, guide=guidance(CN, verified=True, holds=["litigation"])
        )
        assert held is not None and held.field == "outcome"


class TestTheCall:
    @pytest.mark.parametrize(
        "fields",
        [
            {"party": "third_party", "outcome": "right_party"},
            {"party": "debtor", "outcome": "third_party"},
            {"party": "debtor", "outcome": "promise"},
            {
                "party": "debtor",
                "outcome": "right_party",
                "promise": {"amount_fen": 1, "promised_date": "2026-12-01"},
            },
            {"party": "debtor", "outcome": "no_answer"},
            {"party": "nobody", "outcome": "right_party"},
            {"party": "debtor", "outcome": "right_party", "notes": "x" * 2001},
        ],
    )
    def test_fields_that_disagree_are_refused(self, fields: dict[str, object]) -> None:
        with pytest.raises(ValidationError):
            InboundCall.model_validate(fields)


class TestTheRulebooksHistory:
    def test_an_inbound_call_is_left_out_of_the_contacts_the_rules_count(self) -> None:
        contacts = [
            PastContact(T0, "call", 7, "debtor", False, False),
            PastContact(T0 + timedelta(hours=1), INBOUND_CHANNEL, 7, "debtor", True, True),
        ]
        assert [one["channel"] for one in history(contacts, phone_id=7)] == ["call"]

    def test_a_verified_inbound_call_reaches_the_debtor_an_unverified_one_does_not(self) -> None:
        failed = [
            PastContact(T0 + timedelta(days=day), "call", 7, "debtor", False, False) for day in range(3)
        ]
        assert unreachable_since(failed) == T0
        called_in = PastContact(T0 + timedelta(days=1, hours=1), INBOUND_CHANNEL, None, "debtor", True, True)
        assert unreachable_since([*failed, called_in]) == T0 + timedelta(days=2)
        stranger = PastContact(
            T0 + timedelta(days=1, hours=1), INBOUND_CHANNEL, None, "third_party", True, False
        )
        assert unreachable_since([*failed, stranger]) == T0


class TestPhoneForms:
    @pytest.mark.parametrize(
        ("typed", "has"),
        [
            ("138 1234 5678", "13812345678"),
            ("+86 138-1234-5678", "13812345678"),
            ("8613812345678", "13812345678"),
            ("0760-88123456", "076088123456"),
            ("(0760) 88123456", "0760-88123456".replace("-", "")),
        ],
    )
    def test_a_number_is_looked_up_as_typed_and_as_its_digits(self, typed: str, has: str) -> None:
        forms = phone_forms(typed)
        assert has in forms and typed in forms

    @pytest.mark.parametrize(
        "typed", ["A000123456", "1234", "07123X", "44200019900307123X", "1" * 16, "١٢٣٤٥٦٧٨"]
    )
    def test_what_cannot_be_a_phone_number_is_not_looked_up_among_the_phones(self, typed: str) -> None:
        assert phone_forms(typed) == []
