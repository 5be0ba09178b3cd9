"""The portal's plan offers as pure rules: the stricter of the strategy's offers and the self-service
authority, the terms a choice makes, promises, callback windows, preferences; the strategy schema's
``self_service`` field and its errors."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest

from arrears.arrangements import rules
from arrears.arrangements.rules import Balances
from arrears.kit.errors import ConfigurationError
from arrears.portal.offer_rules import (
    FIRST_DUE_DAYS,
    BeyondOffer,
    Choice,
    callback_windows,
    check_preference,
    check_promise,
    offer_of,
    plan_for,
    terms_for,
    waiver,
)
from arrears.strategy.load import load_strategy, parse_strategy
from arrears.strategy.schema import SelfService

TODAY = date(2026, 11, 24)
OWES = Balances(principal_fen=10_000_00, interest_fen=1_200_00, fee_fen=300_00)


def offer(**given: object) -> object:
    return offer_of("m2", SelfService.model_validate({"max_instalments": 6, **given}))


class TestTheOffer:
    def test_the_stricter_of_strategy_and_authority(self) -> None:
        wide = offer_of(
            "m2", SelfService(max_instalments=24, max_waiver_share=Decimal("0.5"), deferral_days=90)
        )
        assert wide.max_instalments == rules.SELF_SERVICE.max_months == 10
        assert wide.waiver_bp == rules.SELF_SERVICE.max_waived_share_bp == 2_000
        assert wide.deferral_days == rules.SELF_SERVICE.max_deferral_days == 20
        narrow = offer_of(
            "x", SelfService(max_instalments=3, max_waiver_share=Decimal("0.1"), deferral_days=5)
        )
        assert (narrow.max_instalments, narrow.waiver_bp, narrow.deferral_days) == (3, 1_000, 5)
        assert narrow.months == [2, 3]

    def test_self_service_is_below_a_collector(self) -> None:
        mine, collector = rules.SELF_SERVICE, rules.AUTHORITY["collector"]
        assert mine.max_waived_fen < collector.max_waived_fen
        assert mine.max_waived_share_bp < collector.max_waived_share_bp
        assert mine.max_months < collector.max_months
        assert mine.max_deferral_days < collector.max_deferral_days
        assert rules.AUTHORITY["self_service"] is mine and mine not in rules.AUTHORITIES

    def test_the_waiver_is_shared_by_interest_and_fees_and_capped_by_amount(self) -> None:
        shared = offer_of("m2", SelfService(max_instalments=6, max_waiver_share=Decimal("0.2")))
        assert waiver(shared, OWES) == (240_00, 60_00)  # 20% of 1,500 yuan, in proportion
        assert waiver(shared, OWES, other_waived_fen=900_00) == (80_00, 20_00)  # 1,000 yuan in all
        assert waiver(shared, OWES, other_waived_fen=2_000_00) == (0, 0)
        assert waiver(offer(), OWES) == (0, 0)


class TestChoices:
    def test_an_instalment_plan_with_a_down_payment(self) -> None:
        given = offer_of(
            "m2",
            SelfService(
                max_instalments=6, max_waiver_share=Decimal("0.1"), min_down_payment_share=Decimal("0.1")
            ),
        )
        plan = plan_for(given, OWES, Choice("instalment", months=4), today=TODAY)
        assert plan.waived_fen == 150_00 and plan.total_fen == 11_350_00
        down = plan.instalments[0]
        assert (
            down.down_payment and down.amount_fen == 1_135_00 and down.due_date == TODAY + timedelta(days=1)
        )
        assert [one.number for one in plan.instalments] == [1, 2, 3, 4, 5]
        assert plan.instalments[1].due_date == TODAY + timedelta(days=FIRST_DUE_DAYS)
        assert sum(one.amount_fen for one in plan.instalments) == plan.total_fen

    def test_the_same_terms_make_the_same_schedule_as_the_staff_calculator(self) -> None:
        given = offer()
        terms = terms_for(given, OWES, Choice("instalment", months=3), today=TODAY)
        assert plan_for(given, OWES, Choice("instalment", months=3), today=TODAY) == rules.schedule(
            balances=OWES, terms=terms, agreed_on=TODAY
        )

    def test_a_deferral(self) -> None:
        plan = plan_for(offer(deferral_days=15), OWES, Choice("deferral", days=10), today=TODAY)
        assert plan.kind == "deferral" and plan.instalments[0].due_date == TODAY + timedelta(days=10)

    @pytest.mark.parametrize(
        ("choice", "said"),
        [
            (Choice("instalment", months=7), "2 to 6 instalments, not 7"),
            (Choice("instalment", months=1), "not 1"),
            (Choice("deferral", days=5), "no deferral is offered"),
            (Choice("holiday"), "no such offer"),  # type: ignore[arg-type]
        ],
    )
    def test_beyond_the_offer_is_refused(self, choice: Choice, said: str) -> None:
        with pytest.raises(BeyondOffer) as refused:
            plan_for(offer(), OWES, choice, today=TODAY)
        assert said in refused.value.message_en and refused.value.message_zh

    def test_no_instalments_offered(self) -> None:
        with pytest.raises(BeyondOffer, match="no instalment plan"):
            plan_for(
                offer_of("x", SelfService(promise_days=3)), OWES, Choice("instalment", months=2), today=TODAY
            )


class TestPromises:
    def test_within_the_days(self) -> None:
        check_promise(
            promised=TODAY + timedelta(days=5),
            amount_fen=100_00,
            owed_fen=OWES.owed_fen,
            today=TODAY,
            max_days=5,
        )

    @pytest.mark.parametrize(
        ("promised", "amount", "days", "said"),
        [
            (TODAY + timedelta(days=6), 100_00, 5, "within 5 days, by 2026-11-29"),
            (TODAY - timedelta(days=1), 100_00, 5, "in the past"),
            (TODAY, 0, 5, "more than 0"),
            (TODAY, OWES.owed_fen + 1, 5, "more than what is owed"),
            (TODAY, 100_00, 0, "no promise to pay is offered"),
        ],
    )
    def test_refused_with_the_reason(self, promised: date, amount: int, days: int, said: str) -> None:
        with pytest.raises(BeyondOffer) as refused:
            check_promise(
                promised=promised, amount_fen=amount, owed_fen=OWES.owed_fen, today=TODAY, max_days=days
            )
        assert said in refused.value.message_en


class TestCallbacksAndPreferences:
    def test_windows_within_the_allowed_hours(self) -> None:
        found = callback_windows(time(8), time(22))
        assert found[0] == (time(8), time(10)) and found[-1] == (time(20), time(22)) and len(found) == 7
        assert callback_windows(time(8, 30), time(21))[-1] == (time(19), time(21))
        assert callback_windows(time(9), time(12)) == [(time(9), time(11)), (time(11), time(12))]

    def test_preferences(self) -> None:
        allowed = (time(8), time(22))
        check_preference(hours_from=time(9), hours_to=time(18), channels=["call", "sms"], allowed=allowed)
        check_preference(hours_from=None, hours_to=None, channels=[], allowed=allowed)
        for hours, said in (
            ((time(7), time(9)), "only from 08:00-22:00"),
            ((time(9), time(9)), "start before"),
            ((time(9), None), "both hours"),
        ):
            with pytest.raises(BeyondOffer, match=said):
                check_preference(hours_from=hours[0], hours_to=hours[1], channels=[], allowed=allowed)
        with pytest.raises(BeyondOffer, match="unknown channel fax"):
            check_preference(hours_from=None, hours_to=None, channels=["fax"], allowed=allowed)


class TestTheSchema:
    def test_the_default_strategy_offers_to_m1_to_m3(self) -> None:
        segments = {one.id: one.self_service for one in load_strategy("default").strategy.segments}
        assert all(segments[one] is not None for one in ("early", "late_m1", "m2", "m3_small"))
        assert segments["grace"] is None and segments["on_hold"] is None
        assert segments["m2"] == SelfService(
            max_instalments=12,
            max_waiver_share=Decimal("0.2"),
            min_down_payment_share=Decimal("0.1"),
            deferral_days=30,
            promise_days=5,
        )

    @pytest.mark.parametrize(
        ("offers", "said"),
        [
            ("{max_instalments: 6, max_waiver_share: 1.5}", "segments.3.self_service.max_waiver_share"),
            (
                "{max_instalments: 6, min_down_payment_share: -0.1}",
                "segments.3.self_service.min_down_payment_share",
            ),
            ("{max_instalments: 6, deferral_days: 200}", "segments.3.self_service.deferral_days"),
            ("{max_instalments: 6, promise_days: 90}", "segments.3.self_service.promise_days"),
            ("{max_instalments: 1}", "segments.3.self_service: Value error, max_instalments"),
            ("{max_waiver_share: 0.1}", "self_service offers nothing"),
            ("{max_instalments: 6, instalments: 3}", "segments.3.self_service.instalments: Extra inputs"),
        ],
    )
    def test_errors_name_the_field(self, offers: str, said: str) -> None:
        text = load_strategy("default").text
        lines = text.splitlines()
        at = next(k for k, line in enumerate(lines) if line.strip() == "- id: late_m1")
        body = "\n".join([*lines[: at + 1], f"    self_service: {offers}", *lines[at + 1 :]])
        body = body.replace(
            "    self_service: {max_instalments: 6, max_waiver_share: 0.1, min_down_payment_share: 0.05, "
            "deferral_days: 30,\n                   promise_days: 7}\n",
            "",
        )
        with pytest.raises(ConfigurationError) as refused:
            parse_strategy(body, "plan.yaml")
        assert refused.value.message_en.startswith(f"plan.yaml: line {at + 2}, ")  # the offers' line
        assert said in refused.value.message_en
