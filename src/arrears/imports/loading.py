"""The loading pass: reads the checked files again and merges them into the store, batch by batch.

Personal data (national ID, phone numbers, email, addresses, the employer's name) is encrypted here,
before it reaches the database, with a keyed hash for exact lookup and a masked copy for display.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import cast

import polars as pl

from arrears.bulk import BulkLoader
from arrears.imports.checking import CheckedBatch, Checker, FileEnd, scan
from arrears.imports.extract_format import FileSpec
from arrears.imports.problems import ProblemLog
from arrears.imports.source import ExtractSource, Progress
from arrears.imports.validate import typed_frame
from arrears.kit.crypto import FieldCipher
from arrears.kit.masking import mask_address, mask_email, mask_national_id, mask_organisation, mask_phone
from arrears.kit.processes import prefetch_in_process
from arrears.kit.threads import SerialWorker, prefetch

_CONTACTS = (
    ("mobile", "mobile", None, None, None),
    ("home_phone", "home_phone", None, None, None),
    ("work_phone", "work_phone", None, None, None),
    ("email", "email", None, None, None),
    ("home_address", "home_address", "home_district", "home_lat", "home_lon"),
    ("work_address", "work_address", "work_district", "work_lat", "work_lon"),
)


def _encrypt(values: list[str], cipher: FieldCipher) -> tuple[list[bytes], list[str]]:
    return cipher.encrypt_many(values), cipher.lookup_hashes(values)


def customer_rows(frame: pl.DataFrame, cipher: FieldCipher) -> pl.DataFrame:
    ids = frame["national_id"].to_list()
    encrypted, hashes = _encrypt(ids, cipher)
    return frame.select(
        pl.col("customer_id").alias("customer_no"),
        pl.col("name"),
        pl.Series("national_id_enc", encrypted, dtype=pl.Binary),
        pl.Series("national_id_hash", hashes, dtype=pl.String),
        pl.Series("national_id_masked", [mask_national_id(value) for value in ids], dtype=pl.String),
        pl.col("birth_date"),
        pl.col("sex"),
        pl.col("education"),
        pl.col("marital_status"),
        pl.col("occupation"),
        *_employer_columns(frame["employer"], cipher),
        pl.col("income_band"),
        pl.col("housing"),
        pl.col("dependants"),
        pl.col("household_size"),
        pl.col("other_products"),
    )


_EMPLOYER_COLUMNS = (
    ("employer_enc", pl.Binary),
    ("employer_hash", pl.String),
    ("employer_masked", pl.String),
)


def _employer_columns(employers: pl.Series, cipher: FieldCipher) -> list[pl.Series]:
    """The employer's name encrypted, its keyed hash (what a re-import compares) and its masked copy."""
    if employers.null_count() == employers.len():  # the usual case of a synthetic book: no profile
        return [
            pl.repeat(None, employers.len(), dtype=dtype, eager=True).alias(name)
            for name, dtype in _EMPLOYER_COLUMNS
        ]
    present = [name for name in employers.to_list() if name is not None]
    encrypted, hashes = _encrypt(present, cipher)
    found_enc, found_hash = iter(encrypted), iter(hashes)
    enc, hashed, masked = [], [], []
    for name in employers.to_list():
        enc.append(None if name is None else next(found_enc))
        hashed.append(None if name is None else next(found_hash))
        masked.append(None if name is None else mask_organisation(name))
    return [
        pl.Series("employer_enc", enc, dtype=pl.Binary),
        pl.Series("employer_hash", hashed, dtype=pl.String),
        pl.Series("employer_masked", masked, dtype=pl.String),
    ]


def _masker(kind: str) -> Callable[[str, str | None], str]:
    if kind == "email":
        return lambda value, _district: mask_email(value)
    if kind.endswith("address"):
        return lambda value, district: mask_address(value, district=district)
    return lambda value, _district: mask_phone(value)


