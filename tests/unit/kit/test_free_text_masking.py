"""Masking personal data inside free text: what each pattern catches, what it leaves alone, and the
cardholder's own known values."""

from __future__ import annotations

import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arrears.kit.masking import mask_free_text

ID = "110101199003071234"


@pytest.mark.parametrize(
    ("text", "hidden", "shown"),
    [
        (f"身份证{ID}核实", ID, "110101********1234"),
        ("证件号 11010119900307123X", "11010119900307123X", "110101********123X"),
        ("新号码13812345678", "13812345678", "138****5678"),
        ("call +86 138-1234-5678 after six", "1234-5678", "138****5678"),
        ("(+86)13912345678", "13912345678", "139****5678"),
        ("0086 138 1234 5678", "1234 5678", "138****5678"),
        ("单位电话0760-88123456", "88123456", "0760-****3456"),
        ("(010)12345678", "12345678", "010-****5678"),
        ("卡号 6222 0212 3456 7890 123", "6222 0212", "0123"),
        ("卡6222021234567890", "6222021234567890", "************7890"),
        ("mail zhang.san@example.com please", "zhang.san@", "z***@example.com"),
        ("手机１３８１２３４５６７８", "12345678", "138****5678"),  # full-width digits
    ],
)
def test_personal_data_is_masked(text: str, hidden: str, shown: str) -> None:
    masked = mask_free_text(text)
    assert hidden not in masked and shown in masked


@pytest.mark.parametrize(
    "text",
    ["承诺 2026-01-05 还 1200.50 元", "account a00015383, DPD 45", "客户说下周发工资", "第3期 300 元"],
)
def test_text_without_personal_data_is_unchanged(text: str) -> None:
    assert mask_free_text(text) == text


def test_the_cardholder_s_known_values_are_masked_longest_first() -> None:
    known = {
        "张三": "张*",
        "广东省中山市石岐街道民生路12号": "广东省中山市石岐街道****",
        "民生路12号": "****",
    }
    masked = mask_free_text("张三住广东省中山市石岐街道民生路12号，也去过民生路12号", known=known)
    assert masked == "张*住广东省中山市石岐街道****，也去过****"


def test_known_latin_names_are_masked_whatever_their_case() -> None:
    assert mask_free_text("spoke to JOHN SMITH", known={"John Smith": "J*********"}) == "spoke to J*********"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True), st.text(alphabet="客户说明天还款 ,。", max_size=20))
def test_no_mobile_number_survives(number: str, words: str) -> None:
    assert number not in mask_free_text(f"{words}{number}{words}")


@given(
    st.from_regex(r"[1-6][0-9]{16}[0-9X]", fullmatch=True), st.text(alphabet="身份证号码：, ", max_size=10)
)
def test_no_national_id_survives(number: str, words: str) -> None:
    assert number not in mask_free_text(f"{words}{number}{words}")


@pytest.mark.parametrize("run", ["n" * 60_000, "1" * 60_000, "a." * 30_000, "a@" + "b" * 60_000])
def test_masking_time_grows_in_step_with_the_text(run: str) -> None:
    """A long run of word characters (a pasted blob in a note) is masked in linear time: a pattern
    that retried the run from each of its characters took minutes per page (the case page hung the
    server). 60,000 characters take milliseconds; quadratic work here took tens of seconds."""
    started = time.perf_counter()
    masked = mask_free_text(f"x {run} 13812345678")
    assert time.perf_counter() - started < 1.0
    assert masked.endswith("138****5678")
