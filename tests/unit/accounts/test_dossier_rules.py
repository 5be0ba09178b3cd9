"""The dossier's pure parts: age, the score's bands, what a learned fact may be and how it is masked."""

from __future__ import annotations

from datetime import date

import pytest

from arrears.accounts.dossier_rules import (
    ABILITY_STEP,
    FactInput,
    ability_level,
    age_on,
    chance_of_paying,
    checked_fact,
    masked_fact,
    willingness_level,
)
from arrears.kit.inputs import InvalidField

TODAY = date(2026, 12, 6)


def fact(**changes: object) -> FactInput:
    fields: dict[str, object] = {"kind": "employer", "value": "中山市华强电子有限公司", "source": "call",
                                 "learned_date": TODAY} | changes  # fmt: skip
    return FactInput(**fields)  # type: ignore[arg-type]


class TestAge:
    def test_full_years_the_day_before_and_on_the_birthday(self) -> None:
        assert age_on(date(1990, 12, 7), TODAY) == 35
        assert age_on(date(1990, 12, 6), TODAY) == 36

    def test_born_on_29_february(self) -> None:
        assert age_on(date(2000, 2, 29), date(2021, 2, 28)) == 20
        assert age_on(date(2000, 2, 29), date(2021, 3, 1)) == 21

    def test_unknown(self) -> None:
        assert age_on(None, TODAY) is None


class TestBands:
    @pytest.mark.parametrize(
        ("points", "level"), [(200, "high"), (50, "high"), (49, "medium"), (0, "medium"), (-50, "medium"),
                              (-51, "low"), (-18, "medium"), (-300, "low")]
    )  # fmt: skip
    def test_willingness(self, points: int, level: str) -> None:
        assert willingness_level(points) == level

    @pytest.mark.parametrize(
        ("points", "level"), [(ABILITY_STEP, "high"), (ABILITY_STEP - 1, "medium"), (5, "medium"),
                              (-ABILITY_STEP + 1, "medium"), (-ABILITY_STEP, "low")]
    )  # fmt: skip
    def test_ability(self, points: int, level: str) -> None:
        assert ability_level(points) == level

    def test_ability_steps_are_a_quarter_more_or_less_odds(self) -> None:
        assert ABILITY_STEP == 16  # 50 * log2(1.25)

    def test_willingness_points_are_the_log_odds_of_paying(self) -> None:
        assert chance_of_paying(0) == 0.5
        assert chance_of_paying(50) == pytest.approx(2 / 3)
        assert chance_of_paying(-50) == pytest.approx(1 / 3)


class TestCheckedFact:
    def test_spaces_are_tidied(self) -> None:
        assert checked_fact(fact(value="  中山市  华强 "), today=TODAY).value == "中山市 华强"

    def test_a_phone_is_kept_without_spaces(self) -> None:
        assert checked_fact(fact(kind="phone", value="139 1234 5678"), today=TODAY).value == "13912345678"
        assert checked_fact(fact(kind="phone", value="0760-88123456"), today=TODAY).value == "0760-88123456"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"kind": "salary"}, "kind"),
            ({"source": "rumour"}, "source"),
            ({"value": " \n "}, "value"),
            ({"value": "x" * 301}, "value"),
            ({"kind": "phone", "value": "12345"}, "value"),
            ({"learned_date": date(2026, 12, 7)}, "learned_date"),
            ({"learned_date": date(1899, 12, 31)}, "learned_date"),
        ],
    )
    def test_refusals_name_the_field(self, changes: dict[str, object], field: str) -> None:
        with pytest.raises(InvalidField) as refused:
            checked_fact(fact(**changes), today=TODAY)

        assert refused.value.field == field


class TestMaskedFact:
    def test_personal_kinds_are_masked_like_the_banks(self) -> None:
        assert masked_fact("employer", "中山市华强电子有限公司") == "中山市****电子有限公司"
        assert masked_fact("phone", "13912345678") == "139****5678"
        assert masked_fact("address", "广东省中山市石岐区民族路8号") == "广东省中山市****"

    def test_free_text_has_its_personal_data_masked(self) -> None:
        masked = masked_fact("hardship", "张三 lost his job; sister on 13912345678", known={"张三": "张*"})

        assert masked == "张* lost his job; sister on 139****5678"
