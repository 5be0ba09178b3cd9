"""Scoring features: ``feature_frame`` on hand-made accounts, checked against numbers worked out by hand."""

from __future__ import annotations

import re

import polars as pl
import pytest

from arrears.scoring.features import (
    ABILITY,
    BY_NAME,
    CATALOGUE,
    DEFAULT_FEATURES,
    HUB,
    HUB_REASON,
    INPUT_COLUMNS,
    PROTECTED,
    RATIO_CAP,
    WILLINGNESS,
    WITH_PROTECTED,
    Feature,
    feature_frame,
)

CJK = re.compile(r"[\u4e00-\u9fff]")

STATUS = ("PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6")


def _account(
    account_id: str,
    *,
    limit: float,
    status: tuple[int, ...],
    bills: tuple[float, ...],
    paid: tuple[float, ...],
    age: float = 35,
    education: float = 2,
    sex: float = 2,
    marriage: float = 1,
) -> dict[str, object]:
    row: dict[str, object] = {
        "ID": account_id,
        "LIMIT_BAL": limit,
        "AGE": age,
        "EDUCATION": education,
        "SEX": sex,
        "MARRIAGE": marriage,
    }
    row |= {column: float(value) for column, value in zip(STATUS, status, strict=True)}
    row |= {f"BILL_AMT{j}": float(value) for j, value in enumerate(bills, start=1)}
    row |= {f"PAY_AMT{j}": float(value) for j, value in enumerate(paid, start=1)}
    return row


# a1: late in the latest two months, one month paid in full, one month without use.
# b2: never late; payments far above the bills (ratios hit the cap), a zero bill (denominator floor 1).
# c3: late three and five months ago, a credit balance in the latest month.
ACCOUNTS = [
    _account(
        "a1",
        limit=10_000,
        status=(2, 1, 0, -1, -2, 0),
        bills=(5_000, 4_000, 3_000, 2_000, 1_000, 0),
        paid=(0, 500, 1_000, 0, 200, 300),
        age=30,
        education=1,
        sex=1,
        marriage=2,
    ),
    _account(
        "b2",
        limit=20_000,
        status=(-1, -1, 0, 0, -2, -2),
        bills=(1_000, 100, 0, 50, 0, 0),
        paid=(2_000, 3, 30, 0, 0, 0),
        age=52,
        education=3,
    ),
    _account(
        "c3",
        limit=1_000,
        status=(0, 0, 0, 3, 0, 1),
        bills=(-200, 300, 600, 700, 800, 900),
        paid=(300, 0, 100, 100, 100, 100),
    ),
]

