"""End to end: the ``arrears`` command run as a user runs it, in a subprocess (``python -m arrears``).

Every test gets its own data directory and a fixed encryption key; the database is the embedded
SQLite file, except for the bundled-portfolio class, which also runs against PostgreSQL (a fresh
schema, dropped afterwards) when ARREARS_TEST_DATABASE_URL is set.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from arrears import migrate
from arrears.imports.identity import synthetic_identity
from pg_schema import POSTGRES_URL, postgres_schema

ENCRYPTION_KEY = base64.b64encode(bytes(range(32))).decode("ascii")
TIMEOUT_SECONDS = 600
# variables that would make Rich colour or reshape the output the assertions read
_STYLING_VARIABLES = ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "COLUMNS", "LINES")

UCI_AS_OF = "2005-10-01"
EXPECTED_BUCKETS = {"M0": 18_523, "M1": 2_959, "M2": 2_140, "M3": 264, "M4": 62, "M5": 19, "M6": 8, "M7+": 25}
EXPECTED_CLASSES = {"normal": 18_523, "special_mention": 5_363, "substandard": 62, "doubtful": 27, "loss": 25}


@dataclass(frozen=True)
class Cli:
    """The command with one data directory (and optionally a database URL) in its environment."""

    data_dir: Path
    database_url: str | None = None

    def env(self) -> dict[str, str]:
        env = {
            name: value
            for name, value in os.environ.items()
            if not name.startswith("ARREARS_") and name not in _STYLING_VARIABLES
        }
        env.update(
            ARREARS_DATA_DIR=str(self.data_dir),
            ARREARS_ENCRYPTION_KEY=ENCRYPTION_KEY,
            PYTHONIOENCODING="utf-8",
            NO_COLOR="1",
        )
        if self.database_url:
            env["ARREARS_DATABASE_URL"] = self.database_url
        return env

    def run(
        self, *args: str | Path, expect: int | None = 0, stdin: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        """Runs ``arrears ARGS`` in the data directory, with ``stdin`` as its input (else none); fails
        the test unless it exits with ``expect``."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [sys.executable, "-m", "arrears", *map(str, args)],
            env=self.env(),
            cwd=self.data_dir,
            input=stdin,
            stdin=subprocess.DEVNULL if stdin is None else None,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
        if expect is not None and result.returncode != expect:
            pytest.fail(
                f"arrears {' '.join(map(str, args))} exited {result.returncode}, expected {expect}\n"
                f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
            )
        return result

    def summary_json(self) -> dict[str, Any]:
        summary: dict[str, Any] = json.loads(self.run("portfolio", "summary", "--json").stdout)
        return summary

    @property
    def sqlite_file(self) -> Path:
        return self.data_dir / "arrears.db"

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        """Rows of ``query`` on the embedded database file."""
        assert self.database_url is None, "only for the embedded SQLite database"
        assert self.sqlite_file.exists(), "no database file"
        with closing(sqlite3.connect(self.sqlite_file)) as connection:
            return connection.execute(query).fetchall()


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path / "data")


def accounts_by(group: dict[str, dict[str, int]]) -> dict[str, int]:
    return {code: totals["accounts"] for code, totals in group.items()}


def last_line(output: str) -> str:
    return output.strip().splitlines()[-1].strip()


# --- help ---------------------------------------------------------------------------------------

HELP_CASES: dict[tuple[str, ...], tuple[str, ...]] = {
    (): ("db", "import", "portfolio", "demo", "synth"),
    ("db",): ("upgrade", "downgrade", "current"),
    ("db", "upgrade"): ("REVISION",),
    ("db", "downgrade"): ("REVISION", "base"),
    ("db", "current"): ("revision",),
    ("import",): ("extract", "uci"),
    ("import", "extract"): ("--as-of", "--problems-out", "manifest.json"),
    ("import", "uci"): ("--as-of", "UCI", "24,000"),
    ("portfolio",): ("summary",),
    ("portfolio", "summary"): ("--as-of", "--json", "M7+"),
    ("demo",): ("--fresh", "24,000", "--prepare-only", "ARREARS_DEMO_PASSWORD"),
    ("strategy",): ("validate", "preview"),
    ("run-day",): ("--date", "--extract", "--strategy", "--policy"),
    ("serve",): ("--host", "--port", "/healthz"),
    ("user", "add"): ("--role", "ARREARS_NEW_PASSWORD", "Argon2id"),
    ("batch", "run"): ("--accounts", "--strategy", "--model", "--date", "--out", "--engine"),
    ("synth", "portfolio"): ("--accounts", "--seed", "--out"),
    ("strategy", "preview"): ("--as-of", "--model", "--lang"),
}

