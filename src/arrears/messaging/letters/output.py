"""The print house's files for one batch of a day's letters, in one output folder:

    letters-YYYY-MM-DD.pdf      every letter, in sequence (the merged file to print)
    letters-YYYY-MM-DD/000001.pdf  each letter's own PDF (the manifest's sha256 is of these bytes)
    manifest.csv                one row per letter rendered
    skipped.csv                 one row per letter not rendered, with the reason

Everything is written in a hidden staging folder first and moved into place at the end, so a batch is
there whole or not at all; a folder that already holds a batch's files is refused (nothing is ever
overwritten). The files hold names and addresses: they are created readable by their owner only.
"""

from __future__ import annotations

import csv
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import BinaryIO

from arrears.messaging.letters import rules
from arrears.messaging.letters.errors import OutputExists
from arrears.messaging.letters.pdfmerge import MergedPdf, Relocatable

ENCODING = "utf-8-sig"  # with a BOM: spreadsheet programs then read the Chinese right


@dataclass(frozen=True, slots=True)
class BatchPaths:
    folder: Path
    merged: Path
    letters: Path
    manifest: Path
    skipped: Path

    @classmethod
    def of(cls, out_dir: Path, run_date: date) -> BatchPaths:
        stem = f"letters-{run_date.isoformat()}"
        return cls(out_dir, out_dir / f"{stem}.pdf", out_dir / stem, out_dir / "manifest.csv",
                   out_dir / "skipped.csv")  # fmt: skip

    def existing(self) -> list[Path]:
        return [path for path in (self.merged, self.letters, self.manifest, self.skipped) if path.exists()]


def _private(path: Path) -> BinaryIO:
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")


def refuse_existing(paths: BatchPaths) -> None:
    found = paths.existing()
    if found:
        names = ", ".join(path.name for path in found)
        raise OutputExists(
            f"{paths.folder} already holds a batch ({names}); nothing is overwritten: choose another "
            "folder (--out)",
            f"{paths.folder} 中已有一批信函（{names}）；不会覆盖，请另选输出目录（--out）",
        )


class BatchOutput:
    """The batch being written (see the module doc); :meth:`finish` moves it into place."""

    def __init__(self, *, out_dir: Path, run_date: date) -> None:
        self.final = BatchPaths.of(out_dir, run_date)
        refuse_existing(self.final)
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".letters-{run_date.isoformat()}.", dir=out_dir))
        self.staging = BatchPaths.of(staging, run_date)
        self.staging.letters.mkdir(mode=0o700)
        self._handle = _private(self.staging.merged)
        self._merged = MergedPdf(self._handle)
        self.entries: list[rules.ManifestEntry] = []

    def letter_path(self, sequence: int) -> Path:
        return self.staging.letters / f"{sequence:06d}.pdf"

    def relative(self, sequence: int) -> str:
        return f"{self.final.letters.name}/{sequence:06d}.pdf"

    @property
    def pages(self) -> int:
        """The merged file's pages so far."""
        return self._merged.pages

    def add(self, merged: Relocatable) -> None:
        """Appends letters' pages to the merged file."""
        self._merged.add(merged)

    def finish(self, *, skipped: Sequence[list[str]]) -> BatchPaths:
        """Closes the merged file, writes the lists and moves the batch into place."""
        self._merged.close()
        self._handle.close()
        _write_csv(
            self.staging.manifest, rules.MANIFEST_COLUMNS, [rules.manifest_row(e) for e in self.entries]
        )
        _write_csv(self.staging.skipped, rules.SKIPPED_COLUMNS, skipped)
        refuse_existing(self.final)
        targets = (
            (self.staging.letters, self.final.letters), (self.staging.merged, self.final.merged),
            (self.staging.manifest, self.final.manifest), (self.staging.skipped, self.final.skipped),
        )  # fmt: skip
        for source, target in targets:
            os.replace(source, target)
        shutil.rmtree(self.staging.folder, ignore_errors=True)
        return self.final

    def abort(self) -> None:
        self._handle.close()
        shutil.rmtree(self.staging.folder, ignore_errors=True)


def _write_csv(path: Path, header: Sequence[str], rows: Sequence[list[str]]) -> None:
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding=ENCODING,
                   newline="") as handle:  # fmt: skip
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


@contextmanager
def batch_output(*, out_dir: Path, run_date: date) -> Iterator[BatchOutput]:
    """A batch that is removed again when the block raises."""
    batch = BatchOutput(out_dir=out_dir, run_date=run_date)
    try:
        yield batch
    except BaseException:
        batch.abort()
        raise
