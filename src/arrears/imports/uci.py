"""The UCI "default of credit card clients" file as a portfolio (the real sample book).

Each client becomes a customer with one card account, six statements (April to September 2005) and
the payments of those months. The file says how late each client was in September 2005 (``PAY_0``)
but not since when or by how much, so the delinquency on 2005-10-01 is brought forward as the card
system's own arrears: ``PAY_0`` = k >= 1 is k months late, 30*k days past due (bucket Mk, M7+ from
k = 7), and the overdue amount is 10% of the last k statement balances with a floor of 100 yuan.
Identities are synthetic and deterministic per client ID (see ``identity.py``), and so are the
occupation and employer; the income band is derived from the limit (see ``uci_profile.py``).
"""

from __future__ import annotations

import json
from datetime import date
from importlib import resources
from pathlib import Path

import polars as pl

from arrears.imports.extract_format import FORMAT_NAME, FORMAT_VERSION, MANIFEST
from arrears.imports.identity import Identity, synthetic_identity
from arrears.imports.problems import ExtractRejected, Problem, ProblemLog
from arrears.imports.reader import FileBroken, iter_batches, read_header
from arrears.imports.uci_profile import income_band, occupation_and_employer

UCI_AS_OF = date(2005, 10, 1)
MONTHS = 6  # statements j = 1 (September) .. 6 (April)
MINIMUM_RATE_PERCENT = 10
MINIMUM_FLOOR_FEN = 100_00
DAILY_INTEREST_BP = 5  # 0.05% a day, the usual card rate
LATE_FEE_PERCENT = 5
REQUIRED = (
    "ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE",
    *(f"PAY_{i}" for i in (0, 2, 3, 4, 5, 6)),
    *(f"BILL_AMT{j}" for j in range(1, 7)),
    *(f"PAY_AMT{j}" for j in range(1, 7)),
)  # fmt: skip
OPTIONAL = ("default_payment_next_month", "default.payment.next.month")


def bundled_path() -> Path:
    """The 24,000 accounts shipped with Arrears (CC BY 4.0, see LICENSE.md beside the file)."""
    return Path(str(resources.files("arrears") / "data" / "uci_credit_card" / "train.csv"))


def exact_integer(column: str) -> pl.Expr:
    """``"2.00E+05"`` -> 200000 exactly; null when the text is not a whole number. The exponent has at
    most two digits (a larger one is null before any zeros are written out: no integer fits it)."""
    raw = pl.col(column)
    plain = raw.str.contains(r"^-?\d+$")
    mantissa = raw.str.extract(r"^(-?\d+(?:\.\d+)?)[eE]\+?\d{1,2}$", 1)
    exponent = raw.str.extract(r"^-?\d+(?:\.\d+)?[eE]\+?(\d{1,2})$", 1).cast(pl.Int64)
    decimals = mantissa.str.extract(r"\.(\d+)$", 1).str.len_chars().fill_null(0)
    digits = mantissa.str.replace(".", "", literal=True)
    shift = exponent - decimals
    scientific = pl.when(shift >= 0).then(digits + pl.lit("0").repeat_by(shift).list.join(""))
    return pl.when(plain).then(raw).otherwise(scientific).cast(pl.Int64, strict=False)


def read_uci(path: Path) -> pl.DataFrame:
    """The file as integers; every unreadable value is reported with its row and column."""
    problems = ProblemLog()
    try:
        header = read_header(path)
        missing = [column for column in REQUIRED if column not in header]
        for column in missing:
            problems.add(Problem(path.name, 1, column, "required column is missing"))
        unknown = [column for column in header if column not in REQUIRED and column not in OPTIONAL]
        for column in unknown:
            problems.add(Problem(path.name, 1, column, "is not a column of the UCI file"))
        if problems:
            raise ExtractRejected(problems)
        frames = [
            _typed_batch(batch.frame, batch.first_row, path.name, problems)
            for batch in iter_batches(path, batch_rows=50_000)
        ]
    except FileBroken as broken:
        problems.add(broken.problem)
    if problems:
        raise ExtractRejected(problems)
    frame = pl.concat(frames)
    _check_ids(frame, path.name, problems)
    if problems:
        raise ExtractRejected(problems)
    return frame.drop("_row")


