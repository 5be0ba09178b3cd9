"""A fast generator of a realistic synthetic bank extract (format v1), for scale tests of the importer.

Each synthetic account bootstraps a random row of the real UCI credit-card data (limit, age, sex,
education, marriage, bills, payments and the September status ``PAY_0``), so the mix of buckets,
limits and ages follows the real book (UCI amounts are taken as yuan, as ``uci.py`` does);
identities are synthetic residents of Zhongshan. See ``synth_book.py`` for how the statements and
payments make the delinquency engine put an account with ``PAY_0`` = k into bucket Mk, and
``synth_people.py`` for the identities.

The extract is generated and written ``chunk_rows`` accounts at a time, so memory stays bounded
whatever the number of accounts; ``manifest.json`` is written last (and removed first), so a
directory with a manifest always holds a complete extract.

Determinism: the same (accounts, seed, as_of, file_format) give byte-identical files with the same
library versions. Random numbers are drawn per fixed block of 4096 accounts (``synth_base.Draws``),
so the rows do not depend on ``chunk_rows`` and neither do the CSV bytes; a Parquet file gets one row
group per chunk, so its bytes (not its rows) also depend on ``chunk_rows``. The first N accounts of
a bigger extract with the same seed and as_of are the N accounts of the smaller one.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from arrears.imports.extract_format import FILES, FORMAT_NAME, FORMAT_VERSION, MANIFEST, FileSpec
from arrears.imports.synth_base import Draws, IntArray, Stream, UciSample, load_uci_sample
from arrears.imports.synth_book import book_frames
from arrears.imports.synth_people import People, customer_frame, new_id_counts
from arrears.kit.errors import ArrearsError

FileFormat = Literal["csv", "parquet"]
MAX_ACCOUNTS = 999_999_999  # account and customer numbers have 9 digits
_SPECS: dict[str, FileSpec] = {spec.name: spec for spec in FILES}


class SynthError(ArrearsError, ValueError):
    """Arguments or an output directory the generator cannot use."""


@dataclass(frozen=True, slots=True)
class SynthSummary:
    accounts: int
    customers: int
    statements: int
    payments: int
    transactions: int
    files: tuple[Path, ...]


def synth_extract(
    *,
    accounts: int,
    seed: int,
    out: Path,
    as_of: date,
    file_format: FileFormat = "csv",
    chunk_rows: int = 200_000,
) -> SynthSummary:
    """Writes a synthetic extract of ``accounts`` accounts dated ``as_of`` into ``out``."""
    _check_arguments(accounts=accounts, seed=seed, file_format=file_format, chunk_rows=chunk_rows)
    out.mkdir(parents=True, exist_ok=True)
    _prepare_directory(out, file_format)
    sample = load_uci_sample()
    id_counts = new_id_counts()
    rows = dict.fromkeys(_SPECS, 0)
    with _Writer(out=out, file_format=file_format) as writer:
        for start in range(0, accounts, chunk_rows):
            frames, id_counts = chunk_frames(
                seed=seed,
                start=start,
                stop=min(start + chunk_rows, accounts),
                sample=sample,
                as_of=as_of,
                id_counts=id_counts,
            )
            for name, frame in frames.items():
                writer.write(name, frame)
                rows[name] += frame.height
    manifest = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "as_of": as_of.isoformat(),
        "source": f"synthetic (arrears.imports.synth, seed {seed}), bootstrapped from UCI credit-card data",
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return SynthSummary(
        accounts=rows["accounts"],
        customers=rows["customers"],
        statements=rows["statements"],
        payments=rows["payments"],
        transactions=rows["transactions"],
        files=(*(out / f"{name}.{file_format}" for name in _SPECS), out / MANIFEST),
    )


def chunk_frames(
    *, seed: int, start: int, stop: int, sample: UciSample, as_of: date, id_counts: IntArray
) -> tuple[dict[str, pl.DataFrame], IntArray]:
    """The rows of accounts ``start`` .. ``stop - 1`` (0-based) of every file, all columns text.

    ``id_counts`` (from ``synth_people.new_id_counts``) carries the national ID numbering from the
    previous chunk; chunks must be generated in order from account 0.
    """
    draws = Draws(seed=seed, start=start, stop=stop)
    rows = uci_rows(draws=draws, sample=sample)
    numbers = np.arange(start + 1, stop + 1, dtype=np.int64)
    people = People(
        numbers=numbers,
        sex=sample.sex[rows],
        age=sample.age[rows],
        education=sample.education[rows],
        marriage=sample.marriage[rows],
    )
    customers, id_counts = customer_frame(draws=draws, people=people, as_of=as_of, id_counts=id_counts)
    book = book_frames(draws=draws, numbers=numbers, sample=sample, rows=rows, as_of=as_of)
    frames = {
        "customers": customers,
        "accounts": book.accounts,
        "statements": book.statements,
        "payments": book.payments,
        "transactions": book.transactions,
    }
    return {name: _conform(frame, _SPECS[name]) for name, frame in frames.items()}, id_counts


def uci_rows(*, draws: Draws, sample: UciSample) -> IntArray:
    """The UCI row each account of ``draws`` bootstraps (drawn with replacement)."""
    rows: IntArray = (draws.uniform(Stream.UCI_ROW, 1)[:, 0] * sample.rows).astype(np.int64)
    return rows


def _conform(frame: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    """Exactly the spec's columns, in its order, as text (empty where the generator has none: the
    profile columns a bank may leave out)."""
    return frame.select(
        pl.col(name).cast(pl.String) if name in frame.columns else pl.lit(None, pl.String).alias(name)
        for name in spec.column_names
    )


def _check_arguments(*, accounts: int, seed: int, file_format: str, chunk_rows: int) -> None:
    if not 1 <= accounts <= MAX_ACCOUNTS:
        raise SynthError(
            f"accounts must be within 1..{MAX_ACCOUNTS:,}, got {accounts:,}",
            f"账户数必须在 1 到 {MAX_ACCOUNTS:,} 之间，实际为 {accounts:,}",
        )
    if seed < 0:
        raise SynthError(f"seed must be 0 or more, got {seed}", f"随机种子不能为负数，实际为 {seed}")
    if file_format not in ("csv", "parquet"):
        raise SynthError(
            f'file format must be "csv" or "parquet", got {file_format!r}',
            f'文件格式必须为 "csv" 或 "parquet"，实际为 {file_format!r}',
        )
    if chunk_rows < 1:
        raise SynthError(
            f"chunk_rows must be 1 or more, got {chunk_rows}", f"每批账户数必须大于 0，实际为 {chunk_rows}"
        )


def _prepare_directory(out: Path, file_format: str) -> None:
    """Removes an old manifest; refuses files of the other format (the importer would read those)."""
    other = "parquet" if file_format == "csv" else "csv"
    clashes = [out / f"{name}.{other}" for name in _SPECS if (out / f"{name}.{other}").exists()]
    if clashes:
        raise SynthError(
            f"{out} already holds {clashes[0].name}; use an empty directory for a {file_format} extract",
            f"{out} 中已有 {clashes[0].name}；请为 {file_format} 数据包使用空目录",
        )
    (out / MANIFEST).unlink(missing_ok=True)


class _Writer:
    """Appends chunks to the extract files; as a context manager it closes every file on the way out."""

    def __init__(self, *, out: Path, file_format: FileFormat) -> None:
        self._out = out
        self._format = file_format
        self._stack = ExitStack()
        self._csv: dict[str, BinaryIO] = {}
        self._parquet: dict[str, pq.ParquetWriter] = {}

    def __enter__(self) -> _Writer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def write(self, name: str, frame: pl.DataFrame) -> None:
        """Appends ``frame`` to file ``name``; the first call per file creates it (CSV: with the header)."""
        path = self._out / f"{name}.{self._format}"
        if self._format == "csv":
            first = name not in self._csv
            if first:
                self._csv[name] = self._stack.enter_context(path.open("wb"))
            frame.write_csv(self._csv[name], include_header=first)
            return
        schema = pa.schema([(column, pa.string()) for column in frame.columns])
        if name not in self._parquet:
            self._parquet[name] = self._stack.enter_context(
                pq.ParquetWriter(path, schema, compression="zstd")
            )
        if frame.height:
            self._parquet[name].write_table(frame.to_arrow().cast(schema))
