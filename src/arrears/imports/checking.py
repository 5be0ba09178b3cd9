"""The checking pass: reads every file once, batch by batch, and lists every problem.

Besides the per-row checks it finds duplicate keys within a file and references to a customer or
account that is neither in the extract nor in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from arrears.imports.extract_format import FileSpec
from arrears.imports.problems import Problem, ProblemLog
from arrears.imports.reader import FileBroken, iter_batches
from arrears.imports.source import ExtractSource, Progress
from arrears.imports.validate import collect_problems, row_checks

KnownInStore = Callable[[str, Sequence[str]], set[str]]
"""(customers|accounts, natural keys) -> the keys that exist in the store already."""

_PARENT = {
    "accounts": ("customer_id", "customers"),
    "statements": ("account_id", "accounts"),
    "payments": ("account_id", "accounts"),
    "transactions": ("account_id", "accounts"),
}
_PARENT_LABEL = {"customers": "customer", "accounts": "account"}


@dataclass(slots=True)
class CheckResult:
    problems: ProblemLog
    rows: dict[str, int] = field(default_factory=dict)


def check_extract(
    source: ExtractSource,
    *,
    problems: ProblemLog,
    known_in_store: KnownInStore,
    batch_rows: int,
    progress: Progress,
) -> CheckResult:
    result = CheckResult(problems)
    keys: dict[str, pl.Series] = {}
    # a file that could not be read leaves its children unchecked: their references are unknown
    for spec, path in source.spec_paths():
        frames = _scan_file(spec, path, source, problems, batch_rows, progress)
        if frames is None:
            continue
        key_frame, rows = frames
        result.rows[spec.name] = rows
        if rows == 0 and not spec.may_be_empty:
            problems.add(Problem(path.name, None, None, "has a header but no rows"))
        _duplicates(spec, path.name, key_frame, problems)
        if spec.name in _PARENT and _PARENT[spec.name][1] in keys:
            _references(spec.name, path.name, key_frame, keys, known_in_store, problems)
        if spec.name in _PARENT_LABEL:
            keys[spec.name] = key_frame[spec.key[0]]
    return result


def _scan_file(
    spec: FileSpec,
    path: Path,
    source: ExtractSource,
    problems: ProblemLog,
    batch_rows: int,
    progress: Progress,
) -> tuple[pl.DataFrame, int] | None:
    checks = row_checks(spec, columns=source.headers[spec.name], as_of=source.as_of)
    wanted = list(dict.fromkeys([*spec.key, *([_PARENT[spec.name][0]] if spec.name in _PARENT else [])]))
    parts: list[pl.DataFrame] = []
    rows = 0
    try:
        for batch in iter_batches(path, batch_rows=batch_rows):
            found, total = collect_problems(
                batch.frame, file=path.name, first_row=batch.first_row, checks=checks, room=problems.room
            )
            problems.extend(found)
            problems.total += total - len(found)
            parts.append(batch.frame.select(wanted).with_row_index("_row", offset=batch.first_row))
            rows += batch.frame.height
            progress(path.name, batch.frame.height)
    except FileBroken as broken:
        problems.add(broken.problem)
        return None
    schema = {"_row": pl.UInt32, **dict.fromkeys(wanted, pl.String)}
    return (pl.concat(parts) if parts else pl.DataFrame(schema=schema)), rows


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
    in_extract = parents.get(parent, pl.Series(column, [], dtype=pl.String))
    orphans = keys.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(in_extract.implode()))
    if orphans.is_empty():
        return
    missing_values = orphans[column].unique().to_list()
    stored = known_in_store(parent, missing_values)
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
