"""Rendering the day's letters for the print house (``arrears letters render``).

The daily run queues a letter message (outbox channel ``letter``) for each letter it decided. Rendering
takes the date's queued letters, re-checks each against the rulebook, fills its governed template,
typesets it (A4, embedded CJK font, a QR code to pay online) and writes the batch: the merged PDF, each
letter's own PDF, ``manifest.csv`` and ``skipped.csv`` (see :mod:`.output`). In the caller's
transaction each letter's message is marked ``sent`` (provider id ``letters-YYYY-MM-DD#000001``, the
address it went to, a contact recorded for the caps and cadences) or failed / cancelled / expired
with the reason.

Idempotent: a rendered letter is ``sent`` and never rendered again; rendering the date again renders
only letters queued since (numbered after the last), into another folder. ``reprint`` typesets the
date's rendered letters again, with their numbers, into a new folder (a lost or damaged print file):
statuses stay as they are and each gets a ``reprinted`` event.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection

from arrears.compliance.policy import Policy, load_policy
from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.messaging.letters import prepare, rules
from arrears.messaging.letters.layout import document
from arrears.messaging.letters.output import BatchOutput, BatchPaths, batch_output, refuse_existing
from arrears.messaging.letters.pool import default_workers, typeset_all
from arrears.messaging.letters.prepare import Chosen, Ready
from arrears.messaging.letters.repository import LetterRepository, LetterRow
from arrears.messaging.letters.rules import Skip
from arrears.messaging.letters.typeset import Job, LetterPdf, cjk_family
from arrears.messaging.repository import OutboxRepository, Settled


@dataclass(frozen=True, slots=True)
class LetterResult:
    """A letter rendered (no name or address: see the manifest)."""

    message_id: int
    sequence: int
    letter_id: str
    account_no: str
    pages: int
    first_page: int
    sha256: str


@dataclass(frozen=True, slots=True)
class SkippedLetter:
    message_id: int
    account_no: str
    skip: Skip


@dataclass(frozen=True, slots=True)
class LetterBatch:
    """What a rendering did: the files (None when there was nothing to render), the letters rendered
    in sequence, and those set aside with the reason."""

    run_date: date
    reprint: bool
    paths: BatchPaths | None = None
    rendered: list[LetterResult] = field(default_factory=list)
    skipped: list[SkippedLetter] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return sum(one.pages for one in self.rendered)


def render_letters(
    connection: Connection,
    *,
    run_date: date,
    out_dir: Path,
    now: datetime,
    cipher: FieldCipher,
    settings: Settings,
    policy: Policy | None = None,
    reprint: bool = False,
    workers: int | None = None,
) -> LetterBatch:
    """Renders the date's queued letters (or reprints its rendered ones) into ``out_dir`` and records
    what became of each message (see the module doc). FontMissing before anything is done when no CJK
    font is found; OutputExists when ``out_dir`` already holds a batch."""
    font = cjk_family(settings.letter_font_dir)
    refuse_existing(BatchPaths.of(out_dir, run_date))
    repository = LetterRepository(connection)
    rows = repository.letters(run_date=run_date, reprint=reprint)
    if not rows:
        return LetterBatch(run_date, reprint)
    chosen, skipped = _chosen(connection, rows, settings=settings, policy=policy, reprint=reprint, now=now)
    accounts = [one.row.message.account_id for one in chosen if one.row.message.account_id is not None]
    context = prepare.Context.of(
        settings=settings, run_date=run_date, cipher=cipher,
        due_dates=repository.due_dates(accounts, as_of=run_date),
        cases=repository.service_cases([one.row.message.id for one in chosen]),
        sales=repository.debt_sales([one.row.message.id for one in chosen]),
        legal=repository.legal_letters([one.row.message.id for one in chosen if one.row.legal_case_id]),
    )  # fmt: skip
    with batch_output(out_dir=out_dir, run_date=run_date) as output:
        ready = prepare.numbered(
            chosen, repository=repository, templates=prepare.Templates(connection), context=context,
            reprint=reprint, skipped=skipped,
        )  # fmt: skip
        rendered = _typeset(ready, output=output, font=font, settings=settings, workers=workers,
                            expected=len(chosen), skipped=skipped)  # fmt: skip
        _record(connection, rendered=rendered, skipped=skipped, now=now, reprint=reprint, output=output)
        paths = output.finish(skipped=[_skipped_row(row, skip) for row, skip in _in_order(skipped)])
    return LetterBatch(
        run_date, reprint, paths, [result for result, _ in rendered],
        [SkippedLetter(row.message.id, row.account_no or "", skip) for row, skip in _in_order(skipped)],
    )  # fmt: skip


def _chosen(
    connection: Connection, rows: Sequence[LetterRow], *, settings: Settings, policy: Policy | None,
    reprint: bool, now: datetime,
) -> tuple[list[Chosen], list[tuple[LetterRow, Skip]]]:  # fmt: skip
    """The letters with the address each goes to, re-checked by the rulebook (not a reprint: a copy of
    what was sent), and those set aside with the reason."""
    customers = [row.message.customer_id for row in rows if row.message.customer_id is not None]
    addresses = LetterRepository(connection).addresses(customers)
    chosen, skipped = prepare.choose_addresses(rows, addresses, reprint=reprint)
    if reprint:
        return chosen, skipped
    rulebook = policy or load_policy("cn")
    allowed, blocked = prepare.recheck(connection, chosen, policy=rulebook, zone=settings.timezone, now=now)
    return allowed, skipped + blocked


def _jobs(ready: Iterator[Ready], *, output: BatchOutput, font: str, kept: dict[int, Ready]) -> Iterator[Job]:
    for one in ready:
        kept[one.sequence] = one
        path = str(output.letter_path(one.sequence))
        yield Job(one.sequence, document(one.letter, font=font), path, one.letter.letter_date)


def _typeset(
    ready: Iterator[Ready], *, output: BatchOutput, font: str, settings: Settings, workers: int | None,
    expected: int, skipped: list[tuple[LetterRow, Skip]],
) -> list[tuple[LetterResult, Ready]]:  # fmt: skip
    """Typesets the letters in order, appending each to the merged file and the manifest."""
    kept: dict[int, Ready] = {}
    rendered: list[tuple[LetterResult, Ready]] = []
    jobs = _jobs(ready, output=output, font=font, kept=kept)
    count = workers if workers is not None else default_workers()
    for done in typeset_all(jobs, font_dir=settings.letter_font_dir, workers=count, expected=expected):
        skipped += [(kept.pop(sequence).row, prepare.UNTYPESET) for sequence in done.failed]
        start = output.pages + 1
        for part in done.merged:
            output.add(part)
        for letter in done.letters:
            one = kept.pop(letter.sequence)
            first = start + letter.first
            output.entries.append(_entry(one, letter, first=first, file=output.relative(one.sequence)))
            result = LetterResult(one.row.message.id, one.sequence, one.letter_id, one.row.account_no or "",
                                  letter.pages, first, letter.sha256)  # fmt: skip
            rendered.append((result, one))
    return rendered


def _entry(one: Ready, letter: LetterPdf, *, first: int, file: str) -> rules.ManifestEntry:
    return rules.ManifestEntry(
        sequence=one.sequence, letter_id=one.letter_id, account_no=one.row.account_no or "",
        recipient=one.letter.recipient, address=one.letter.address, pages=letter.pages, first_page=first,
        file=file, sha256=letter.sha256,
    )  # fmt: skip


def _record(
    connection: Connection, *, rendered: Sequence[tuple[LetterResult, Ready]],
    skipped: Sequence[tuple[LetterRow, Skip]], now: datetime, reprint: bool, output: BatchOutput,
) -> None:  # fmt: skip
    """What became of each message: sent (with its number and address) or set aside with the reason;
    a reprint changes no status and records a ``reprinted`` event."""
    repository = LetterRepository(connection)
    if reprint:
        detail = f"reprinted in {output.final.merged.name}"
        repository.add_events(
            message_ids=[r.message_id for r, _ in rendered], status="reprinted", at=now, detail=detail
        )
        return
    outbox = OutboxRepository(connection)
    settled = [Settled(result.message_id, "sent", "sent", provider_id=result.letter_id, attempted=True)
               for result, _ in rendered]  # fmt: skip
    settled += [_settled(row, skip) for row, skip in skipped if skip.status != "queued"]
    outbox.settle(settled, transport="letter", now=now)
    repository.set_addresses([(result.message_id, one.address_point_id) for result, one in rendered])
    outbox.add_contacts([one.row.message for _, one in rendered], now=now)


def _settled(row: LetterRow, skip: Skip) -> Settled:
    return Settled(row.message.id, skip.status, skip.status, reason=skip.en[:500])


def _in_order(skipped: Sequence[tuple[LetterRow, Skip]]) -> list[tuple[LetterRow, Skip]]:
    return sorted(skipped, key=lambda pair: pair[0].message.id)


def _skipped_row(row: LetterRow, skip: Skip) -> list[str]:
    return rules.skipped_row(message_id=row.message.id, account_no=row.account_no or "", skip=skip)


__all__ = ["Chosen", "LetterBatch", "LetterResult", "SkippedLetter", "render_letters"]