# Every feature of every account, worked out by hand from the rows above.
EXPECTED: dict[str, tuple[float, float, float]] = {
    "status_1": (2, -1, 0),
    "status_2": (1, -1, 0),
    # statuses >= 1
    "months_late": (2, 0, 2),
    # largest status, never below 0
    "max_months_late": (2, 0, 3),
    # index of the latest late month (PAY_0 = 0, PAY_2 = 1, ...); 6 when never late
    "months_since_late": (0, 6, 3),
    # PAY_AMT1 / max(BILL_AMT2, 1), capped at 10
    "pay_ratio_1": (0 / 4_000, RATIO_CAP, 300 / 300),  # b2: 2000 / 100 = 20 -> 10
    # PAY_AMT2 / max(BILL_AMT3, 1)
    "pay_ratio_2": (500 / 3_000, 3 / 1, 0 / 600),  # b2: bill 0 -> denominator 1
    # (PAY_AMT1..5) / (BILL_AMT2..6), capped
    "pay_ratio_6m": (
        (0 + 500 + 1_000 + 0 + 200) / (4_000 + 3_000 + 2_000 + 1_000 + 0),
        RATIO_CAP,  # 2033 / 150 = 13.55 -> 10
        (300 + 0 + 100 + 100 + 100) / (300 + 600 + 700 + 800 + 900),
    ),
    # PAY_AMT == 0
    "months_without_payment": (2, 3, 1),
    # status == -1
    "months_paid_in_full": (1, 2, 0),
    # status == -2
    "months_without_use": (1, 2, 0),
    # (PAY_AMT1 + 2 + 3 - PAY_AMT4 - 5 - 6) / limit
    "payment_trend": (
        (0 + 500 + 1_000 - 0 - 200 - 300) / 10_000,
        (2_000 + 3 + 30 - 0 - 0 - 0) / 20_000,
        (300 + 0 + 100 - 100 - 100 - 100) / 1_000,
    ),
    "last_payment": (0, 2_000, 300),
    "credit_limit": (10_000, 20_000, 1_000),
    # BILL_AMT1 / limit
    "utilisation": (5_000 / 10_000, 1_000 / 20_000, -200 / 1_000),
    "utilisation_max": (5_000 / 10_000, 1_000 / 20_000, 900 / 1_000),
    "utilisation_mean": (
        (5_000 + 4_000 + 3_000 + 2_000 + 1_000 + 0) / 6 / 10_000,
        (1_000 + 100 + 0 + 50 + 0 + 0) / 6 / 20_000,
        (-200 + 300 + 600 + 700 + 800 + 900) / 6 / 1_000,
    ),
    # (BILL_AMT1 - BILL_AMT6) / limit
    "balance_trend_6m": ((5_000 - 0) / 10_000, (1_000 - 0) / 20_000, (-200 - 900) / 1_000),
    # (BILL_AMT1 - BILL_AMT3) / limit
    "balance_trend_3m": ((5_000 - 3_000) / 10_000, (1_000 - 0) / 20_000, (-200 - 600) / 1_000),
    # limit - BILL_AMT1
    "available_credit": (10_000 - 5_000, 20_000 - 1_000, 1_000 + 200),
    # (BILL_AMT2 - PAY_AMT1) / limit
    "unpaid_share": ((4_000 - 0) / 10_000, (100 - 2_000) / 20_000, (300 - 300) / 1_000),
    "statement_balance": (5_000, 1_000, -200),
    "age": (30, 52, 35),
    "education": (1, 3, 2),
    "sex": (1, 2, 2),
    "marital_status": (2, 1, 1),
}


def _accounts(dtype: type[pl.DataType] = pl.Float64) -> pl.DataFrame:
    frame = pl.DataFrame(ACCOUNTS).select(INPUT_COLUMNS)
    return frame.with_columns(pl.exclude("ID").cast(dtype))


def test_input_columns_are_the_uci_layout() -> None:
    expected = (
        "ID",
        "LIMIT_BAL",
        "AGE",
        "EDUCATION",
        "SEX",
        "MARRIAGE",
        *STATUS,
        *(f"BILL_AMT{j}" for j in range(1, 7)),
        *(f"PAY_AMT{j}" for j in range(1, 7)),
    )
    assert expected == INPUT_COLUMNS


def test_expected_table_covers_the_whole_catalogue() -> None:
    assert set(EXPECTED) == set(WITH_PROTECTED)


@pytest.mark.parametrize("name", WITH_PROTECTED)
def test_feature_values_by_hand(name: str) -> None:
    frame = feature_frame(_accounts(), (name,))
    assert frame.columns == [name]
    assert frame.schema[name] == pl.Float64
    assert frame[name].to_list() == pytest.approx(list(EXPECTED[name]), rel=1e-12, abs=1e-12)


def test_whole_frame_in_the_order_asked() -> None:
    frame = feature_frame(_accounts(), WITH_PROTECTED)
    assert frame.columns == list(WITH_PROTECTED)
    assert frame.height == len(ACCOUNTS)
    assert all(dtype == pl.Float64 for dtype in frame.dtypes)
    for name in WITH_PROTECTED:
        assert frame[name].to_list() == pytest.approx(list(EXPECTED[name]), rel=1e-12, abs=1e-12), name


