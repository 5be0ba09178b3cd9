"""The customer's profile in the bank extract (occupation, employer, income band, housing, household,
other products): stored, the employer encrypted; bad values rejected with file, row and column named."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from arrears.imports.problems import ExtractRejected
from arrears.imports.service import import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, Customer
from conftest import AS_OF, Rows, base_rows

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
MakeExtract = Callable[..., Path]
PROFILE = {
    "occupation": "工程师",
    "employer": "中山市华强电子有限公司",
    "income_band": "10k_20k",
    "housing": "mortgaged",
    "dependants": "2",
    "household_size": "4",
    "other_products": "mortgage; deposit",
}


def run(engine: Engine, directory: Path, cipher: FieldCipher) -> None:
    with engine.begin() as connection:
        import_extract(connection, directory, as_of=AS_OF, cipher=cipher, now=NOW, batch_rows=2)


def with_profile(**changes: str) -> Rows:
    rows = base_rows()
    rows["customers"][0].update(PROFILE)
    rows["customers"][2].update(changes)
    return rows


def customer(engine: Engine, number: str) -> Customer:
    with Session(engine) as session:
        return session.scalars(select(Customer).where(Customer.customer_no == number)).one()


def test_the_profile_is_stored_and_the_employer_encrypted(
    engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
) -> None:
    run(engine, extract_dir(with_profile()), cipher)

    found = customer(engine, "C1")
    assert (found.occupation, found.income_band, found.housing) == ("工程师", "10k_20k", "mortgaged")
    assert (found.dependants, found.household_size) == (2, 4)
    assert found.other_products == "deposit;mortgage"  # one spelling: sorted, spaces gone
    assert found.employer_enc is not None and "华强".encode() not in found.employer_enc
    assert cipher.decrypt(found.employer_enc) == "中山市华强电子有限公司"
    assert found.employer_hash == cipher.lookup_hash("中山市华强电子有限公司")
    assert found.employer_masked == "中山市****电子有限公司"
    other = customer(engine, "C2")  # the columns are optional cell by cell
    assert (other.occupation, other.employer_enc, other.employer_masked, other.income_band) == (
        None,
        None,
        None,
        None,
    )


def test_an_extract_without_the_profile_columns_still_imports(
    engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
) -> None:
    run(engine, extract_dir(base_rows()), cipher)

    assert customer(engine, "C1").occupation is None


def test_a_changed_employer_is_updated_and_the_same_one_changes_nothing(
    engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
) -> None:
    run(engine, extract_dir(with_profile()), cipher)
    before = customer(engine, "C1")
    run(engine, extract_dir(with_profile()), cipher)
    assert customer(engine, "C1").employer_enc == before.employer_enc  # not rewritten

    changed = with_profile()
    changed["customers"][0]["employer"] = "中山市永安物流有限公司"
    run(engine, extract_dir(changed), cipher)

    after = customer(engine, "C1")
    assert after.employer_enc is not None
    assert cipher.decrypt(after.employer_enc) == "中山市永安物流有限公司"


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("income_band", "high", '"high" is not one of: under_3k, 3k_5k, 5k_10k, 10k_20k, 20k_50k, over_50k'),
        ("housing", "castle", '"castle" is not one of: owned, mortgaged, rented, family, employer, other'),
        ("dependants", "-1", '"-1" is below the minimum 0'),
        ("dependants", "two", '"two" is not a whole number'),
        ("household_size", "0", '"0" is below the minimum 1'),
        ("household_size", "31", '"31" is above the maximum 30'),
        (
            "other_products",
            "deposit;yacht",
            '"deposit;yacht" has a code not one of: deposit, wealth, insurance, mortgage, car_loan, '
            "personal_loan, business_loan, other_card",
        ),
        ("other_products", "deposit mortgage", '"deposit mortgage" is not a list of codes separated by ;'),
        ("occupation", "工" * 101, f'"{"工" * 57}..." is longer than 100 characters'),
        ("employer", "公" * 201, f'"{"公" * 57}..." is longer than 200 characters'),
    ],
)
def test_a_bad_profile_value_is_rejected_with_its_row_and_nothing_is_written(
    engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher, column: str, value: str, message: str
) -> None:
    with pytest.raises(ExtractRejected) as caught:
        run(engine, extract_dir(with_profile(**{column: value})), cipher)

    assert [str(problem) for problem in caught.value.problems.kept] == [
        f"customers.csv row 4, column {column}: {message}"
    ]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Customer)).scalar_one() == 0
        assert connection.execute(select(func.count()).select_from(CardAccount)).scalar_one() == 0