HelpResults = dict[tuple[str, ...], subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def help_results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, HelpResults]:
    """Every ``--help`` at once: each run starts a Python process, so they run side by side."""
    helper = Cli(tmp_path_factory.mktemp("help") / "data")
    with ThreadPoolExecutor(max_workers=max(os.cpu_count() or 1, 2)) as pool:
        results = list(pool.map(lambda words: helper.run(*words, "--help", expect=None), HELP_CASES))
    return helper, dict(zip(HELP_CASES, results, strict=True))


@pytest.mark.parametrize(
    ("words", "mentioned"),
    list(HELP_CASES.items()),
    ids=[" ".join(words) or "arrears" for words in HELP_CASES],
)
def test_help(
    help_results: tuple[Cli, HelpResults], words: tuple[str, ...], mentioned: tuple[str, ...]
) -> None:
    result = help_results[1][words]

    assert result.returncode == 0, result.stderr
    assert " ".join(("Usage: arrears", *words)) in result.stdout
    for word in mentioned:
        assert word in result.stdout


def test_help_touches_no_database(help_results: tuple[Cli, HelpResults]) -> None:
    helper = help_results[0]

    assert not helper.sqlite_file.exists()
    assert not (helper.data_dir / "secret.key").exists()


# --- db -------------------------------------------------------------------------------------------


def test_db_upgrade_on_an_empty_sqlite_file_prints_the_revision(cli: Cli) -> None:
    head = migrate.head_revision()
    assert head is not None

    upgraded = cli.run("db", "upgrade")

    assert upgraded.stdout.strip() == f"database at revision {head}"
    assert cli.sqlite_file.exists()
    assert cli.run("db", "current").stdout.strip() == f"current: {head}; head: {head}"
    assert cli.run("db", "downgrade", "base").stdout.strip() == "database at revision base"
    assert cli.sql("SELECT name FROM sqlite_master WHERE type = 'table'") == [("alembic_version",)]


# --- the bundled UCI portfolio, on SQLite and PostgreSQL -------------------------------------------


def _postgres_cli(data_dir: Path) -> Iterator[Cli]:
    """A Cli whose database is a fresh PostgreSQL schema, dropped afterwards."""
    with postgres_schema("e2e") as schema:
        url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield Cli(data_dir, database_url=url.render_as_string(hide_password=False))