def contact_rows(frame: pl.DataFrame, cipher: FieldCipher) -> pl.DataFrame:
    parts = []
    for kind, column, district, lat, lon in _CONTACTS:
        part = frame.select(
            pl.col("customer_id").alias("customer_no"),
            pl.lit(kind).alias("kind"),
            pl.col(column).alias("value"),
            (pl.col(district) if district else pl.lit(None, pl.String)).alias("district"),
            (pl.col(lat) if lat else pl.lit(None, pl.Float64)).alias("lat"),
            (pl.col(lon) if lon else pl.lit(None, pl.Float64)).alias("lon"),
        ).filter(pl.col("value").is_not_null())
        values, districts = part["value"].to_list(), part["district"].to_list()
        encrypted, hashes = _encrypt(values, cipher)
        mask = _masker(kind)
        parts.append(
            part.drop("value").with_columns(
                pl.Series("value_enc", encrypted, dtype=pl.Binary),
                pl.Series("value_hash", hashes, dtype=pl.String),
                pl.Series(
                    "value_masked",
                    [mask(v, d) for v, d in zip(values, districts, strict=True)],
                    dtype=pl.String,
                ),
            )
        )
    return pl.concat(parts)


def account_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("account_id").alias("account_no"),
        pl.col("account_id").str.slice(-4).alias("account_tail"),
        pl.col("customer_id").alias("customer_no"),
        pl.col("product").fill_null("standard"),
        pl.col("currency").fill_null("CNY"),
        pl.col("credit_limit").alias("credit_limit_fen"),
        pl.col("principal_balance").alias("principal_fen"),
        pl.col("interest_balance").alias("interest_fen"),
        pl.col("fee_balance").alias("fee_fen"),
        pl.col("open_date"),
        pl.col("cycle_day"),
        pl.col("due_day"),
        pl.col("status"),
        pl.col("arrears_amount").fill_null(0).alias("arrears_fen"),
        pl.col("arrears_due_date"),
        pl.col("arrears_as_of_date"),
    )


def statement_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("account_id").alias("account_no"),
        pl.col("statement_date"),
        pl.col("due_date"),
        pl.col("statement_balance").alias("balance_fen"),
        pl.col("minimum_due").alias("minimum_due_fen"),
    )


def payment_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("payment_id").alias("payment_ref"),
        pl.col("account_id").alias("account_no"),
        pl.col("paid_date"),
        pl.col("amount").alias("amount_fen"),
        pl.col("channel").fill_null("unknown"),
    )


