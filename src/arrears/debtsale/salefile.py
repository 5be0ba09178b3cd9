"""The buyer's file of a sale: one CSV row per account sold with what the buyer needs to collect it (a
transfer of the creditor's rights: the cardholder in clear, the account, the amounts at the cut-off and
now, the payments since). Written under the data directory (``debt-sale/sale-<id>.csv``, readable by its
owner only, UTF-8 with a byte-order mark), its SHA-256 kept with the sale and checked on every read."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from arrears.debtsale import rules
from arrears.debtsale.repository import SaleRepository
from arrears.kit.crypto import FieldCipher
from arrears.kit.errors import ArrearsError
from arrears.kit.inputs import LAST_DAY

FOLDER = "debt-sale"


class SaleFileMismatch(ArrearsError):
    """The sale file on disk is missing or no longer matches the checksum taken when it was written."""


def relative_path(sale_id: int) -> str:
    return f"{FOLDER}/sale-{sale_id}.csv"


def file_bytes(
    connection: Connection, *, sale_id: int, cutoff: date, cipher: FieldCipher
) -> tuple[bytes, int]:
    """The file's bytes and its row count (the sale's accounts, by account number)."""
    repository = SaleRepository(connection)
    rows = repository.file_rows(sale_id)
    accounts = [int(row["account_id"]) for row in rows]
    points = repository.points([int(row["customer_id"]) for row in rows])
    paid = repository.payments_before(
        accounts, since=date.fromordinal(cutoff.toordinal() + 1), until=LAST_DAY
    )
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(rules.FILE_COLUMNS)
    for row in rows:
        writer.writerow(rules.file_row(sale_id, _clear(row, cipher, paid.get(row["account_id"], [])),
                                       _values(points.get(row["customer_id"], []), cipher)))  # fmt: skip
    return ("\ufeff" + text.getvalue()).encode("utf-8"), len(rows)


def _clear(row: dict[str, Any], cipher: FieldCipher, paid: list[tuple[date, int]]) -> dict[str, Any]:
    """The row with the national ID and employer decrypted and the last payment since the cut-off."""
    last = max((day for day, fen in paid if fen > 0), default=None)
    return row | {
        "national_id": cipher.decrypt(row["national_id_enc"]),
        "employer": cipher.decrypt(row["employer_enc"]) if row["employer_enc"] is not None else "",
        "last_payment_date": last,
        "last_payment_fen": sum(fen for day, fen in paid if day == last) if last else None,
    }


def _values(points: list[dict[str, Any]], cipher: FieldCipher) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for point in points:
        found[point["kind"]].append(cipher.decrypt(point["value_enc"]))
    return found


def write(data_dir: Path, sale_id: int, body: bytes) -> tuple[str, str]:
    """Writes the file (a temporary file moved into place: whole or not at all; a file left by a sale
    whose approval rolled back is replaced), readable by its owner only; its relative path and SHA-256."""
    relative = relative_path(sale_id)
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(body)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staging, target)
    return relative, hashlib.sha256(body).hexdigest()


def read_checked(data_dir: Path, *, relative: str, sha256: str) -> bytes:
    """The file's bytes, read back and checked against its SHA-256; SaleFileMismatch otherwise."""
    try:
        body = (data_dir / relative).read_bytes()
    except OSError:
        raise SaleFileMismatch(
            f"the sale file {relative} is missing", f"转让文件 {relative} 不存在"
        ) from None
    if hashlib.sha256(body).hexdigest() != sha256:
        raise SaleFileMismatch(
            f"the sale file {relative} does not match the checksum taken when it was written: it was changed",
            f"转让文件 {relative} 与生成时的校验值不符：文件已被改动",
        )
    return body
