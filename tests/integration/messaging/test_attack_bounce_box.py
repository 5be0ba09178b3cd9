"""The bounce mailbox against a careless world: cardholders answer with photos and MTAs return whole
messages, so one read of 500 messages must not hold gigabytes at once. A read takes messages up to a
byte budget (at least one); the rest wait for the next read, none is lost or read twice."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from local_imap import LocalImap
from local_smtp import make_certificate

from arrears.messaging.transports import bounce_box
from arrears.messaging.transports.bounce_box import ImapBox, ImapConfig, MaildirBox

SIZE = 40_000  # bytes of each message; the budget is set to two and a half of them


def _mail(number: int) -> bytes:
    head = f"From: a{number}@example.com\r\nSubject: photo {number}\r\n\r\n".encode()
    return head + b"x" * (SIZE - len(head))


@pytest.fixture(autouse=True)
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bounce_box, "FETCH_BYTES", SIZE * 5 // 2)


def test_a_maildir_read_stops_at_the_byte_budget_and_the_rest_wait(tmp_path: Path) -> None:
    box = MaildirBox(tmp_path / "bounces")
    for number in range(5):
        (tmp_path / "bounces" / "new" / f"{number:04d}.mail").write_bytes(_mail(number))

    reads = [box.fetch(limit=500) for _ in range(4)]

    assert [len(read) for read in reads] == [2, 2, 1, 0]
    assert sorted(raw for read in reads for _, raw in read) == sorted(_mail(n) for n in range(5))


def test_one_message_larger_than_the_budget_is_still_read(tmp_path: Path) -> None:
    box = MaildirBox(tmp_path / "bounces")
    (tmp_path / "bounces" / "new" / "big.mail").write_bytes(_mail(0) * 4)

    assert len(box.fetch(limit=500)) == 1


def test_an_imap_read_stops_at_the_byte_budget_and_the_rest_wait(tmp_path: Path) -> None:
    cert, key = make_certificate(tmp_path)
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    with LocalImap(users={"bounces": "pw"}, context=server_tls) as imap:
        for number in range(5):
            imap.folders.deliver(_mail(number))
        config = ImapConfig(host="127.0.0.1", port=imap.port, implicit_tls=False, username="bounces",
                            password="pw", folder="INBOX", timeout=10)  # fmt: skip
        box = ImapBox(config, context=ssl.create_default_context(cafile=str(cert)))
        try:
            sizes = []
            for _ in range(4):
                read = box.fetch(limit=500)
                for handle, _raw in read:
                    box.done(handle)
                sizes.append(len(read))
        finally:
            box.close()

    assert sizes == [3, 2, 0, 0]  # the message that crosses the budget is the last one read
