"""Debt sale rules, pure: who may join a pool (the rulebook's entry point and the pool's rules), the
expected recovery to the fen, a pool's summary, a sale's terms and refusals, the buyer's file rows."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.debtsale import rules
from arrears.debtsale.rules import Basis, Facts, Terms
from arrears.kit.inputs import InvalidField

AS_OF = date(2026, 6, 30)


def terms(**changed: object) -> Terms:
    values: dict[str, object] = {
        "buyer_name": "华融资产管理股份有限公司", "buyer_licence": "91110000710924945A",
        "buyer_contact": "400-600-0000，北京市西城区金融大街8号",
        "buyer_pay_to": "华融资产 工商银行 0200 0000 0000",
        "buyer_collects_itself": True, "price_fen": 1_000_000, "sold_on": date(2026, 7, 15),
    }  # fmt: skip
    return Terms(**(values | changed))  # type: ignore[arg-type]


def test_only_loss_class_accounts_over_180_days_join() -> None:
    assert rules.exclusion(Facts(181, "loss"))[0] is None
    code, verdict = rules.exclusion(Facts(180, "loss"))
    assert code == "not_eligible" and "not over 180" in verdict.reasons_en[0]
    code, verdict = rules.exclusion(Facts(400, "doubtful"))
    assert code == "not_eligible" and "only loss-class" in verdict.reasons_en[0]


def test_the_pools_own_rules() -> None:
    assert rules.exclusion(Facts(400, "loss", sold=True))[0] == "sold"  # a resale: the entry point too
    assert not rules.exclusion(Facts(400, "loss", sold=True))[1].allowed
    assert rules.exclusion(Facts(400, "loss", open_legal_case=True))[0] == "legal_case"
    for kind in rules.BLOCKING_HOLDS:
        assert rules.exclusion(Facts(400, "loss", holds=(kind,)))[0] == "hold"
    assert rules.exclusion(Facts(400, "loss", holds=("hardship", "cease_contact")))[0] is None
    assert rules.exclusion(Facts(400, "loss"), buyer_collects_itself=False)[0] == "not_eligible"


def test_min_dpd_is_the_entry_points_age_at_least() -> None:
    assert rules.check_min_dpd(181) == 181 and rules.check_min_dpd(365) == 365
    for wrong in (180, 0, -5, 36_501):
        with pytest.raises(InvalidField, match="min_dpd"):
            rules.check_min_dpd(wrong)


def test_expected_recovery_to_the_fen() -> None:
    # 30% x (1/2 x 0.4 + 1/2 x 6/12) x 1 = 13.5% of 1,000.00 yuan
    assert rules.expected_recovery(Basis(100_000, 200, 4_000, 6)) == 13_500
    # two years past due: the rate halves (360 / 720)
    assert rules.expected_recovery(Basis(100_000, 720, 4_000, 6)) == 6_750
    # unscored, never paid: nothing expected; a credit balance: nothing
    assert rules.expected_recovery(Basis(100_000, 200, None, 0)) == 0
    assert rules.expected_recovery(Basis(-500, 200, 10_000, 12)) == 0
    # rounded down: 30% x 1/2 x 1/12 of 1 yuan is 1.25 fen
    assert rules.expected_recovery(Basis(100, 181, None, 1)) == 1
    assert rules.p_pay_bp(0.25) == 7_500 and rules.p_pay_bp(None) is None and rules.p_pay_bp(1.5) == 0


@given(
    balance=st.integers(min_value=0, max_value=10**12),
    dpd=st.integers(min_value=181, max_value=36_500),
    bp=st.one_of(st.none(), st.integers(min_value=0, max_value=10_000)),
    months=st.integers(min_value=0, max_value=12),
)
def test_expected_recovery_is_never_above_the_ceiling(
    balance: int, dpd: int, bp: int | None, months: int
) -> None:
    found = rules.expected_recovery(Basis(balance, dpd, bp, months))
    assert 0 <= found <= balance * rules.CEILING
    assert found == int(balance * rules.recovery_rate(Basis(balance, dpd, bp, months)))
    assert rules.recovery_rate(Basis(balance, dpd, bp, months)) <= Fraction(3, 10)


def test_months_paid_counts_the_twelve_calendar_months_to_the_as_of_date() -> None:
    paid = [
        (date(2025, 6, 30), 900),  # the 13th month back: not counted
        (date(2025, 7, 1), 100), (date(2025, 7, 20), 100),  # one month
        (date(2026, 1, 5), 500), (date(2026, 1, 9), -500),  # reversed: nothing that month
        (date(2026, 6, 30), 300),  # the as-of day itself
        (date(2026, 7, 1), 999),  # after: not seen
    ]  # fmt: skip
    assert rules.months_paid(paid, as_of=AS_OF) == (2, 500, date(2026, 6, 30))
    assert rules.months_paid([], as_of=AS_OF) == (0, 0, None)


def test_a_pools_summary() -> None:
    rows = [
        {"dpd": 200, "bucket": "M7+", "balance_fen": 300_000, "overdue_fen": 100_000,
         "expected_fen": 10_000},
        {"dpd": 400, "bucket": "M7+", "balance_fen": 3_000_000, "overdue_fen": 900_000,
         "expected_fen": 50_000},
        {"dpd": 900, "bucket": "M7+", "balance_fen": 9_000_000, "overdue_fen": 9_000_000,
         "expected_fen": 0},
    ]  # fmt: skip
    found = rules.summary(rows)
    assert (found.accounts, found.balance_fen, found.overdue_fen, found.expected_fen) == (
        3, 12_300_000, 10_000_000, 60_000
    )  # fmt: skip
    assert [(b.low, b.accounts) for b in found.ages] == [(181, 1), (271, 0), (361, 1), (541, 0), (721, 1)]
    assert [b.accounts for b in found.balances] == [1, 0, 1, 1]
    assert sum(b.balance_fen for b in found.ages) == found.balance_fen
    assert found.buckets == {"M7+": 3} and found.expected_rate_bp == 48  # 60,000 / 12,300,000
    assert rules.summary([]).expected_rate_bp == 0


def test_sale_terms_checked() -> None:
    ok = rules.check_terms(
        terms(buyer_name="  买方  "), as_of=AS_OF, balance_fen=5_000_000, today=date(2026, 8, 1)
    )
    assert ok.buyer_name == "买方" and ok.price_fen == 1_000_000 and ok.note is None


@pytest.mark.parametrize(
    ("changed", "field"),
    [
        ({"price_fen": 0}, "price"),
        ({"price_fen": -1}, "price"),
        ({"price_fen": 5_000_001}, "price"),  # above the pool's balance: absurd
        ({"sold_on": date(1, 1, 1)}, "sold_on"),
        ({"sold_on": date(9999, 12, 31)}, "sold_on"),
        ({"sold_on": date(2026, 6, 29)}, "sold_on"),  # before the pool's as-of date
        ({"sold_on": date(2026, 8, 2)}, "sold_on"),  # after today
        ({"buyer_name": "  "}, "buyer_name"),
        ({"buyer_licence": "x" * 101}, "buyer_licence"),
        ({"buyer_pay_to": "a\x00b"}, "buyer_pay_to"),
        ({"buyer_collects_itself": False}, "buyer_collects_itself"),
        ({"note": "n" * 2_001}, "note"),
    ],
)
def test_sale_terms_refused(changed: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidField) as refused:
        rules.check_terms(terms(**changed), as_of=AS_OF, balance_fen=5_000_000, today=date(2026, 8, 1))
    assert refused.value.field == field


def test_a_pool_too_old_is_drawn_again() -> None:
    with pytest.raises(InvalidField, match="sold_on"):
        rules.check_terms(terms(sold_on=date(2026, 9, 29)), as_of=AS_OF, balance_fen=5_000_000,
                          today=date(2026, 12, 1))  # fmt: skip
    assert rules.check_terms(terms(sold_on=date(2026, 9, 28)), as_of=AS_OF, balance_fen=5_000_000,
                             today=date(2026, 12, 1)).sold_on == date(2026, 9, 28)  # fmt: skip


def test_prices_in_yuan() -> None:
    assert rules.parse_price("1234.5") == 123_450 and rules.parse_price(" 0.01 ") == 1
    assert rules.parse_price("9999999999999.99") == 999_999_999_999_999
    for wrong in ("", "-1", "1e9", "1,000", "1.234", "99999999999999"):
        with pytest.raises(InvalidField, match="price"):
            rules.parse_price(wrong)


def test_four_eyes() -> None:
    rules.check_decider(proposed_by_id=1, decided_by_id=2)
    with pytest.raises(rules.SaleRefused, match="another"):
        rules.check_decider(proposed_by_id=3, decided_by_id=3)


def test_refused_accounts_are_named() -> None:
    found = rules.refused_accounts([(f"62{n:04}", "legal_case") for n in range(12)])
    assert "12 accounts" in found.message_en and "620000 (an open legal case)" in found.message_en
    assert "and 2 more" in found.message_en


def test_the_buyers_file_row() -> None:
    row = {
        "account_no": "6222000011112222", "product": "gold", "currency": "CNY", "open_date": date(2019, 1, 2),
        "credit_limit_fen": 5_000_000, "customer_no": "C1", "name": "=HYPERLINK(1)",
        "national_id": "110101199001011234",
        "birth_date": None, "employer": "-某公司", "cutoff_date": AS_OF, "dpd_at_cutoff": 400,
        "oldest_unpaid_due_date": date(2025, 5, 25), "balance_at_cutoff_fen": 1_234_567,
        "overdue_at_cutoff_fen": 1_000_000, "principal_fen": 1_100_000, "interest_fen": 100_000,
        "fee_fen": 34_567,
        "paid_since_cutoff_fen": 0, "last_payment_date": None, "last_payment_fen": None,
    }  # fmt: skip
    cells = rules.file_row(7, row, {"mobile": ["13800000000", "13900000000"], "home_address": ["上海市"]})
    found = dict(zip(rules.FILE_COLUMNS, cells, strict=True))
    assert found["sale_id"] == "7" and found["name"] == "'=HYPERLINK(1)" and found["employer"] == "'-某公司"
    assert (
        found["mobile"] == "13800000000; 13900000000" and found["email"] == "" and found["birth_date"] == ""
    )
    assert found["cutoff_date"] == "2026-06-30" and found["balance_at_cutoff_fen"] == "1234567"
    assert found["last_payment_fen"] == ""
