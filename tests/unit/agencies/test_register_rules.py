"""The agency register's pure rules: an entry's checks (each refusal names its field) and eligibility on a
day through the rulebook's entry point, with its reasons in Chinese and English."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from arrears.agencies import register_rules as rules
from arrears.agencies.register_rules import Contact, Entry
from arrears.kit.inputs import InvalidField

TODAY = date(2026, 12, 1)
GOOD = Entry(
    code="A1",
    name="华信催收服务有限公司",
    licence_no="沪催许 2024-017",
    licence_valid_until=date(2027, 12, 31),
    whitelisted=True,
    contract_starts_on=date(2026, 1, 1),
    contract_ends_on=date(2027, 6, 30),
    terms_signed=True,
    last_inspection_on=date(2026, 3, 1),
    capacity=5_000,
    territories=("上海", "江苏"),
    contacts=(Contact("王经理", "account manager", "13812345678", "wang@huaxin.example"),),
)


def row(entry: Entry = GOOD, *, status: str = "active") -> dict[str, Any]:
    return {
        "code": entry.code, "name": entry.name, "licence_no": entry.licence_no,
        "licence_valid_until": entry.licence_valid_until, "whitelisted": entry.whitelisted,
        "contract_starts_on": entry.contract_starts_on, "contract_ends_on": entry.contract_ends_on,
        "terms_signed": entry.terms_signed, "last_inspection_on": entry.last_inspection_on, "status": status,
        "capacity": entry.capacity, "territories": rules.territories_json(entry.territories),
        "contacts": rules.contacts_json(entry.contacts),
    }  # fmt: skip


def refused(entry: Entry) -> str:
    with pytest.raises(InvalidField) as found:
        rules.check_entry(entry, today=TODAY)
    return found.value.field


class TestEntry:
    def test_a_good_entry_is_kept_trimmed(self) -> None:
        typed = replace(GOOD, code=" A1 ", name=" 华信 ", territories=(" 上海 ",))

        checked = rules.check_entry(typed, today=TODAY)

        assert (checked.code, checked.name, checked.territories) == ("A1", "华信", ("上海",))

    @pytest.mark.parametrize(
        "code", ["", "-A", "A B", "A/1", "x" * 41, "甲1", "A\x00", "batches", "Commissions"]
    )
    def test_a_bad_code_is_refused(self, code: str) -> None:
        assert refused(replace(GOOD, code=code)) == "code"

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"name": "  "}, "name"),
            ({"name": "x" * 201}, "name"),
            ({"licence_no": ""}, "licence_no"),
            ({"licence_valid_until": date(3000, 1, 1)}, "licence_valid_until"),
            ({"contract_starts_on": date(2027, 7, 1)}, "contract_ends_on"),
            ({"contract_ends_on": date(1800, 1, 1)}, "contract_ends_on"),
            ({"last_inspection_on": TODAY + timedelta(days=1)}, "last_inspection_on"),
            ({"capacity": -1}, "capacity"),
            ({"capacity": rules.MAX_CAPACITY + 1}, "capacity"),
            ({"capacity": True}, "capacity"),
            ({"territories": ("上海", " 上海 ")}, "territories"),
            ({"territories": ("x" * 51,)}, "territories"),
            ({"territories": tuple(f"r{n}" for n in range(101))}, "territories"),
            ({"contacts": (Contact(""),)}, "contacts[1].name"),
            ({"contacts": (Contact("a", phone="12"),)}, "contacts[1].phone"),
            (
                {"contacts": (Contact("a", phone="13812345678"), Contact("b", email="no-at"))},
                "contacts[2].email",
            ),
            ({"contacts": (Contact("a"),)}, "contacts[1].phone"),
            ({"contacts": tuple(Contact("a", phone="13812345678") for _ in range(11))}, "contacts"),
        ],
    )
    def test_a_bad_field_is_refused_by_name(self, change: dict[str, Any], field: str) -> None:
        assert refused(replace(GOOD, **change)) == field

    def test_the_contract_may_start_and_end_on_one_day_and_capacity_may_be_zero(self) -> None:
        one_day = replace(GOOD, contract_starts_on=TODAY, contract_ends_on=TODAY, capacity=0)

        assert rules.check_entry(one_day, today=TODAY).capacity == 0

    def test_a_refusal_says_it_in_both_languages(self) -> None:
        with pytest.raises(InvalidField) as found:
            rules.check_entry(replace(GOOD, contract_starts_on=date(2027, 7, 1)), today=TODAY)

        assert "before its first" in found.value.message_en and "早于" in found.value.message_zh

    def test_territories_are_split_on_the_usual_separators(self) -> None:
        assert rules.parse_territories("上海，江苏、浙江; Anhui\n\n, ") == ("上海", "江苏", "浙江", "Anhui")

    def test_capacity_is_a_whole_number(self) -> None:
        assert rules.parse_capacity(" 1,200 ") == 1200
        for bad in ("-1", "1.5", "", "9" * 10, "一千"):
            with pytest.raises(InvalidField, match="capacity"):
                rules.parse_capacity(bad)

    def test_a_row_gives_back_its_entry_and_the_changed_fields_are_named(self) -> None:
        assert rules.entry_of(row()) == GOOD
        after = replace(GOOD, capacity=10, contacts=())

        assert rules.changed_fields(GOOD, after) == ["capacity", "contacts"]


class TestEligibility:
    def test_a_good_agency_is_eligible(self) -> None:
        found = rules.eligibility(row(), TODAY)

        assert found.allowed and found.codes == () and found.reasons_zh == ()

    @pytest.mark.parametrize(
        ("change", "code", "en"),
        [
            ({"whitelisted": False}, rules.NOT_WHITELISTED, "whitelist"),
            ({"last_inspection_on": TODAY - timedelta(days=366)}, rules.INSPECTION_LAPSED, "inspected"),
            ({"last_inspection_on": None}, rules.INSPECTION_LAPSED, "inspected"),
            ({"contract_ends_on": TODAY - timedelta(days=1)}, rules.CONTRACT_EXPIRED, "contract"),
            ({"contract_ends_on": None}, rules.CONTRACT_EXPIRED, "contract"),
            ({"terms_signed": False}, rules.TERMS_UNSIGNED, "PIPL"),
            ({"contract_starts_on": TODAY + timedelta(days=1)}, rules.CONTRACT_NOT_STARTED, "starts on"),
            ({"licence_valid_until": TODAY - timedelta(days=1)}, rules.LICENCE_EXPIRED, "licence"),
        ],
    )
    def test_each_reason_is_named_with_its_code_in_both_languages(
        self, change: dict[str, Any], code: str, en: str
    ) -> None:
        found = rules.eligibility(row(replace(GOOD, **change)), TODAY)

        assert not found.allowed and found.codes == (code,)
        assert len(found.reasons_zh) == len(found.reasons_en) == 1 and en in found.reasons_en[0]

    def test_the_edges_count_as_the_rulebook_says(self) -> None:
        edge = replace(GOOD, last_inspection_on=TODAY - timedelta(days=365), contract_ends_on=TODAY,
                       licence_valid_until=TODAY, contract_starts_on=TODAY)  # fmt: skip
        assert rules.eligibility(row(edge), TODAY).allowed

    def test_a_suspended_agency_holds_nothing_and_says_so_first(self) -> None:
        found = rules.eligibility(row(replace(GOOD, terms_signed=False), status="suspended"), TODAY)

        assert found.codes == (rules.SUSPENDED, rules.TERMS_UNSIGNED)
        assert "暂停" in found.reasons_zh[0] and "suspended" in found.reasons_en[0]

    def test_the_last_eligible_day_is_the_date_that_ran_out(self) -> None:
        lapsed = replace(GOOD, last_inspection_on=date(2025, 11, 20), contract_ends_on=date(2026, 11, 25))
        found = rules.eligibility(row(lapsed), TODAY)

        assert found.codes == (rules.INSPECTION_LAPSED, rules.CONTRACT_EXPIRED)
        assert rules.last_eligible_day(row(lapsed), found.codes, TODAY) == date(2025, 11, 20) + timedelta(
            days=365
        )
        assert rules.last_eligible_day(row(), (rules.SUSPENDED,), TODAY) == TODAY - timedelta(days=1)
