"""Letters benchmark: N letters rendered, merged and listed (``arrears letters render``), target 10,000
in at most 120 s on the 2-core reference machine.

    .venv/bin/python benchmarks/letters_bench.py                      # 10,000 letters, SQLite
    .venv/bin/python benchmarks/letters_bench.py --letters 2000 --workers 1
    .venv/bin/python benchmarks/letters_bench.py --alternatives 300   # also time three other ways

The book is a synthetic extract (``arrears synth extract``, seed 7: Chinese names and mailing
addresses) imported into a fresh SQLite database in a temporary folder; one letter message (template
demand) is queued for each account with a mailing address, up to N. Only the rendering is
timed: reading the messages, the rulebook's re-check, filling the template, typesetting (ten letters
to a Typst document, A4, Noto Sans CJK embedded, a QR code each), cutting each letter's own PDF out
and taking its digest, appending the pages to the merged PDF, writing manifest.csv and skipped.csv,
and marking the messages sent (committed). CPU seconds count this process and its typesetting
workers: on a busy machine they say what the time would be on a quiet one.

``--alternatives K`` then times K letters in one process four ways: this one; one Typst document per
letter (its own PDF straight from Typst) with the same streamed merge; one document per letter merged
with pypdf's PdfWriter (every page held in memory until written); and one Typst document holding
every letter (no per-letter PDF, so no per-letter digest).
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from arrears import migrate
from arrears.config import Settings
from arrears.db import make_engine
from arrears.imports.service import import_extract
from arrears.imports.synth import synth_extract
from arrears.kit.crypto import FieldCipher
from arrears.messaging.letters import render_letters
from arrears.models import CardAccount, ContactPoint, OutboxMessage, table_of

DAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 1, tzinfo=UTC)
KEY = bytes(range(32))
ADDRESS_KINDS = ("home_address", "work_address")


def _book(engine: Engine, folder: Path, *, letters: int, cipher: FieldCipher) -> int:
    """Imports a synthetic extract and queues a letter for each account with a mailing address."""
    extract = folder / "extract"
    synth_extract(accounts=int(letters * 1.3) + 50, seed=7, out=extract, as_of=DAY, file_format="csv")
    migrate.upgrade(engine)
    a, p = table_of(CardAccount), table_of(ContactPoint)
    addressed = (
        select(a.c.id, a.c.customer_id)
        .where(a.c.customer_id.in_(select(p.c.customer_id).where(p.c.kind.in_(ADDRESS_KINDS))))
        .order_by(a.c.id)
        .limit(letters)
    )
    with engine.begin() as connection:
        import_extract(connection, extract, as_of=DAY, cipher=cipher, now=NOW)
        rows = [_message(row.id, row.customer_id) for row in connection.execute(addressed)]
        connection.execute(insert(table_of(OutboxMessage)), rows)
    return len(rows)


def _message(account_id: int, customer_id: int) -> dict[str, Any]:
    return {
        "idempotency_key": f"bench:{DAY}:letter:{account_id}", "channel": "letter", "source": "run",
        "account_id": account_id, "customer_id": customer_id, "run_date": DAY, "template": "demand",
        "locale": "zh", "created_at": NOW, "not_before": NOW, "deadline_at": NOW + timedelta(hours=15),
        "status": "queued", "next_attempt_at": NOW,
    }  # fmt: skip


def _sample_documents(count: int) -> list[dict[str, Any]]:
    """Letters like the book's (a body as long as the demand letter's), for the alternatives."""
    from arrears.messaging.letters.layout import Bank, LetterInput, document
    from arrears.messaging.letters.rules import Owed

    bank = Bank("示例银行", "示例市示例区示例路 1 号 信用卡中心", "400-000-0000")
    body = (
        "尊敬的持卡人：\n\n"
        + "您的信用卡已逾期，请尽快还款。" * 40
        + "\n\n【金融知识提示】逾期记录将报送征信系统。"
    )
    letters = [
        LetterInput(
            letter_id=f"letters-{DAY}#{n:06d}",
            locale="zh",
            bank=bank,
            recipient=f"张{n}",
            address=f"广东省中山市石岐区悦来南路{n}号",
            card_masked="6222 **** **** 0001",
            account_tail="0001",
            letter_date=DAY,
            deadline=DAY,
            owed=Owed(1_234_567, 45_600, 5_000, 321_000),
            title=None,
            body=body,
            educated=True,
            pay_url=f"https://bank.example/my/pay?ref=L{n}.0123456789abcdef",
            pay_ref=f"L{n}.0123456789abcdef",
        )
        for n in range(1, count + 1)
    ]
    return [document(letter, font="Noto Sans CJK SC") for letter in letters]


def _alternatives(count: int, *, font_dir: Path, folder: Path) -> None:
    """``count`` letters typeset four ways in this process (see the module doc)."""
    import pypdf

    from arrears.messaging.letters.layout import with_qr
    from arrears.messaging.letters.pdfmerge import MergedPdf, relocatable
    from arrears.messaging.letters.pool import CHUNK
    from arrears.messaging.letters.typeset import Job, Typesetter

    setter = Typesetter(font_dir)
    documents = _sample_documents(count)
    sample = [with_qr(document) for document in documents]
    started, out = time.perf_counter(), io.BytesIO()
    merged = MergedPdf(out)
    jobs = [Job(n, document, str(folder / f"{n:06d}.pdf"), DAY) for n, document in enumerate(documents)]
    for start in range(0, count, CHUNK):
        for part in setter.typeset(jobs[start : start + CHUNK]).merged:
            merged.add(part)
    merged.close()
    _said(f"{CHUNK} letters to a document, cut into their own PDFs (this way)", started, count, out)
    started, out = time.perf_counter(), io.BytesIO()
    merged = MergedPdf(out)
    for document in sample:
        merged.add(relocatable(setter.pdf([document], letter_date=DAY)))
    merged.close()
    _said("one document per letter, streamed merge", started, count, out)
    started, out = time.perf_counter(), io.BytesIO()
    writer = pypdf.PdfWriter()
    for document in sample:
        writer.append(pypdf.PdfReader(io.BytesIO(setter.pdf([document], letter_date=DAY))))
    writer.write(out)
    _said("one document per letter, pypdf PdfWriter merge", started, count, out)
    started = time.perf_counter()
    whole = io.BytesIO(setter.pdf(sample, letter_date=DAY))
    _said("one document for every letter (no per-letter PDF)", started, count, whole)


def _said(way: str, started: float, count: int, out: io.BytesIO) -> None:
    each = (time.perf_counter() - started) / count
    size = len(out.getvalue()) / count / 1024
    print(f"  {way}: {each * 1000:.1f} ms a letter, merged file {size:.0f} KiB a letter")


def _cpu_seconds() -> tuple[float, float]:
    """CPU time (user and system) of this process and of its finished children (the typesetting workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def _render(engine: Engine, *, out: Path, folder: Path, cipher: FieldCipher, workers: int | None) -> None:
    settings = Settings(data_dir=folder)
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    with engine.begin() as connection:
        batch = render_letters(connection, run_date=DAY, out_dir=out, now=NOW, cipher=cipher,
                               settings=settings, workers=workers)  # fmt: skip
    seconds, cpu_after = time.perf_counter() - started, _cpu_seconds()
    main_cpu, worker_cpu = (after - before for after, before in zip(cpu_after, cpu_before, strict=True))
    assert batch.paths is not None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    figures = {
        "letters": len(batch.rendered), "skipped": len(batch.skipped), "pages": batch.pages,
        "seconds": round(seconds, 1), "letters_per_second": round(len(batch.rendered) / seconds, 1),
        "cpu_seconds": round(main_cpu + worker_cpu, 1), "main_cpu_seconds": round(main_cpu, 1),
        "merged_mib": round(batch.paths.merged.stat().st_size / 2**20, 1),
        "peak_rss_mib": round(rss), "worker_peak_rss_mib": round(worker_rss),
        "target": "10,000 letters in at most 120 s",
    }  # fmt: skip
    print(json.dumps(figures))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=None, help="typesetting processes (default: cores)")
    parser.add_argument("--alternatives", type=int, default=0, help="also time four ways on K letters")
    parser.add_argument("--keep", type=Path, default=None, help="render into this folder (kept) instead")
    options = parser.parse_args()
    cipher = FieldCipher(KEY)
    with tempfile.TemporaryDirectory(prefix="letters-bench-") as temporary:
        folder = Path(temporary)
        engine = make_engine(f"sqlite:///{folder / 'arrears.db'}")
        started = time.perf_counter()
        queued = _book(engine, folder, letters=options.letters, cipher=cipher)
        print(f"book: {queued:,} letters queued in {time.perf_counter() - started:.1f} s (not timed)")
        out = options.keep or folder / "print"
        _render(engine, out=out, folder=folder, cipher=cipher, workers=options.workers)
        if options.alternatives:
            (folder / "alternatives").mkdir()
            _alternatives(
                options.alternatives, font_dir=Settings().letter_font_dir, folder=folder / "alternatives"
            )
        engine.dispose()


if __name__ == "__main__":
    main()