def _typed_batch(frame: pl.DataFrame, first_row: int, name: str, problems: ProblemLog) -> pl.DataFrame:
    typed = frame.select(
        pl.int_range(first_row, first_row + frame.height).alias("_row"),
        *(exact_integer(column).alias(column) for column in REQUIRED),
    )
    for column in REQUIRED:
        bad = frame.with_row_index("_i").filter(typed[column].is_null())
        for record in bad.iter_rows(named=True):
            value = record[column]
            message = "is empty" if value is None else f'"{value}" is not a whole number'
            problems.add(Problem(name, first_row + record["_i"], column, message))
    return typed


def _check_ids(frame: pl.DataFrame, name: str, problems: ProblemLog) -> None:
    for record in frame.filter(pl.col("ID").is_duplicated()).sort("_row").iter_rows(named=True):
        problems.add(Problem(name, record["_row"], "ID", f"duplicate ID {record['ID']}"))
    for record in frame.filter((pl.col("AGE") < 18) | (pl.col("AGE") > 120)).iter_rows(named=True):
        problems.add(Problem(name, record["_row"], "AGE", f"{record['AGE']} is not a plausible age"))
    for record in frame.filter(pl.col("LIMIT_BAL") < 0).iter_rows(named=True):
        problems.add(Problem(name, record["_row"], "LIMIT_BAL", "is negative"))


