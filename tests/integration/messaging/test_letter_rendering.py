"""Rendering the day's letters: PDFs with the Chinese text in an embedded CJK font, A4 pages, the
manifest's digests, letters that cannot be made set aside with the reason, and the messages marked."""

from __future__ import annotations

import csv
import hashlib
import io
from pathlib import Path
from typing import Any

import pytest
from letter_book import DAY, NOW, Holder, events, message, queue_letter, seed, settings_for
from pypdf import PdfReader
from sqlalchemy import Engine, func, insert, select

from arrears.config import Settings
from arrears.kit.crypto import FieldCipher
from arrears.kit.money import format_fen
from arrears.messaging.letters import FontMissing, LetterBatch, OutputExists, render_letters
from arrears.messaging.letters.layout import Bank, LetterInput, document
from arrears.messaging.letters.pdfscan import scan
from arrears.messaging.letters.rules import Owed
from arrears.messaging.letters.typeset import Job, Typesetter
from arrears.models import ContactEvent, Hold, table_of

A4 = (595.28, 841.89)


def _render(engine: Engine, cipher: FieldCipher, out: Path, **options: Any) -> LetterBatch:
    settings = settings_for(out.parent, **options.pop("settings", {}))
    with engine.begin() as connection:
        return render_letters(
            connection, run_date=DAY, out_dir=out, now=NOW, cipher=cipher, settings=settings,
            **({"workers": 1} | options),
        )  # fmt: skip


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _fonts(reader: PdfReader) -> list[tuple[str, bool]]:
    """Every font of every page: its name and whether its program is embedded."""
    found = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            descriptor = descendant["/FontDescriptor"].get_object()
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            found.append((str(descendant["/BaseFont"]), embedded))
    return found


def _text(reader: PdfReader, page: int) -> str:
    return reader.pages[page - 1].extract_text().replace(" ", "")


def test_letters_are_typeset_in_an_embedded_cjk_font_on_a4_merged_and_listed(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    holders = seed(engine, cipher, count=4)  # the fourth name holds Typst markup: # $ [ ]
    out = tmp_path / "print"

    batch = _render(engine, cipher, out)

    merged = PdfReader(out / f"letters-{DAY}.pdf")
    rows = _csv(out / "manifest.csv")
    assert [row["sequence"] for row in rows] == ["1", "2", "3", "4"]
    assert [row["account_no"] for row in rows] == [holder.account_no for holder in holders]
    assert [row["recipient"] for row in rows] == [holder.name for holder in holders]
    assert len(merged.pages) == batch.pages == sum(int(row["pages"]) for row in rows)
    for row, holder in zip(rows, holders, strict=True):
        own = (out / row["file"]).read_bytes()
        assert row["sha256"] == hashlib.sha256(own).hexdigest()
        assert len(scan(own)[1]) == int(row["pages"])  # Typst's PDF is merged by the fast reader
        assert row["letter_id"] == f"letters-{DAY}#{int(row['sequence']):06d}"
        assert row["address"] == (holder.address or "").replace("\n", " ")
        text = _text(merged, int(row["first_page"]))
        assert holder.name in text
        assert (holder.address or "").split("\n")[0] in text
        assert format_fen(321_000 + int(row["sequence"]) - 1) in text  # the overdue amount
        assert holder.account_no not in text and f"6222********{holder.account_no[-4:]}" in text  # masked
    for page in merged.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=0.1)
    fonts = _fonts(merged)
    assert fonts and all("NotoSansCJK" in name and embedded for name, embedded in fonts)


