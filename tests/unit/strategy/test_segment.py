"""Segmentation with the default strategy: golden accounts, stable arms, escalation."""

from __future__ import annotations

import polars as pl
import pytest

from arrears.strategy.arms import SLOTS, stable_slots
from arrears.strategy.load import load_strategy
from arrears.strategy.segment import SegmentationError, segment

DEFAULT = load_strategy("default").strategy


def fnv1a(data: bytes) -> int:
    """The 64-bit FNV-1a reference (FNV's published algorithm, in plain Python)."""
    value = 0xCBF29CE484222325
    for byte in data:
        value = ((value ^ byte) * 0x100000001B3) % 2**64
    return value


def test_slots_are_fnv1a_of_salt_and_id() -> None:
    keys = pl.Series(["A0001", "", "账户-7", "A0002"])
    expected = [fnv1a(f"s:{key}".encode()) % SLOTS for key in keys]
    assert stable_slots(keys, "s").to_list() == expected
    assert fnv1a(b"a") == 0xAF63DC4C8601EC8C  # published test vector
    assert stable_slots(pl.Series([1, 22]), "s").to_list() == [fnv1a(b"s:1") % SLOTS, fnv1a(b"s:22") % SLOTS]


GOLDEN = [
    # account_id, dpd, balance (yuan), ability (points), hold, promise broken -> segment, treatment
    (1, 0, 1000, 0, False, False, None, None),
    (2, 2, 1000, 0, False, False, "grace", "leave"),
    (3, 20, 1000, 0, False, False, "late_m1", "phone_m1"),
    (4, 20, 1000, 0, False, True, "late_m1", "phone_m2"),
    (5, 45, 300, 0, False, False, "m2", "phone_m2"),
    (6, 75, 4999.99, 0, False, False, "m3_small", "phone_m3"),
    (7, 75, 5000, 0, False, False, "m3_m6_large", "field_visit"),
    (8, 150, 800, 0, False, False, "m4_m6_small", "agency"),
    # past 180 DPD: legal review for 10,000 yuan or more and an ability of 0 or more, else agencies
    (9, 181, 10_000, 0, False, False, "legal", "legal"),
    (10, 400, 250_000, 26, False, False, "legal", "legal"),
    (11, 181, 9_999.99, 40, False, False, "m7_small", "agency"),
    (12, 200, 800, 0, False, False, "m7_small", "agency"),
    (13, 181, 10_000, -1, False, False, "m7_unable", "agency"),
    (14, 400, 400_000, -16, False, False, "m7_unable", "agency"),
    (15, 180, 50_000, 30, False, False, "m3_m6_large", "field_visit"),  # M6 still
    (16, 400, 800, 0, True, False, "on_hold", "leave"),
    (17, 200, 50_000, None, False, False, None, None),  # never scored: no condition on the ability holds
]


def test_golden_accounts_of_the_default_strategy() -> None:
    accounts = pl.DataFrame(
        [(a, d, round(b * 100), s, h, p) for a, d, b, s, h, p, _, _ in GOLDEN],
        schema=["account_id", "dpd", "balance_fen", "ability", "hold", "promise_broken"],
        orient="row",
    )
    found = segment(accounts, strategy=DEFAULT)
    assert found["segment"].to_list() == [row[6] for row in GOLDEN]
    assert found["treatment"].to_list() == [row[7] for row in GOLDEN]
    assert found.filter(pl.col("account_id") == 4)["escalated"].item() is True


def test_arms_split_by_share_and_stay_put() -> None:
    accounts = pl.DataFrame(
        {
            "account_id": range(20_000),
            "dpd": 10,
            "balance_fen": 1,
            "ability": 0,
            "hold": False,
            "promise_broken": False,
        }
    )
    first = segment(accounts, strategy=DEFAULT)
    share = first.filter(pl.col("arm") == "call_early").height / first.height
    assert 0.18 < share < 0.22
    again = segment(accounts.reverse(), strategy=DEFAULT).reverse()
    assert again["arm"].to_list() == first["arm"].to_list()
    assert set(first.filter(pl.col("arm") == "call_early")["treatment"]) == {"sms_then_call"}


def test_a_missing_column_is_named() -> None:
    with pytest.raises(SegmentationError, match="ability, balance_fen, hold"):
        segment(pl.DataFrame({"account_id": [1], "dpd": [3]}), strategy=DEFAULT)
