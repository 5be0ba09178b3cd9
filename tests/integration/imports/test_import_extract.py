"""Import of a bank extract on SQLite and PostgreSQL: results, idempotence, rejection of bad input."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from sqlalchemy import Engine, func, inspect, select

from arrears.imports import loading
from arrears.imports.problems import ExtractRejected
from arrears.imports.service import ImportReport, import_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import CardAccount, ContactPoint, Customer, DelinquencySnapshot, ImportRun, Statement
from conftest import AS_OF, Rows, base_rows

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
MakeExtract = Callable[..., Path]


def run(engine: Engine, directory: Path, cipher: FieldCipher, *, as_of: date = AS_OF) -> ImportReport:
    with engine.begin() as connection:
        return import_extract(connection, directory, as_of=as_of, cipher=cipher, now=NOW, batch_rows=2)


def rejected(engine: Engine, directory: Path, cipher: FieldCipher) -> list[str]:
    with pytest.raises(ExtractRejected) as caught:
        run(engine, directory, cipher)
    return [str(problem) for problem in caught.value.problems.kept]


def count(engine: Engine, model: type) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(model)).scalar_one())


def accounts(engine: Engine) -> dict[str, CardAccount]:
    with engine.connect() as connection:
        rows = connection.execute(select(CardAccount)).all()
    return {row.account_no: row for row in rows}


class TestValidExtract:
    def test_imports_every_file_and_computes_delinquency(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        report = run(engine, extract_dir(), cipher)

        assert report.rows == {
            "customers": 3,
            "accounts": 3,
            "statements": 6,
            "payments": 4,
            "transactions": 2,
        }
        state = {
            no: (a.dpd, a.bucket, a.regulatory_class, a.overdue_fen) for no, a in accounts(engine).items()
        }
        assert state == {
            "A1": (0, "M0", "normal", 0),
            "A2": (59, "M2", "special_mention", 1000_00),
            "A3": (29, "M1", "special_mention", 300_00),
        }
        assert count(engine, DelinquencySnapshot) == 3
        assert count(engine, Statement) == 6

    def test_balances_are_exact_fen(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        run(engine, extract_dir(), cipher)

        account = accounts(engine)["A1"]
        assert (account.credit_limit_fen, account.principal_fen, account.interest_fen) == (
            20_000_00,
            5000_00,
            120_50,
        )

    def test_personal_data_is_encrypted_hashed_and_masked(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = base_rows()
        national_id, mobile = rows["customers"][0]["national_id"], rows["customers"][0]["mobile"]
        run(engine, extract_dir(rows), cipher)

        with engine.connect() as connection:
            customer = connection.execute(select(Customer).where(Customer.customer_no == "C1")).one()
            phone = connection.execute(
                select(ContactPoint).where(ContactPoint.kind == "mobile").limit(1)
            ).one()
            found = connection.execute(
                select(Customer.customer_no).where(
                    Customer.national_id_hash == cipher.lookup_hash(national_id)
                )
            ).scalar_one()
        assert national_id.encode() not in customer.national_id_enc
        assert cipher.decrypt(customer.national_id_enc) == national_id
        assert customer.national_id_masked == national_id[:6] + "*" * 8 + national_id[-4:]
        assert found == "C1"
        assert mobile.encode() not in phone.value_enc
        assert phone.value_masked == mobile[:3] + "****" + mobile[-4:]

    def test_parquet_files_import_like_csv(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        directory = extract_dir()
        for path in directory.glob("*.csv"):
            pl.read_csv(path, infer_schema=False).write_parquet(path.with_suffix(".parquet"))
            path.unlink()

        report = run(engine, directory, cipher)

        assert report.rows["statements"] == 6
        assert accounts(engine)["A2"].dpd == 59


class TestIdempotence:
    def test_the_same_extract_twice_changes_nothing(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        directory = extract_dir()
        run(engine, directory, cipher)
        before = {no: (a.updated_at, a.principal_fen) for no, a in accounts(engine).items()}

        again = run(engine, directory, cipher)

        assert not again.changed_anything
        tables = ("customer", "contact_point", "card_account", "statement", "payment", "card_transaction")
        assert again.written == dict.fromkeys(tables, 0)
        assert {no: (a.updated_at, a.principal_fen) for no, a in accounts(engine).items()} == before
        assert count(engine, ImportRun) == 1

    def test_a_changed_row_is_updated_and_only_it(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        run(engine, extract_dir(), cipher)
        rows = base_rows()
        rows["accounts"][1]["credit_limit"] = "30000.00"
        rows["payments"].append(
            {"payment_id": "P5", "account_id": "A2", "paid_date": "2026-11-22", "amount": "500"}
        )

        report = run(engine, extract_dir(rows), cipher)

        assert report.written["card_account"] == 1
        assert report.written["payment"] == 1
        assert accounts(engine)["A2"].credit_limit_fen == 30_000_00
        assert accounts(engine)["A2"].dpd == 29  # the first minimum is now paid

    def test_a_later_extract_may_reference_customers_already_in_the_store(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        run(engine, extract_dir(), cipher)
        rows = base_rows()
        rows["customers"] = rows["customers"][:1]
        rows["accounts"].append({**rows["accounts"][0], "account_id": "A9", "customer_id": "C3"})

        run(engine, extract_dir(rows), cipher)

        assert accounts(engine)["A9"].customer_id == accounts(engine)["A3"].customer_id

    def test_an_earlier_date_than_the_last_import_is_refused(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        run(engine, extract_dir(), cipher)
        earlier = date(2026, 11, 22)
        rows = base_rows()
        rows["payments"] = rows["payments"][:3]

        with pytest.raises(ExtractRejected) as caught:
            run(engine, extract_dir(rows, as_of=earlier), cipher, as_of=earlier)

        assert "before the last import" in str(caught.value.problems.kept[0])


def spoil(change: Callable[[Rows], None]) -> Rows:
    rows = base_rows()
    change(rows)
    return rows


class TestBadExtracts:
    """Each bad extract is rejected with the file, row and column named, and nothing is written."""

    def assert_nothing_written(self, engine: Engine) -> None:
        assert count(engine, Customer) == 0
        assert count(engine, CardAccount) == 0
        assert count(engine, ImportRun) == 0

    def test_text_in_an_amount(self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher) -> None:
        rows = spoil(lambda r: r["accounts"][1].update(credit_limit="12,000.00x"))

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == [
            'accounts.csv row 3, column credit_limit: "12,000.00x" is not an amount (yuan, at most two '
            "decimals, e.g. 1234.50)"
        ]
        self.assert_nothing_written(engine)

    def test_unknown_column_in_the_header(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = spoil(lambda r: [row.update(colour="red") for row in r["customers"]])

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == [
            "customers.csv row 1, column colour: is not a column of customers (format version 1)"
        ]
        self.assert_nothing_written(engine)

    def test_missing_required_column(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = spoil(lambda r: [row.pop("open_date") for row in r["accounts"]])

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == ["accounts.csv row 1, column open_date: required column is missing"]
        self.assert_nothing_written(engine)

    def test_duplicate_account_id(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = spoil(lambda r: r["accounts"][2].update(account_id="A1"))
        rows["statements"] = [s for s in rows["statements"] if s["account_id"] != "A3"]
        rows["payments"] = [p for p in rows["payments"] if p["account_id"] != "A3"]

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == ['accounts.csv row 4, column account_id: duplicate "A1" (first at row 2)']
        self.assert_nothing_written(engine)

    def test_account_of_an_unknown_customer(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = spoil(lambda r: r["accounts"][0].update(customer_id="C-88120"))

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == [
            'accounts.csv row 2, column customer_id: customer "C-88120" is not in customers nor in the store'
        ]
        self.assert_nothing_written(engine)

    def test_statement_of_an_unknown_account(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = spoil(lambda r: r["statements"][4].update(account_id="A404"))

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == [
            'statements.csv row 6, column account_id: account "A404" is not in accounts nor in the store'
        ]

    def test_negative_limit(self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher) -> None:
        rows = spoil(lambda r: r["accounts"][0].update(credit_limit="-100.00"))

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == ['accounts.csv row 2, column credit_limit: "-100.00" is below the minimum 0']
        self.assert_nothing_written(engine)

    def test_impossible_date(self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher) -> None:
        rows = spoil(lambda r: r["statements"][0].update(due_date="2026-02-30"))

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == ['statements.csv row 2, column due_date: "2026-02-30" is not a real calendar date']
        self.assert_nothing_written(engine)

    def test_payment_after_the_extract_date(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = spoil(lambda r: r["payments"][0].update(paid_date="2026-11-24"))

        problems = rejected(engine, extract_dir(rows), cipher)

        assert problems == [
            'payments.csv row 2, column paid_date: "2026-11-24" is after the extract date 2026-11-23'
        ]

    def test_broken_csv_quoting(self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher) -> None:
        directory = extract_dir()
        path = directory / "accounts.csv"
        lines = path.read_text().splitlines()
        lines[2] = lines[2].replace("A2,", '"A2,', 1)
        path.write_text("\n".join(lines) + "\n")

        problems = rejected(engine, directory, cipher)

        assert len(problems) == 1
        assert problems[0].startswith("accounts.csv row 3: broken CSV quoting")
        self.assert_nothing_written(engine)

    def test_row_with_too_many_fields(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        directory = extract_dir()
        path = directory / "payments.csv"
        path.write_text(path.read_text() + "P9,A1,2026-11-01,10.00,app,extra\n")

        problems = rejected(engine, directory, cipher)

        assert problems == ["payments.csv row 6: the row has 6 fields, the header has 5"]

    def test_empty_file(self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher) -> None:
        directory = extract_dir()
        (directory / "statements.csv").write_text("")

        problems = rejected(engine, directory, cipher)

        assert problems == ["statements.csv: the file is empty (no header row)"]
        self.assert_nothing_written(engine)

    def test_customers_with_a_header_only(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        directory = extract_dir()
        path = directory / "customers.csv"
        path.write_text(path.read_text().splitlines()[0] + "\n")

        problems = rejected(engine, directory, cipher)

        assert "customers.csv: has a header but no rows" in problems

    def test_not_utf8(self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher) -> None:
        directory = extract_dir()
        path = directory / "customers.csv"
        path.write_bytes(path.read_text(encoding="utf-8").encode("gb18030"))

        problems = rejected(engine, directory, cipher)

        assert problems and "UTF-8" in problems[0]

    def test_every_problem_is_reported_at_once(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        def break_many(r: Rows) -> None:
            r["customers"][0]["national_id"] = r["customers"][0]["national_id"][:17] + "0"
            r["accounts"][2]["cycle_day"] = "31"
            r["transactions"][0]["mcc"] = "58x4"

        rows = spoil(break_many)
        if rows["customers"][0]["national_id"] == base_rows()["customers"][0]["national_id"]:
            rows["customers"][0]["national_id"] = rows["customers"][0]["national_id"][:17] + "1"

        problems = rejected(engine, extract_dir(rows), cipher)

        assert [p.split(":")[0] for p in problems] == [
            "customers.csv row 2, column national_id",
            "accounts.csv row 4, column cycle_day",
            "transactions.csv row 2, column mcc",
        ]

    def test_missing_manifest(self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher) -> None:
        directory = extract_dir()
        (directory / "manifest.json").unlink()

        problems = rejected(engine, directory, cipher)

        assert problems == ["manifest.json: is missing: an extract starts with manifest.json"]

    def test_missing_required_file(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        directory = extract_dir()
        shutil.move(directory / "accounts.csv", directory.parent / "elsewhere.csv")
        (directory / "statements.csv").unlink()
        (directory / "payments.csv").unlink()
        (directory / "transactions.csv").unlink()

        problems = rejected(engine, directory, cipher)

        assert problems == ["accounts.csv: is missing (also looked for .parquet)"]


def foreign_keys(engine: Engine, table: str) -> list[str]:
    return sorted(str(key["name"]) for key in inspect(engine).get_foreign_keys(table))


class TestLargeImportPath:
    """Extracts above LARGE_EXTRACT_ROWS read in a child process and defer foreign keys to the end."""

    @pytest.fixture(autouse=True)
    def _every_extract_is_large(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(loading, "LARGE_EXTRACT_ROWS", 1)

    def large_run(self, engine: Engine, directory: Path, cipher: FieldCipher) -> ImportReport:
        with engine.begin() as connection:
            return import_extract(
                connection, directory, as_of=AS_OF, cipher=cipher, now=NOW, batch_rows=2, total_rows=20
            )

    def test_same_result_and_the_foreign_keys_are_back(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        keys_before = {table: foreign_keys(engine, table) for table in ("contact_point", "card_account")}

        report = self.large_run(engine, extract_dir(), cipher)

        assert report.rows["statements"] == 6
        assert accounts(engine)["A2"].dpd == 59
        assert {table: foreign_keys(engine, table) for table in keys_before} == keys_before
        assert keys_before["contact_point"] == ["fk_contact_point_customer_id_customer"]

    def test_a_rejected_large_import_writes_nothing_and_keeps_the_keys(
        self, engine: Engine, extract_dir: MakeExtract, cipher: FieldCipher
    ) -> None:
        rows = base_rows()
        rows["statements"][3]["minimum_due"] = "abc"

        with pytest.raises(ExtractRejected):
            self.large_run(engine, extract_dir(rows), cipher)

        assert count(engine, Customer) == 0
        assert foreign_keys(engine, "contact_point") == ["fk_contact_point_customer_id_customer"]