def transaction_rows(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select(
        pl.col("transaction_id").alias("transaction_ref"),
        pl.col("account_id").alias("account_no"),
        pl.col("posted_date"),
        pl.col("amount").alias("amount_fen"),
        pl.col("merchant"),
        pl.col("mcc"),
        pl.col("category").fill_null("other"),
    )


# (parent table, its natural key, the column of the child rows naming it, the foreign key to fill)
_PARENTS = {
    "contact_point": ("customer", "customer_no", "customer_no", "customer_id"),
    "card_account": ("customer", "customer_no", "customer_no", "customer_id"),
    "statement": ("card_account", "account_no", "account_no", "account_id"),
    "payment": ("card_account", "account_no", "account_no", "account_id"),
    "card_transaction": ("card_account", "account_no", "account_no", "account_id"),
}


class _Ids:
    """Surrogate ids of parent rows: the whole map once the parent's file is loaded, else per batch."""

    def __init__(self, loader: BulkLoader) -> None:
        self._loader = loader
        self._maps: dict[str, pl.DataFrame] = {}
        self._complete: set[str] = set()

    def complete(self, table: str) -> None:
        """``table``'s file is fully written: its map can be fetched once and kept."""
        self._complete.add(table)
        self._maps.pop(table, None)

    def resolve(self, table: str, rows: pl.DataFrame) -> pl.DataFrame:
        if table not in _PARENTS:
            return rows
        parent, natural_key, column, foreign_key = _PARENTS[table]
        if parent in self._complete:
            if parent not in self._maps:
                self._maps[parent] = self._loader.key_map(parent, natural_key)
            known = self._maps[parent].filter(pl.col(natural_key).is_in(rows[column].implode()))
        else:  # the parent is being written batch by batch (customers and their contact points)
            known = self._loader.key_map(parent, natural_key, keys=rows[column].unique().to_list())
        ids = known.rename({natural_key: column, "id": foreign_key})
        return rows.join(ids, on=column, how="inner").drop(column)


# the files other files refer to: their table and natural key
_PARENT_FILES = {"customers": ("customer", "customer_no"), "accounts": ("card_account", "account_no")}
# tables whose foreign keys a large import re-creates at the end instead of checking row by row
_DEFERRED_KEYS = ("contact_point", "card_account")
_ANALYZED = ("card_account", "statement", "payment")

# Above this many rows the reading, checking and encrypting run in a child process (using the
# second core; below it a thread is cheaper than starting a process) and foreign keys are deferred.
LARGE_EXTRACT_ROWS = 300_000


@dataclass(frozen=True, slots=True)
class Loaded:
    rows: dict[str, int]  # rows read per file
    written: dict[str, int]  # rows inserted or changed per table


def load_extract(
    loader: BulkLoader,
    source: ExtractSource,
    *,
    problems: ProblemLog,
    progress: Progress,
    cipher: FieldCipher,
    now: datetime,
    batch_rows: int,
    total_rows: int = 0,
) -> Loaded:
    """Checks and merges every file in one pass.

    Three things overlap: reading, checking and encrypting run ahead (in a thread or, for a large
    extract, a child process); this thread checks keys across batches and files; and every use of the
    database connection runs, in order, in one worker thread, so that the database writes one batch
    while the next is checked. Once a problem is found nothing more is written but checking goes on,
    so that every problem is reported; the caller then rolls the transaction back.
    """
    written: dict[str, int] = {}
    ids = _Ids(loader)
    large = total_rows >= LARGE_EXTRACT_ROWS
    with SerialWorker(name="import-writer") as database:

        def known_in_store(kind: str, keys: Sequence[str]) -> set[str]:
            table, column = _PARENT_FILES[kind]
            return database.call(lambda: loader.existing_keys(table, column, keys))

        def merge(table: str, rows: pl.DataFrame) -> None:
            written[table] = written.get(table, 0) + loader.merge(table, ids.resolve(table, rows), now=now)

        checker = Checker(problems, known_in_store, progress)
        deferred = database.call(lambda: loader.drop_foreign_keys(_DEFERRED_KEYS)) if large else []
        room = problems.limit
        if large:
            items = prefetch_in_process(prepared_scan, source, cipher, batch_rows, room)
        else:
            items = prefetch(prepared_scan(source, cipher, batch_rows, room))
        for item in items:
            checker.feed(item)
            if isinstance(item, FileEnd) and item.spec.name in _PARENT_FILES:
                database.submit(partial(ids.complete, _PARENT_FILES[item.spec.name][0]))
            if not isinstance(item, CheckedBatch) or checker.problems or item.prepared is None:
                continue
            for table, rows in cast(list[tuple[str, pl.DataFrame]], item.prepared):
                database.submit(partial(merge, table, rows))
        database.submit(partial(loader.restore_foreign_keys, deferred))
        if large:  # the day's delinquency is computed next: plan it with the new row counts
            database.submit(partial(loader.analyze, _ANALYZED))
    return Loaded(rows=checker.rows, written=written)


def prepared_scan(
    source: ExtractSource, cipher: FieldCipher, batch_rows: int, room: int
) -> Iterator[CheckedBatch | FileEnd]:
    """``scan`` with each clean batch turned into store rows (module level: it may run in a child)."""

    def prepare(spec: FileSpec, frame: pl.DataFrame) -> object:
        return _store_frames(spec, typed_frame(frame, spec), cipher)

    return scan(source, batch_rows=batch_rows, prepare=prepare, room=room)


def _store_frames(spec: FileSpec, typed: pl.DataFrame, cipher: FieldCipher) -> list[tuple[str, pl.DataFrame]]:
    if spec.name == "customers":
        return [("customer", customer_rows(typed, cipher)), ("contact_point", contact_rows(typed, cipher))]
    builders = {
        "accounts": ("card_account", account_rows),
        "statements": ("statement", statement_rows),
        "payments": ("payment", payment_rows),
        "transactions": ("card_transaction", transaction_rows),
    }
    table, build = builders[spec.name]
    return [(table, build(typed))]
