"""Hand-over files (移交文件): one CSV per agency per placement batch, with the least an agency needs to
work the accounts, masked (the rulebook's agency placement entry point allows masked data only):

- ``placement_ref``: the placement (``P`` and its id), which the agency quotes back;
- ``account_ref``: the account number's last four digits;
- ``name_masked``, ``national_id_masked``: enough to greet the cardholder and to check who answers;
- ``phone_masked``, ``contact_ref``: the mobile, masked, and the reference of the contact point the
  agency dials through the bank's platform (the number itself never leaves the bank);
- ``region``, ``bucket``, ``dpd``, ``overdue_fen``, ``balance_fen``: the debt on the batch's run date
  (its delinquency snapshot; the account's figures when there is none), in fen;
- ``placed_on``, ``ends_on``: the placement period.

A file lies under the data directory (``handover/batch-NNNNNN/<agency>.csv``, UTF-8 with a BOM so
spreadsheets read the Chinese, mode 0600), its SHA-256 and row count in ``handover_file``. Reading it
back checks the SHA-256; a file missing or that fails is written again from the batch's placements
(the same rows, so usually the same bytes) and its new checksum recorded, audited.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby
from operator import attrgetter
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from arrears.agencies.placement_repository import PlacementRepository
from arrears.agencies.placement_rules import FAILED, MISSING, OK
from arrears.audit.repository import AuditLog
from arrears.kit.masking import mask_name
from arrears.messaging.letters.rules import as_text_cell

COLUMNS = (
    "placement_ref", "account_ref", "name_masked", "national_id_masked", "phone_masked", "contact_ref",
    "region", "bucket", "dpd", "overdue_fen", "balance_fen", "placed_on", "ends_on",
)  # fmt: skip
ENCODING = "utf-8-sig"  # with a BOM: spreadsheet programs then read the Chinese right
FOLDER = "handover"
SUBJECT = "placement_batch"


@dataclass(frozen=True, slots=True)
class ReadBack:
    """A hand-over file read back: its bytes, its name and whether it had to be written again."""

    content: bytes
    name: str
    state: str  # what was found: ok, missing or failed (then written again)
    rows: int


def folder(batch_id: int) -> str:
    return f"{FOLDER}/batch-{batch_id:06d}"


def relative_path(batch_id: int, agency_code: str) -> str:
    """Where the agency's file of the batch lies, relative to the data directory (agency codes are
    letters, digits, - and _: a plain file name)."""
    return f"{folder(batch_id)}/{agency_code}.csv"


def file_rows(rows: Sequence[Any]) -> list[list[str]]:
    """The CSV rows (no header) of placements as :meth:`PlacementRepository.handover_rows` reads them (its
    columns, in its order)."""
    found, days = [], {}
    for (
        _,
        ref,
        placed,
        ends,
        tail,
        name,
        national_id,
        region,
        phone,
        phone_id,
        overdue,
        balance,
        dpd,
        bucket,
    ) in rows:
        for day in (placed, ends):
            if day not in days:
                days[day] = day.isoformat()
        found.append([
            f"P{ref}", f"****{tail}" if tail else "", as_text_cell(mask_name(name or "")),
            as_text_cell(national_id or ""), "" if phone is None else as_text_cell(phone),
            "" if phone is None else f"CP{phone_id}", as_text_cell(region or ""), bucket, str(dpd),
            str(overdue), str(balance), days[placed], days[ends],
        ])  # fmt: skip
    return found


def render(rows: Sequence[Sequence[str]]) -> bytes:
    """The file's bytes: a header, then the rows."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue().encode(ENCODING)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _content(rows: Sequence[Any]) -> bytes:
    return render(file_rows(rows))


def _write(target: Path, content: bytes) -> None:
    """``content`` at ``target`` whole or not at all (a private temporary file, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_files(
    connection: Connection, *, batch_id: int, data_dir: Path, now: datetime
) -> list[dict[str, Any]]:
    """The batch's files, one per agency that took accounts, written and recorded. Whatever lay in the
    batch's folder before (a batch whose transaction did not commit) is removed first."""
    repository = PlacementRepository(connection)
    shutil.rmtree(data_dir / folder(batch_id), ignore_errors=True)
    written = []
    for code, placed in groupby(repository.handover_rows(batch_id), key=attrgetter("agency_code")):
        rows = list(placed)
        content, path = _content(rows), relative_path(batch_id, code)
        _write(data_dir / path, content)
        values = {"batch_id": batch_id, "agency_code": code, "path": path, "sha256": sha256(content),
                  "rows": len(rows), "created_at": now}  # fmt: skip
        written.append(values | {"id": repository.add_file(values)})
    return written


def state(data_dir: Path, record: Mapping[str, Any]) -> str:
    """``ok`` when the file is there with its recorded SHA-256, ``missing`` or ``failed`` otherwise."""
    path = data_dir / str(record["path"])
    if not path.is_file():
        return MISSING
    return OK if sha256(path.read_bytes()) == record["sha256"] else FAILED


def read_back(
    connection: Connection, *, batch_id: int, file_id: int, data_dir: Path, actor: str, now: datetime
) -> ReadBack:
    """The file's bytes once its SHA-256 checks; a file missing or failing is written again from the
    batch's placements, its checksum recorded anew and the repair audited (``agency.handover_rewritten``).
    NotFound for no such file in the batch. The caller audits the download itself."""
    repository = PlacementRepository(connection)
    record = repository.file(batch_id, file_id)
    path = data_dir / str(record["path"])
    name = Path(str(record["path"])).name
    found = state(data_dir, record)
    if found == OK:
        return ReadBack(path.read_bytes(), name, OK, int(record["rows"]))
    rows = repository.handover_rows(batch_id, str(record["agency_code"]))
    content, count = _content(rows), len(rows)
    _write(path, content)
    digest = sha256(content)
    repository.rewrite_file(file_id, sha256=digest, rows=count)
    details = {"batch_id": batch_id, "file_id": file_id, "agency_code": record["agency_code"], "found": found,
               "sha256_before": record["sha256"], "sha256": digest, "same": digest == record["sha256"],
               "rows": count}  # fmt: skip
    AuditLog(connection).append(at=now, actor=actor, action="agency.handover_rewritten", subject_type=SUBJECT,
                                subject_id=str(batch_id), details=details)  # fmt: skip
    return ReadBack(content, name, found, count)