def fen_text(expr: pl.Expr) -> pl.Expr:
    """Integer fen as the extract's decimal text: -12345 -> "-123.45"."""
    magnitude = expr.abs()
    text = pl.concat_str(
        (magnitude // 100).cast(pl.String),
        pl.lit("."),
        (magnitude % 100).cast(pl.String).str.pad_start(2, "0"),
    )
    return pl.when(expr < 0).then(pl.concat_str(pl.lit("-"), text)).otherwise(text)


def _month(j: int, day: int) -> date:
    return date(UCI_AS_OF.year, UCI_AS_OF.month - j, day)


def _arrears_fen() -> pl.Expr:
    k = pl.col("PAY_0")
    owed = pl.sum_horizontal(
        pl.when(k >= j).then(pl.max_horizontal(pl.col(f"BILL_AMT{j}"), 0) * MINIMUM_RATE_PERCENT).otherwise(0)
        for j in range(1, MONTHS + 1)
    )
    return pl.when(k >= 1).then(pl.max_horizontal(owed, MINIMUM_FLOOR_FEN)).otherwise(0)


def account_frame(uci: pl.DataFrame) -> pl.DataFrame:
    k = pl.col("PAY_0")
    bill = pl.col("BILL_AMT1") * 100
    frame = uci.with_columns(_arrears_fen().alias("arrears_fen"))
    interest = (
        pl.when((k >= 0) & (bill > 0))
        .then(
            pl.min_horizontal(pl.max_horizontal(pl.col("BILL_AMT2"), 0) * 30 * DAILY_INTEREST_BP // 100, bill)
        )
        .otherwise(0)
    )
    frame = frame.with_columns(interest.alias("interest_fen"))
    fee = pl.min_horizontal(
        pl.col("arrears_fen") * LATE_FEE_PERCENT // 100, pl.max_horizontal(bill - pl.col("interest_fen"), 0)
    )
    frame = frame.with_columns(fee.alias("fee_fen"))
    opened = pl.lit(date(2000, 1, 1)) + pl.duration(days=(pl.col("ID") * 7919) % 1800)
    return frame.select(
        pl.format("A{}", pl.col("ID").cast(pl.String).str.pad_start(8, "0")).alias("account_id"),
        pl.format("C{}", pl.col("ID").cast(pl.String).str.pad_start(8, "0")).alias("customer_id"),
        pl.lit("uci_classic").alias("product"),
        pl.lit("CNY").alias("currency"),
        fen_text(pl.col("LIMIT_BAL") * 100).alias("credit_limit"),
        fen_text(bill - pl.col("interest_fen") - pl.col("fee_fen")).alias("principal_balance"),
        fen_text(pl.col("interest_fen")).alias("interest_balance"),
        fen_text(pl.col("fee_fen")).alias("fee_balance"),
        opened.dt.to_string("%Y-%m-%d").alias("open_date"),
        pl.lit("5").alias("cycle_day"),
        pl.lit("25").alias("due_day"),
        pl.when(k >= 3).then(pl.lit("blocked")).otherwise(pl.lit("active")).alias("status"),
        pl.when(k >= 1).then(fen_text(pl.col("arrears_fen"))).alias("arrears_amount"),
        pl.when(k >= 1)
        .then((pl.lit(UCI_AS_OF) - pl.duration(days=k * 30)).dt.to_string("%Y-%m-%d"))
        .alias("arrears_due_date"),
        pl.lit(UCI_AS_OF.isoformat()).alias("arrears_as_of_date"),
    )


def statement_frame(uci: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for j in range(1, MONTHS + 1):
        bill = pl.col(f"BILL_AMT{j}") * 100
        parts.append(
            uci.select(
                pl.format("A{}", pl.col("ID").cast(pl.String).str.pad_start(8, "0")).alias("account_id"),
                pl.lit(_month(j, 5).isoformat()).alias("statement_date"),
                pl.lit(_month(j, 25).isoformat()).alias("due_date"),
                fen_text(bill).alias("statement_balance"),
                fen_text(pl.max_horizontal(bill, 0) * MINIMUM_RATE_PERCENT // 100).alias("minimum_due"),
            )
        )
    return pl.concat(parts)


def payment_frame(uci: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for j in range(1, MONTHS + 1):
        parts.append(
            uci.filter(pl.col(f"PAY_AMT{j}") > 0).select(
                pl.format("P{}-{}", pl.col("ID"), pl.lit(_month(j, 1).strftime("%Y%m"))).alias("payment_id"),
                pl.format("A{}", pl.col("ID").cast(pl.String).str.pad_start(8, "0")).alias("account_id"),
                pl.lit(_month(j, 20).isoformat()).alias("paid_date"),
                fen_text(pl.col(f"PAY_AMT{j}") * 100).alias("amount"),
                pl.lit("bank_transfer").alias("channel"),
            )
        )
    return pl.concat(parts)


def customer_frame(uci: pl.DataFrame) -> pl.DataFrame:
    rows = [
        _customer_row(client_id, age, sex, education, marriage, limit)
        for client_id, age, sex, education, marriage, limit in uci.select(
            "ID", "AGE", "SEX", "EDUCATION", "MARRIAGE", "LIMIT_BAL"
        ).iter_rows()
    ]
    return pl.DataFrame(rows, orient="row", schema=list(_CUSTOMER_COLUMNS), infer_schema_length=None)


_CUSTOMER_COLUMNS = (
    "customer_id", "name", "national_id", "birth_date", "sex", "education", "marital_status", "mobile",
    "home_phone", "work_phone", "email", "home_address", "home_district", "home_lat", "home_lon",
    "work_address", "work_district", "work_lat", "work_lon", "occupation", "employer", "income_band",
)  # fmt: skip


def _customer_row(
    client_id: int, age: int, sex: int, education: int, marriage: int, limit: int
) -> tuple[object, ...]:
    occupation, employer = occupation_and_employer(client_id)
    person: Identity = synthetic_identity(
        client_id=client_id, age=age, sex=sex if sex in (1, 2) else None, as_of=UCI_AS_OF
    )
    return (
        f"C{client_id:08d}", person.name, person.national_id, person.birth_date.isoformat(), str(person.sex),
        str(education), str(marriage), person.mobile, person.home_phone, person.work_phone, person.email,
        person.home.address, person.home.district, f"{person.home.lat:.6f}", f"{person.home.lon:.6f}",
        person.work.address, person.work.district, f"{person.work.lat:.6f}", f"{person.work.lon:.6f}",
        occupation, employer, income_band(limit),
    )  # fmt: skip


def write_extract(uci: pl.DataFrame, directory: Path, *, as_of: date | None = None) -> None:
    """Writes the portfolio as a version-1 bank extract dated ``as_of`` (default 2005-10-01).

    The delinquency stays that of 2005-10-01 (the file's date); a later ``as_of`` ages it.
    """
    directory.mkdir(parents=True, exist_ok=True)
    customer_frame(uci).write_csv(directory / "customers.csv")
    account_frame(uci).write_csv(directory / "accounts.csv")
    statement_frame(uci).write_csv(directory / "statements.csv")
    payment_frame(uci).write_csv(directory / "payments.csv")
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "as_of": (as_of or UCI_AS_OF).isoformat(),
        "source": "UCI default of credit card clients (CC BY 4.0)",
    }
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
