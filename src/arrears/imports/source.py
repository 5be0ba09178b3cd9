"""An extract directory: its manifest, which files it holds, and their headers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from arrears.imports.extract_format import FILES, FORMAT_NAME, FORMAT_VERSION, MANIFEST, FileSpec
from arrears.imports.problems import Problem, ProblemLog
from arrears.imports.reader import FileBroken, read_header

Progress = Callable[[str, int], None]
"""Called with (file name, rows just processed)."""


def no_progress(_file: str, _rows: int) -> None:
    return None


@dataclass(slots=True)
class ExtractSource:
    directory: Path
    as_of: date
    files: dict[str, Path] = field(default_factory=dict)  # spec name -> path, only files present
    headers: dict[str, list[str]] = field(default_factory=dict)

    def spec_paths(self) -> list[tuple[FileSpec, Path]]:
        return [(spec, self.files[spec.name]) for spec in FILES if spec.name in self.files]


def open_extract(directory: Path, *, as_of: date, problems: ProblemLog) -> ExtractSource:
    """Checks the manifest, which files are there and their headers; problems go to ``problems``."""
    source = ExtractSource(directory=directory, as_of=as_of)
    if not directory.is_dir():
        problems.add(Problem(str(directory), None, None, "is not a directory"))
        return source
    _check_manifest(directory / MANIFEST, as_of, problems)
    for spec in FILES:
        path = _find(directory, spec.name)
        if path is None:
            if spec.required:
                problems.add(Problem(f"{spec.name}.csv", None, None, "is missing (also looked for .parquet)"))
            continue
        try:
            header = read_header(path)
        except FileBroken as broken:
            problems.add(broken.problem)
            continue
        if _check_header(path.name, spec, header, problems):
            source.files[spec.name] = path
            source.headers[spec.name] = header
    return source


def _find(directory: Path, stem: str) -> Path | None:
    for suffix in (".csv", ".parquet"):
        candidate = directory / f"{stem}{suffix}"
        if candidate.exists():
            return candidate
    return None


def _check_manifest(path: Path, as_of: date, problems: ProblemLog) -> None:
    if not path.exists():
        problems.add(Problem(MANIFEST, None, None, f"is missing: an extract starts with {MANIFEST}"))
        return
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.add(Problem(MANIFEST, None, None, f"is not valid JSON ({exc})"))
        return
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        problems.add(Problem(MANIFEST, None, "format", f'must be "{FORMAT_NAME}"'))
        return
    if manifest.get("version") != FORMAT_VERSION:
        problems.add(
            Problem(MANIFEST, None, "version", f"{manifest.get('version')!r} is not supported (expected 1)")
        )
    stated = manifest.get("as_of")
    if stated is not None and stated != as_of.isoformat():
        problems.add(Problem(MANIFEST, None, "as_of", f"{stated} does not match --as-of {as_of.isoformat()}"))


def _check_header(name: str, spec: FileSpec, header: list[str], problems: ProblemLog) -> bool:
    ok = True
    for column, count in Counter(header).items():
        if count > 1:
            problems.add(Problem(name, 1, column, "appears more than once in the header"))
            ok = False
    for column in header:
        if column not in spec.column_names:
            problems.add(Problem(name, 1, column, f"is not a column of {spec.name} (format version 1)"))
            ok = False
    for wanted in spec.columns:
        if wanted.required and wanted.name not in header:
            problems.add(Problem(name, 1, wanted.name, "required column is missing"))
            ok = False
    return ok
