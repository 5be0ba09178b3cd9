"""The profile columns of the extract (pure parts): codes in one spelling, the UCI sample's synthetic
occupation and employer and its income band from the limit, the employer's mask."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from arrears.imports.extract_format import CUSTOMERS, FILES, HOUSING_KINDS, INCOME_BANDS, PRODUCTS
from arrears.imports.uci_profile import income_band, occupation_and_employer
from arrears.imports.validate import column_checks, typed_frame
from arrears.kit.masking import mask_organisation


def test_product_codes_are_stored_sorted_once_without_spaces() -> None:
    frame = pl.DataFrame({"customer_id": ["C1", "C2"], "other_products": ["wealth; deposit;wealth;", None]})

    typed = typed_frame(frame, CUSTOMERS)

    assert typed["other_products"].to_list() == ["deposit;wealth", None]


def test_a_code_list_with_an_unknown_code_fails_and_a_known_one_passes() -> None:
    checks = column_checks(CUSTOMERS.column("other_products"))
    frame = pl.DataFrame({"other_products": ["deposit;mortgage", "deposit;boat", "deposit,mortgage"]})

    failed = frame.select(pl.any_horizontal(check.failed.fill_null(False) for check in checks))

    assert failed.to_series().to_list() == [False, True, True]


def test_the_income_band_of_a_limit_is_six_months_of_income() -> None:
    assert income_band(10_000) == "under_3k"
    assert income_band(18_000) == "3k_5k"  # exactly 3,000 a month: the band's lower bound
    assert income_band(299_994) == "20k_50k"
    assert income_band(300_000) == "over_50k"
    assert {income_band(limit) for limit in range(0, 1_000_000, 1_000)} == set(INCOME_BANDS)


def test_the_synthetic_occupation_and_employer_are_the_same_for_a_client_every_time() -> None:
    first = [occupation_and_employer(client) for client in range(1, 200)]

    assert first == [occupation_and_employer(client) for client in range(1, 200)]
    assert len(set(first)) > 100
    assert all(employer.startswith("中山市") for _, employer in first)


def test_an_employer_is_masked_to_its_first_characters_and_legal_form() -> None:
    assert mask_organisation("中山市华强电子有限公司") == "中山市****电子有限公司"
    assert mask_organisation("中山市富华商行") == "中山市****商行"
    assert mask_organisation("小明五金店") == "****五金店"
    assert mask_organisation("Acme Trading Ltd") == "A****"
    assert mask_organisation("公司") == "****"


def test_the_format_document_names_every_column_and_every_code() -> None:
    document = (Path(__file__).parents[3] / "docs" / "extract-format.md").read_text(encoding="utf-8")

    for spec in FILES:
        for column in spec.columns:
            assert (
                f"| `{column.name}` | {column.kind.value} | {'yes' if column.required else 'no'} |"
                in document
            )
    for code in (*INCOME_BANDS, *HOUSING_KINDS, *PRODUCTS):
        assert f"| `{code}` |" in document
