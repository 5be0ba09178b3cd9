"""Vectorised validation of one batch of an extract file: text in, typed columns and problems out."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import polars as pl

from arrears.imports.extract_format import Column, FileSpec, Kind
from arrears.imports.problems import Problem

_PATTERNS: dict[Kind, tuple[str, str]] = {
    Kind.ID: (r"^\S(.{0,62}\S)?$", "is not an identifier (1-64 characters, no surrounding spaces)"),
    Kind.DATE: (r"^\d{4}-\d{2}-\d{2}$", "is not a date (YYYY-MM-DD)"),
    Kind.AMOUNT: (r"^-?\d{1,15}(\.\d{1,2})?$", "is not an amount (yuan, at most two decimals, e.g. 1234.50)"),
    Kind.INT: (r"^-?\d{1,9}$", "is not a whole number"),
    Kind.FLOAT: (r"^-?\d{1,4}(\.\d{1,12})?$", "is not a number"),
    Kind.NATIONAL_ID: (r"^\d{17}[\dX]$", "is not a resident identity number (18 characters)"),
    Kind.MOBILE: (r"^1[3-9]\d{9}$", "is not a mainland mobile number (11 digits starting 13-19)"),
    Kind.PHONE: (r"^\+?\d[\d\- ]{4,19}$", "is not a phone number"),
    Kind.EMAIL: (r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "is not an email address"),
    Kind.CURRENCY: (r"^[A-Z]{3}$", "is not a currency code (ISO 4217, e.g. CNY)"),
    Kind.TEXT: (r"(?s)^.{1,500}$", "is longer than 500 characters"),
    Kind.CODES: (r"^\w+( *; *\w+)*;?$", "is not a list of codes separated by ;"),
}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


@dataclass(frozen=True, slots=True)
class Check:
    """A failed-row mask for one column and the message for those rows."""

    column: str
    failed: pl.Expr
    message: str


def national_id_ok(expr: pl.Expr) -> pl.Expr:
    """Check digit (GB 11643) and birth date of an 18-character ID, vectorised."""
    total = pl.sum_horizontal(
        expr.str.slice(i, 1).cast(pl.Int64, strict=False) * weight for i, weight in enumerate(_ID_WEIGHTS)
    )
    expected = (total % 11).replace_strict(list(range(11)), list(_ID_CHECK), return_dtype=pl.String)
    birth = expr.str.slice(6, 8).str.to_date("%Y%m%d", strict=False)
    return (expected == expr.str.slice(17, 1)) & birth.is_not_null()


def amount_fen(expr: pl.Expr) -> pl.Expr:
    """``"-12.5"`` -> -1250, exactly (no float on the way)."""
    negative = expr.str.starts_with("-")
    digits = expr.str.strip_chars_start("-")
    whole = digits.str.extract(r"^(\d+)", 1).cast(pl.Int64)
    cents = digits.str.extract(r"\.(\d{1,2})$", 1).str.pad_end(2, "0").cast(pl.Int64).fill_null(0)
    value = whole * 100 + cents
    return pl.when(negative).then(-value).otherwise(value)


def _typed(column: Column) -> pl.Expr:
    raw = pl.col(column.name)
    if column.kind is Kind.DATE:
        return raw.str.to_date("%Y-%m-%d", strict=False)
    if column.kind is Kind.AMOUNT:
        return amount_fen(raw)
    if column.kind is Kind.INT:
        return raw.cast(pl.Int64, strict=False)
    if column.kind is Kind.FLOAT:
        return raw.cast(pl.Float64, strict=False)
    if column.kind is Kind.CODES:  # one spelling for one set: sorted, each once, joined by ";"
        return _codes(raw).list.unique().list.sort().list.join(";")
    return raw


def _codes(raw: pl.Expr) -> pl.Expr:
    """``"mortgage; deposit;"`` -> ``["mortgage", "deposit"]``."""
    return (
        raw.str.split(";")
        .list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != ""))
    )


def column_checks(column: Column) -> list[Check]:
    raw = pl.col(column.name)
    present = raw.is_not_null()
    checks: list[Check] = []
    if column.required:
        checks.append(Check(column.name, raw.is_null(), "is empty but required"))
    pattern, message = _PATTERNS[column.kind]
    shape_ok = raw.str.contains(pattern)
    checks.append(Check(column.name, present & ~shape_ok, message))
    typed = _typed(column)
    if column.kind is Kind.DATE:
        checks.append(Check(column.name, present & shape_ok & typed.is_null(), "is not a real calendar date"))
    if column.kind is Kind.NATIONAL_ID:
        checks.append(
            Check(
                column.name,
                present & shape_ok & ~national_id_ok(raw),
                "has a wrong check digit or birth date",
            )
        )
    checks.extend(_range_checks(column, typed, present & shape_ok))
    if column.max_length is not None:
        longest = column.max_length
        too_long = present & (raw.str.len_chars() > longest)
        checks.append(Check(column.name, too_long, f"is longer than {longest} characters"))
    if column.choices is not None and column.kind is Kind.CODES:
        allowed = ", ".join(column.choices)
        unknown = ~_codes(raw).list.eval(pl.element().is_in(column.choices)).list.all()
        checks.append(Check(column.name, present & shape_ok & unknown, f"has a code not one of: {allowed}"))
    elif column.choices is not None:
        allowed = ", ".join(column.choices)
        checks.append(Check(column.name, present & ~raw.is_in(column.choices), f"is not one of: {allowed}"))
    return checks


def _range_checks(column: Column, typed: pl.Expr, valid: pl.Expr) -> list[Check]:
    scale = 100 if column.kind is Kind.AMOUNT else 1
    checks = []
    if column.min_value is not None:
        low = column.min_value
        checks.append(Check(column.name, valid & (typed < low * scale), f"is below the minimum {low:g}"))
    if column.max_value is not None:
        high = column.max_value
        checks.append(Check(column.name, valid & (typed > high * scale), f"is above the maximum {high:g}"))
    return checks


def typed_frame(frame: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    """Typed columns of ``spec`` (absent optional columns become nulls)."""
    exprs = []
    for column in spec.columns:
        if column.name in frame.columns:
            exprs.append(_typed(column).alias(column.name))
        else:
            exprs.append(pl.lit(None, dtype=_dtype(column.kind)).alias(column.name))
    return frame.select(exprs)


def _dtype(kind: Kind) -> pl.DataType:
    return {
        Kind.DATE: pl.Date(),
        Kind.AMOUNT: pl.Int64(),
        Kind.INT: pl.Int64(),
        Kind.FLOAT: pl.Float64(),
    }.get(kind, pl.String())


def collect_problems(
    frame: pl.DataFrame, *, file: str, first_row: int, checks: Iterable[Check], room: int
) -> tuple[list[Problem], int]:
    """Evaluates every check on the batch: up to ``room`` problems in row order, and how many there were."""
    checks = list(checks)
    if not checks or frame.height == 0:
        return [], 0
    indexed = frame.with_row_index("_row")
    flags = indexed.select(
        pl.col("_row"), *(check.failed.fill_null(False).alias(f"_c{i}") for i, check in enumerate(checks))
    )
    total = int(flags.select(pl.sum_horizontal(pl.exclude("_row").sum())).item())
    problems: list[Problem] = []
    for i, check in enumerate(checks):
        rows = flags.filter(pl.col(f"_c{i}"))["_row"].head(room)
        values = indexed[check.column].gather(rows) if check.column in indexed.columns else None
        for n, row in enumerate(rows.to_list()):
            shown = _quote(values[n]) if values is not None else ""
            problems.append(Problem(file, first_row + row, check.column, f"{shown}{check.message}".strip()))
    problems.sort(key=lambda problem: (problem.row or 0, problem.column or ""))
    return problems[:room], total


def row_checks(spec: FileSpec, *, columns: Iterable[str], as_of: date) -> list[Check]:
    """Column checks for the columns present, and the checks that relate columns of one row."""
    present = set(columns)
    checks = [check for column in spec.columns if column.name in present for check in column_checks(column)]
    checks.extend(_relations(spec.name, present, as_of))
    return checks


def _relations(name: str, present: set[str], as_of: date) -> list[Check]:
    def d(column: str) -> pl.Expr:
        return pl.col(column).str.to_date("%Y-%m-%d", strict=False)

    day = as_of.isoformat()
    not_after = {
        "payments": "paid_date",
        "transactions": "posted_date",
        "accounts": "open_date",
        "customers": "birth_date",
    }
    checks: list[Check] = []
    if name in not_after and not_after[name] in present:
        column = not_after[name]
        checks.append(Check(column, d(column) > as_of, f"is after the extract date {day}"))
    if name == "statements":
        checks.append(Check("due_date", d("due_date") < d("statement_date"), "is before statement_date"))
    if name == "transactions" and "mcc" in present:
        checks.append(Check("mcc", ~pl.col("mcc").str.contains(r"^\d{4}$"), "is not a 4-digit MCC"))
    if name == "accounts" and {"arrears_amount", "arrears_due_date"} <= present:
        owed = amount_fen(pl.col("arrears_amount")) > 0
        checks.append(
            Check(
                "arrears_due_date",
                owed & pl.col("arrears_due_date").is_null(),
                "is empty but arrears_amount is above zero",
            )
        )
        checks.append(
            Check("arrears_due_date", d("arrears_due_date") > as_of, f"is after the extract date {day}")
        )
    return checks


def _quote(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    return f'"{text[:60]}" ' if len(text) <= 60 else f'"{text[:57]}..." '