def test_default_names_are_default_features() -> None:
    assert feature_frame(_accounts()).columns == list(DEFAULT_FEATURES)


def test_custom_order_is_kept() -> None:
    names = ("utilisation", "status_1", "months_late")
    frame = feature_frame(_accounts(), names)
    assert frame.columns == list(names)
    assert frame.row(0) == pytest.approx((0.5, 2.0, 2.0))


def test_integer_inputs_give_the_same_features() -> None:
    as_floats = feature_frame(_accounts(pl.Float64), WITH_PROTECTED)
    as_integers = feature_frame(_accounts(pl.Int64), WITH_PROTECTED)
    assert all(dtype == pl.Float64 for dtype in as_integers.dtypes)
    for name in WITH_PROTECTED:
        assert as_integers[name].to_list() == pytest.approx(as_floats[name].to_list(), rel=1e-12), name


def test_zero_limit_counts_as_one_yuan() -> None:
    account = _account(
        "z0", limit=0, status=(0,) * 6, bills=(50, 40, 30, 20, 10, 0), paid=(10, 10, 10, 0, 0, 0)
    )
    frame = feature_frame(
        pl.DataFrame([account]).select(INPUT_COLUMNS),
        ("utilisation", "payment_trend", "available_credit", "credit_limit"),
    )
    assert frame.row(0) == pytest.approx((50.0, 30.0, -50.0, 0.0))


def test_no_accounts_no_rows() -> None:
    frame = feature_frame(_accounts().clear())
    assert frame.height == 0
    assert frame.columns == list(DEFAULT_FEATURES)


# --- feature sets and the catalogue ------------------------------------------------------------------


def test_default_features_leave_out_sex_and_marital_status() -> None:
    assert "sex" not in DEFAULT_FEATURES
    assert "marital_status" not in DEFAULT_FEATURES
    assert all(BY_NAME[name].group != PROTECTED for name in DEFAULT_FEATURES)


def test_with_protected_adds_exactly_sex_and_marital_status() -> None:
    assert "sex" in WITH_PROTECTED
    assert "marital_status" in WITH_PROTECTED
    assert set(WITH_PROTECTED) - set(DEFAULT_FEATURES) == {"sex", "marital_status"}
    assert BY_NAME["sex"].group == BY_NAME["marital_status"].group == PROTECTED


def test_hub_features_are_default_features() -> None:
    assert HUB == ("status_1", "status_2")
    assert set(HUB) <= set(DEFAULT_FEATURES)


def test_catalogue_names_are_unique() -> None:
    names = [feature.name for feature in CATALOGUE]
    assert len(names) == len(set(names))
    assert tuple(names) == WITH_PROTECTED
    assert set(BY_NAME) == set(names)


@pytest.mark.parametrize("feature", CATALOGUE, ids=lambda feature: feature.name)
def test_every_feature_has_a_reason_in_both_languages(feature: Feature) -> None:
    assert feature.reason_zh.strip()
    assert CJK.search(feature.reason_zh), feature.reason_zh
    assert feature.reason_en.strip()
    assert not CJK.search(feature.reason_en), feature.reason_en
    assert feature.group in (WILLINGNESS, ABILITY, PROTECTED)


def test_hub_reason_has_both_languages() -> None:
    code, zh, en = HUB_REASON
    assert code and code not in BY_NAME
    assert CJK.search(zh)
    assert en.strip() and not CJK.search(en)


def test_unknown_feature_is_refused() -> None:
    with pytest.raises(ValueError, match="no_such_feature"):
        feature_frame(_accounts(), ("utilisation", "no_such_feature"))


def test_every_unknown_feature_is_named() -> None:
    with pytest.raises(ValueError, match="unknown features: bogus, also_bogus"):
        feature_frame(_accounts(), ("bogus", "status_1", "also_bogus"))