@pytest.fixture(scope="class", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend_cli(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cli]:
    data_dir = tmp_path_factory.mktemp(f"uci-{request.param}") / "data"
    if request.param == "sqlite":
        yield Cli(data_dir)
    else:
        yield from _postgres_cli(data_dir)


@pytest.fixture(scope="class")
def first_import(backend_cli: Cli) -> subprocess.CompletedProcess[str]:
    """``arrears import uci``: the whole bundled file, once per backend."""
    return backend_cli.run("import", "uci")


class TestBundledPortfolio:
    def test_import_writes_every_account(
        self, backend_cli: Cli, first_import: subprocess.CompletedProcess[str]
    ) -> None:
        out = first_import.stdout

        assert "customer 24,000" in out
        assert "card_account 24,000" in out
        assert "statement 144,000" in out
        assert f"delinquency snapshot {UCI_AS_OF}: 24,000 accounts, 24,000 rows written" in out
        assert "nothing changed" not in out
        # the key came from the environment: no key file was generated
        assert not (backend_cli.data_dir / "secret.key").exists()

    def test_summary_json_counts_every_bucket_and_class(
        self, backend_cli: Cli, first_import: subprocess.CompletedProcess[str]
    ) -> None:
        summary = backend_cli.summary_json()

        assert summary["as_of"] == UCI_AS_OF
        assert accounts_by(summary["buckets"]) == EXPECTED_BUCKETS
        assert accounts_by(summary["classes"]) == EXPECTED_CLASSES
        assert list(summary["buckets"]) == list(EXPECTED_BUCKETS)  # in band order
        assert summary["buckets"]["M0"]["overdue_fen"] == 0
        assert all(summary["buckets"][code]["overdue_fen"] > 0 for code in EXPECTED_BUCKETS if code != "M0")
        balances = sum(totals["balance_fen"] for totals in summary["buckets"].values())
        assert balances == sum(totals["balance_fen"] for totals in summary["classes"].values())

    def test_importing_again_changes_nothing(
        self, backend_cli: Cli, first_import: subprocess.CompletedProcess[str]
    ) -> None:
        before = backend_cli.run("portfolio", "summary", "--json").stdout

        again = backend_cli.run("import", "uci")

        assert "rows inserted or changed: none" in again.stdout
        assert f"delinquency snapshot {UCI_AS_OF}: 24,000 accounts, 0 rows written" in again.stdout
        assert "this extract was already imported: nothing changed" in again.stdout
        after = backend_cli.run("portfolio", "summary", "--json").stdout
        assert after == before
        assert accounts_by(json.loads(after)["buckets"]) == EXPECTED_BUCKETS

    def test_summary_table(self, backend_cli: Cli, first_import: subprocess.CompletedProcess[str]) -> None:
        out = backend_cli.run("portfolio", "summary").stdout

        assert f"Buckets on {UCI_AS_OF}" in out
        assert f"Regulatory classes on {UCI_AS_OF}" in out
        for text_ in ("M0", "M7+", "18,523", "24,000", "正常", "关注", "次级", "可疑", "损失"):
            assert text_ in out


# --- small UCI files --------------------------------------------------------------------------------

UCI_HEADER = (
    "ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE",
    "PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6",
    *(f"BILL_AMT{j}" for j in range(1, 7)),
    *(f"PAY_AMT{j}" for j in range(1, 7)),
    "default_payment_next_month",
)  # fmt: skip

# ID, LIMIT_BAL, SEX, EDUCATION, MARRIAGE, AGE, PAY_0..PAY_6, BILL_AMT1..6, PAY_AMT1..6, default
SMALL_UCI = (
    ("101", "2.00E+05", "1", "2", "1", "35", "0", "0", "0", "0", "0", "0",
     "20000", "18000", "16500", "15000", "14000", "12000",
     "2000", "2000", "1500", "1500", "1200", "1000", "0"),
    ("102", "150000", "2", "1", "2", "41", "2", "2", "0", "0", "-1", "-1",
     "30000", "28000", "25000", "24000", "2000", "0",
     "0", "0", "1000", "1000", "0", "2000", "1"),
    ("103", "1.5E+04", "2", "3", "1", "27", "-1", "-1", "-1", "-1", "-2", "-2",
     "390", "0", "689", "0", "0", "0",
     "0", "689", "0", "0", "0", "0", "0"),
)  # fmt: skip


def write_uci(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(UCI_HEADER)
        writer.writerows(rows)
    return path


def test_small_uci_file_with_scientific_notation_imports_exactly(cli: Cli, tmp_path: Path) -> None:
    source = write_uci(tmp_path / "small.csv", SMALL_UCI)

    result = cli.run("import", "uci", source)

    assert "card_account 3" in result.stdout
    limits = dict(cli.sql("SELECT account_no, credit_limit_fen FROM card_account ORDER BY account_no"))
    assert limits == {"A00000101": 20_000_000, "A00000102": 15_000_000, "A00000103": 1_500_000}
    summary = cli.summary_json()
    assert summary["as_of"] == UCI_AS_OF
    assert {code: n for code, n in accounts_by(summary["buckets"]).items() if n} == {"M0": 2, "M2": 1}
    # the balance is the September statement; two months late owes 10% of the last two statements
    assert summary["buckets"]["M0"]["balance_fen"] == (20_000 + 390) * 100
    assert summary["buckets"]["M2"] == {"accounts": 1, "balance_fen": 3_000_000, "overdue_fen": 580_000}


def test_small_uci_file_with_a_bad_number_is_rejected(cli: Cli, tmp_path: Path) -> None:
    rows = [list(row) for row in SMALL_UCI]
    rows[1][UCI_HEADER.index("BILL_AMT3")] = "abc"
    source = write_uci(tmp_path / "broken.csv", rows)

    result = cli.run("import", "uci", source, expect=2)

    assert 'broken.csv row 3, column BILL_AMT3: "abc" is not a whole number' in result.stderr
    assert last_line(result.stderr) == "1 problem; nothing was imported."
    assert "Traceback" not in result.stderr
    assert not cli.sqlite_file.exists() or cli.sql("SELECT count(*) FROM customer") == [(0,)]


# --- bank extracts --------------------------------------------------------------------------------

EXTRACT_AS_OF = "2026-11-23"
CUSTOMER_COLUMNS = (
    "customer_id", "name", "national_id", "birth_date", "sex", "mobile", "email", "home_address",
    "home_district",
)  # fmt: skip
ACCOUNT_COLUMNS = (
    "account_id", "customer_id", "product", "currency", "credit_limit", "principal_balance",
    "interest_balance", "fee_balance", "open_date", "cycle_day", "due_day", "status",
)  # fmt: skip


def customer(customer_id: str, *, client_id: int, sex: int) -> dict[str, str]:
    person = synthetic_identity(client_id=client_id, age=30, sex=sex, as_of=date(2026, 11, 1))
    return {
        "customer_id": customer_id,
        "name": person.name,
        "national_id": person.national_id,
        "birth_date": person.birth_date.isoformat(),
        "sex": str(person.sex),
        "mobile": person.mobile,
        "email": person.email,
        "home_address": person.home.address,
        "home_district": person.home.district,
    }


def account(account_id: str, customer_id: str, credit_limit: str, principal: str) -> dict[str, str]:
    return {
        "account_id": account_id,
        "customer_id": customer_id,
        "product": "standard",
        "currency": "CNY",
        "credit_limit": credit_limit,
        "principal_balance": principal,
        "interest_balance": "0.00",
        "fee_balance": "0.00",
        "open_date": "2021-03-15",
        "cycle_day": "5",
        "due_day": "25",
        "status": "active",
    }


def write_extract(directory: Path, accounts: Sequence[dict[str, str]]) -> Path:
    """Manifest, two valid customers (C0000001, C0000002) and ``accounts``."""
    directory.mkdir(parents=True)
    manifest = {"format": "arrears-extract", "version": 1, "as_of": EXTRACT_AS_OF}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    customers = [customer("C0000001", client_id=1, sex=1), customer("C0000002", client_id=2, sex=2)]
    for name, columns, rows in (
        ("customers.csv", CUSTOMER_COLUMNS, customers),
        ("accounts.csv", ACCOUNT_COLUMNS, accounts),
    ):
        with (directory / name).open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerows(rows)
    return directory


BAD_ACCOUNTS = (
    account("6222020000000001", "C0000001", "12,000.00x", "3456.78"),
    account("6222020000000002", "C0009999", "8000.00", "120.50"),
)


def test_bad_extract_is_rejected_and_nothing_is_imported(cli: Cli, tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "extract", BAD_ACCOUNTS)
    assert '"12,000.00x"' in (extract / "accounts.csv").read_text(encoding="utf-8")  # quoted in the CSV

    result = cli.run("import", "extract", extract, "--as-of", EXTRACT_AS_OF, expect=2)

    problems = result.stderr.strip().splitlines()
    assert problems[0].startswith('accounts.csv row 2, column credit_limit: "12,000.00x" is not an amount')
    assert problems[1] == (
        'accounts.csv row 3, column customer_id: customer "C0009999" is not in customers nor in the store'
    )
    assert last_line(result.stderr) == "2 problems; nothing was imported."
    assert len(problems) == 3
    assert cli.sql("SELECT count(*) FROM customer") == [(0,)]
    assert cli.sql("SELECT count(*) FROM card_account") == [(0,)]
    assert cli.sql("SELECT count(*) FROM import_run") == [(0,)]


def test_problems_out_writes_every_problem_to_csv(cli: Cli, tmp_path: Path) -> None:
    extract = write_extract(tmp_path / "extract", BAD_ACCOUNTS)
    report = tmp_path / "problems.csv"

    result = cli.run(
        "import", "extract", extract, "--as-of", EXTRACT_AS_OF, "--problems-out", report, expect=2
    )

    assert last_line(result.stderr) == "2 problems; nothing was imported."
    with report.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["file", "row", "column", "problem"]
    assert [row[:3] for row in rows[1:]] == [
        ["accounts.csv", "2", "credit_limit"],
        ["accounts.csv", "3", "customer_id"],
    ]
    assert rows[1][3].startswith('"12,000.00x" is not an amount')
    assert rows[2][3] == 'customer "C0009999" is not in customers nor in the store'


def test_the_same_extract_corrected_imports(cli: Cli, tmp_path: Path) -> None:
    extract = write_extract(
        tmp_path / "extract",
        (
            account("6222020000000001", "C0000001", "12000.00", "3456.78"),
            account("6222020000000002", "C0000002", "8000.00", "120.50"),
        ),
    )

    cli.run("import", "extract", extract, "--as-of", EXTRACT_AS_OF)

    assert cli.sql("SELECT count(*) FROM customer") == [(2,)]
    assert cli.sql("SELECT account_no, credit_limit_fen FROM card_account ORDER BY account_no") == [
        ("6222020000000001", 1_200_000),
        ("6222020000000002", 800_000),
    ]
    summary = cli.summary_json()
    assert summary["as_of"] == EXTRACT_AS_OF
    assert summary["buckets"]["M0"] == {"accounts": 2, "balance_fen": 357_728, "overdue_fen": 0}
