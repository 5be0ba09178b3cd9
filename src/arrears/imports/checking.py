"""Checking an extract: every file read once, batch by batch, and every problem listed.

``scan`` reads the files and applies the row checks; it never touches the store, so it can run
ahead in a background thread and also prepare each batch for loading. ``Checker`` consumes what
``scan`` yields and adds the checks that need a whole file or the store: duplicate keys within a
file and references to a customer or account that is neither in the extract nor in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import polars as pl

from arrears.imports.extract_format import FileSpec
from arrears.imports.problems import Problem, ProblemLog
from arrears.imports.reader import FileBroken, iter_batches
from arrears.imports.source import ExtractSource, Progress
from arrears.imports.validate import collect_problems, row_checks

KnownInStore = Callable[[str, Sequence[str]], set[str]]
"""(customers|accounts, natural keys) -> the keys that exist in the store already."""
Prepare = Callable[[FileSpec, pl.DataFrame], object]
"""Work done on each batch in the scanning thread (the loader turns text into store rows)."""

_PARENT = {
    "accounts": ("customer_id", "customers"),
    "statements": ("account_id", "accounts"),
    "payments": ("account_id", "accounts"),
    "transactions": ("account_id", "accounts"),
}
_PARENT_LABEL = {"customers": "customer", "accounts": "account"}
_NO_PROBLEMS = 1 << 30  # room for row problems found in the scanning thread


@dataclass(frozen=True, slots=True)
class CheckedBatch:
    spec: FileSpec
    file: str
    rows: int
    keys: pl.DataFrame  # key and parent columns with the row number ``_row``
    problems: list[Problem]
    problem_total: int
    prepared: object  # what ``prepare`` returned, None without it


@dataclass(frozen=True, slots=True)
class FileEnd:
    spec: FileSpec
    file: str
    broken: Problem | None


def _key_columns(spec: FileSpec) -> list[str]:
    parent = [_PARENT[spec.name][0]] if spec.name in _PARENT else []
    return list(dict.fromkeys([*spec.key, *parent]))


def scan(
    source: ExtractSource, *, batch_rows: int, prepare: Prepare | None = None, room: int = 10_000
) -> Iterator[CheckedBatch | FileEnd]:
    """Each batch of each file with its row problems (and ``prepare``'s result), then a FileEnd."""
    for spec, path in source.spec_paths():
        checks = row_checks(spec, columns=source.headers[spec.name], as_of=source.as_of)
        wanted = _key_columns(spec)
        try:
            for batch in iter_batches(path, batch_rows=batch_rows):
                found, total = collect_problems(
                    batch.frame, file=path.name, first_row=batch.first_row, checks=checks, room=room
                )
                keys = batch.frame.select(wanted).with_row_index("_row", offset=batch.first_row)
                prepared = prepare(spec, batch.frame) if prepare is not None and total == 0 else None
                yield CheckedBatch(spec, path.name, batch.frame.height, keys, found, total, prepared)
        except FileBroken as broken:
            yield FileEnd(spec, path.name, broken.problem)
            continue
        yield FileEnd(spec, path.name, None)


@dataclass(slots=True)
class Checker:
    """Collects the problems of one extract as ``scan``'s output is fed to it, in order."""

    problems: ProblemLog
    known_in_store: KnownInStore
    progress: Progress
    rows: dict[str, int] = field(default_factory=dict)
    _parts: list[pl.DataFrame] = field(default_factory=list)
    _parents: dict[str, pl.Series] = field(default_factory=dict)

    def feed(self, item: CheckedBatch | FileEnd) -> None:
        if isinstance(item, CheckedBatch):
            self.problems.extend(item.problems)
            self.problems.total += item.problem_total - len(item.problems)
            self._parts.append(item.keys)
            self.rows[item.spec.name] = self.rows.get(item.spec.name, 0) + item.rows
            self.progress(item.file, item.rows)
            return
        parts, self._parts = self._parts, []
        if item.broken is not None:
            self.problems.add(item.broken)
            self.rows.pop(item.spec.name, None)
            return
        self._file_checks(item.spec, item.file, parts)

    def _file_checks(self, spec: FileSpec, name: str, parts: list[pl.DataFrame]) -> None:
        schema = {"_row": pl.UInt32, **dict.fromkeys(_key_columns(spec), pl.String)}
        keys = pl.concat(parts) if parts else pl.DataFrame(schema=schema)
        self.rows.setdefault(spec.name, 0)
        if keys.height == 0 and not spec.may_be_empty:
            self.problems.add(Problem(name, None, None, "has a header but no rows"))
        _duplicates(spec, name, keys, self.problems)
        # a file that could not be read leaves its children unchecked: their references are unknown
        if spec.name in _PARENT and _PARENT[spec.name][1] in self._parents:
            _references(spec.name, name, keys, self._parents, self.known_in_store, self.problems)
        if spec.name in _PARENT_LABEL:
            self._parents[spec.name] = keys[spec.key[0]]


def check_extract(
    source: ExtractSource,
    *,
    problems: ProblemLog,
    known_in_store: KnownInStore,
    batch_rows: int,
    progress: Progress,
) -> Checker:
    """Checks the whole extract without writing anything; the problems go to ``problems``."""
    checker = Checker(problems, known_in_store, progress)
    for item in scan(source, batch_rows=batch_rows, room=problems.limit):
        checker.feed(item)
    return checker


def _duplicates(spec: FileSpec, name: str, keys: pl.DataFrame, problems: ProblemLog) -> None:
    present = keys.drop_nulls(list(spec.key))
    first = present.group_by(list(spec.key)).agg(pl.col("_row").min().alias("_first"))
    repeats = present.join(first, on=list(spec.key)).filter(pl.col("_row") != pl.col("_first")).sort("_row")
    label = ", ".join(spec.key)
    for record in repeats.iter_rows(named=True):
        value = " / ".join(str(record[column]) for column in spec.key)
        problems.add(
            Problem(name, record["_row"], label, f'duplicate "{value}" (first at row {record["_first"]:,})')
        )


def _references(
    spec_name: str,
    name: str,
    keys: pl.DataFrame,
    parents: dict[str, pl.Series],
    known_in_store: KnownInStore,
    problems: ProblemLog,
) -> None:
    column, parent = _PARENT[spec_name]
    orphans = keys.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(parents[parent].implode()))
    if orphans.is_empty():
        return
    stored = known_in_store(parent, orphans[column].unique().to_list())
    unknown = orphans.filter(~pl.col(column).is_in(list(stored))).sort("_row")
    label = _PARENT_LABEL[parent]
    for record in unknown.iter_rows(named=True):
        problems.add(
            Problem(
                name,
                record["_row"],
                column,
                f'{label} "{record[column]}" is not in {parent} nor in the store',
            )
        )