def test_each_letter_is_marked_sent_with_its_number_and_address(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    holders = seed(engine, cipher, count=2)

    _render(engine, cipher, tmp_path / "print")

    for sequence, holder in enumerate(holders, start=1):
        sent = message(engine, holder.message_id)
        assert (sent["status"], sent["provider_id"]) == ("sent", f"letters-{DAY}#{sequence:06d}")
        assert (sent["transport"], sent["contact_point_id"]) == ("letter", holder.address_id)
        assert events(engine, holder.message_id)[-1][0] == "sent"
    c = table_of(ContactEvent)
    with engine.connect() as connection:
        contacts = connection.execute(select(func.count()).where(c.c.channel == "letter")).scalar_one()
    assert contacts == 2  # the caps and the next run count what went out


def test_a_letter_without_a_mailing_address_is_skipped_with_the_reason(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    holders = seed(engine, cipher, count=3, without_address=(1,))
    out = tmp_path / "print"

    batch = _render(engine, cipher, out)

    assert [row["account_no"] for row in _csv(out / "manifest.csv")] == [
        holders[0].account_no,
        holders[2].account_no,
    ]
    assert [row["sequence"] for row in _csv(out / "manifest.csv")] == ["1", "2"]  # no gap
    (skipped,) = _csv(out / "skipped.csv")
    assert (skipped["account_no"], skipped["reason_code"], skipped["status"]) == (
        holders[1].account_no, "no_address", "failed",
    )  # fmt: skip
    assert "no mailing address" in skipped["reason"]
    failed = message(engine, holders[1].message_id)
    assert failed["status"] == "failed" and "no mailing address" in failed["last_error"]
    assert [one.skip.code for one in batch.skipped] == ["no_address"]


def test_a_template_that_does_not_fill_fails_that_letter_alone(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    holders = seed(engine, cipher, count=1)
    with engine.begin() as connection:
        other = queue_letter(connection, account_id=holders[0].account_id, customer_id=holders[0].customer_id,
                             n=99, template="no_such_letter")  # fmt: skip
    out = tmp_path / "print"

    _render(engine, cipher, out)

    assert message(engine, holders[0].message_id)["status"] == "sent"
    failed = message(engine, other)
    assert failed["status"] == "failed" and "no_such_letter" in failed["last_error"]
    assert [row["reason_code"] for row in _csv(out / "skipped.csv")] == ["template"]


def test_a_hold_placed_since_the_run_cancels_the_letter(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    (holder,) = seed(engine, cipher, count=1)
    with engine.begin() as connection:
        connection.execute(insert(table_of(Hold)).values(
            customer_id=holder.customer_id, account_id=None, kind="dispute", reason="disputed",
            placed_at=NOW.replace(hour=0), placed_by_id=None,
        ))  # fmt: skip

    _render(engine, cipher, tmp_path / "print")

    cancelled = message(engine, holder.message_id)
    assert cancelled["status"] == "cancelled" and "CN-HOLD" in cancelled["last_error"]


def test_rendering_again_renders_only_new_letters_and_never_overwrites(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    (first,) = seed(engine, cipher, count=1)
    _render(engine, cipher, tmp_path / "one")
    assert _render(engine, cipher, tmp_path / "empty").paths is None  # nothing queued: nothing written
    with engine.begin() as connection:
        later = queue_letter(connection, account_id=first.account_id, customer_id=first.customer_id, n=7)

    with pytest.raises(OutputExists):
        _render(engine, cipher, tmp_path / "one")
    batch = _render(engine, cipher, tmp_path / "two")

    assert [(one.message_id, one.sequence) for one in batch.rendered] == [(later, 2)]
    assert message(engine, first.message_id)["provider_id"] == f"letters-{DAY}#000001"


def test_a_reprint_gives_the_same_letters_with_their_numbers(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    holders = seed(engine, cipher, count=2)
    _render(engine, cipher, tmp_path / "one")

    batch = _render(engine, cipher, tmp_path / "again", reprint=True)

    assert _csv(tmp_path / "again" / "manifest.csv") == _csv(tmp_path / "one" / "manifest.csv")
    assert [one.sequence for one in batch.rendered] == [1, 2]
    for holder in holders:
        assert message(engine, holder.message_id)["status"] == "sent"
        assert events(engine, holder.message_id)[-1] == ("reprinted", f"reprinted in letters-{DAY}.pdf")


def test_no_cjk_font_refuses_before_anything_is_rendered(
    engine: Engine, cipher: FieldCipher, tmp_path: Path
) -> None:
    holders: list[Holder] = seed(engine, cipher, count=1)
    (tmp_path / "fonts").mkdir()

    with pytest.raises(FontMissing, match="ARREARS_LETTER_FONT_DIR"):
        _render(engine, cipher, tmp_path / "print", settings={"letter_font_dir": tmp_path / "fonts"})

    assert message(engine, holders[0].message_id)["status"] == "queued"
    assert not (tmp_path / "print").exists()


def test_a_letter_typst_refuses_fails_alone_and_the_others_are_cut_apart(tmp_path: Path) -> None:
    documents = [_document(n) for n in range(3)]
    del documents[1]["bank"]  # Typst refuses this letter (a field the layout reads is missing)
    jobs = [Job(n + 1, document, str(tmp_path / f"{n + 1}.pdf"), DAY) for n, document in enumerate(documents)]

    done = Typesetter(Settings().letter_font_dir).typeset(jobs)

    assert done.failed == (2,)
    assert [(letter.sequence, letter.first, letter.pages) for letter in done.letters] == [
        (1, 0, 1),
        (3, 1, 1),
    ]
    for letter in done.letters:
        own = (tmp_path / f"{letter.sequence}.pdf").read_bytes()
        assert hashlib.sha256(own).hexdigest() == letter.sha256
        text = PdfReader(io.BytesIO(own)).pages[0].extract_text().replace(" ", "")
        assert f"张{letter.sequence - 1}" in text and f"#{letter.sequence:06d}" in text


def _document(n: int) -> dict[str, Any]:
    letter = LetterInput(
        letter_id=f"letters-{DAY}#{n + 1:06d}", locale="zh", bank=Bank("示例银行", "示例路 1 号", "400"),
        recipient=f"张{n}", address="广东省中山市", card_masked="6222 **** 0001", account_tail="0001",
        letter_date=DAY, deadline=DAY, owed=Owed(1, 2, 3, 4), title=None, body="正文", educated=False,
        pay_url="https://bank.example/my/pay?ref=L1.ab", pay_ref="L1.ab",
    )  # fmt: skip
    return document(letter, font="Noto Sans CJK SC")


@pytest.mark.slow
def test_worker_processes_give_the_same_batch_in_order(
    engine: Engine, cipher: FieldCipher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    holders = seed(engine, cipher, count=12)  # two documents: ten letters, then two
    monkeypatch.setattr("arrears.messaging.letters.pool.IN_PROCESS_BELOW", 0)
    out = tmp_path / "print"

    batch = _render(engine, cipher, out, workers=2)

    rows = _csv(out / "manifest.csv")
    assert [row["account_no"] for row in rows] == [holder.account_no for holder in holders]
    assert [int(row["first_page"]) for row in rows] == list(range(1, 13))
    merged = PdfReader(out / f"letters-{DAY}.pdf")
    for row, holder in zip(rows, holders, strict=True):
        assert row["sha256"] == hashlib.sha256((out / row["file"]).read_bytes()).hexdigest()
        assert holder.name in _text(merged, int(row["first_page"]))
    assert len(batch.rendered) == 12
