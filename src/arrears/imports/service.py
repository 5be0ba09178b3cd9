"""Import of a bank extract: check everything, then write everything, in the caller's transaction.

Nothing is written when any problem is found. Importing the same extract again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, insert

from arrears.accounts.repository import DelinquencyRepository
from arrears.accounts.service import SnapshotResult, refresh_delinquency
from arrears.debtsale.forwards import flag_forwards
from arrears.imports.extract_format import FORMAT_VERSION
from arrears.imports.loading import load_extract
from arrears.imports.problems import ExtractRejected, Problem, ProblemLog
from arrears.imports.repository import extract_loader
from arrears.imports.source import Progress, no_progress, open_extract
from arrears.kit.crypto import FieldCipher
from arrears.models import ImportRun


@dataclass(frozen=True, slots=True)
class ImportReport:
    as_of: date
    rows: dict[str, int]  # rows read per file
    written: dict[str, int]  # rows inserted or changed per table
    snapshot: SnapshotResult

    @property
    def changed_anything(self) -> bool:
        return any(self.written.values()) or self.snapshot.written > 0


def import_extract(
    connection: Connection,
    directory: Path,
    *,
    as_of: date,
    cipher: FieldCipher,
    now: datetime,
    source_label: str = "extract",
    batch_rows: int = 100_000,
    progress: Progress = no_progress,
    total_rows: int = 0,
) -> ImportReport:
    """Checks and imports the extract in ``directory``; raises ExtractRejected listing every problem."""
    problems = ProblemLog()
    # the files' checksum (recorded with the run) is computed alongside the load
    checksum = ThreadPoolExecutor(max_workers=1, thread_name_prefix="checksum")
    checksum_of_files = checksum.submit(extract_checksum, directory)
    checksum.shutdown(wait=False)
    _refuse_going_back(connection, as_of, problems)
    source = open_extract(directory, as_of=as_of, problems=problems)
    loader = extract_loader(connection)
    loaded = load_extract(
        loader,
        source,
        problems=problems,
        progress=progress,
        cipher=cipher,
        now=now,
        batch_rows=batch_rows,
        total_rows=total_rows,
    )
    loader.drop_staging()
    if problems:
        raise ExtractRejected(problems)  # the caller's transaction rolls back what was written
    flag_forwards(connection, now=now)  # the extract's payments on sold accounts: the buyer's (debt sale)
    snapshot = refresh_delinquency(connection, as_of=as_of)
    report = ImportReport(as_of=as_of, rows=loaded.rows, written=loaded.written, snapshot=snapshot)
    _record_run(connection, source_label, checksum_of_files.result(), report, now)
    return report


def _refuse_going_back(connection: Connection, as_of: date, problems: ProblemLog) -> None:
    latest = DelinquencyRepository(connection).latest_import_date()
    if latest is not None and as_of < latest:
        problems.add(
            Problem(
                "--as-of", None, None, f"{as_of} is before the last import ({latest}); dates only go forward"
            )
        )


def extract_checksum(directory: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in directory.iterdir() if p.is_file()):
        digest.update(path.name.encode())
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def _record_run(
    connection: Connection, label: str, checksum: str, report: ImportReport, now: datetime
) -> None:
    """Records the run, unless it changed nothing and the same files were imported for that date before."""
    repeated = DelinquencyRepository(connection).has_import(checksum=checksum, as_of=report.as_of)
    if repeated and not report.changed_anything:
        return
    counts = {"rows": report.rows, "written": report.written, "snapshot_written": report.snapshot.written}
    connection.execute(
        insert(ImportRun).values(
            source=label,
            as_of_date=report.as_of,
            format_version=FORMAT_VERSION,
            checksum=checksum,
            counts=json.dumps(counts, sort_keys=True),
            finished_at=now,
        )
    )
