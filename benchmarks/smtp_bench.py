"""SMTP benchmark: the e-mail transport alone (building the MIME message, one connection reused across
batches, in clear and over STARTTLS) against the local aiosmtpd server of tests/support in a thread of
this process, then Postfix-style DSNs parsed and read back from a Maildir.

    .venv/bin/python benchmarks/smtp_bench.py                    # 2,000 e-mails, 1,000 bounces
    .venv/bin/python benchmarks/smtp_bench.py --messages 10000 --per-send 500

Client and server share the machine's cores, so the figure is a floor for a real relay's.
"""

from __future__ import annotations

import argparse
import mailbox
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from local_smtp import LocalSmtp, postfix_dsn

from arrears.config import Settings
from arrears.messaging.dsn import read_mail
from arrears.messaging.transport import Outgoing
from arrears.messaging.transports.smtp import SmtpTransport

TEXT = "张三您好：\n您的信用卡账户已逾期 3 天，应还 ¥1,234.00。\n\n客服热线 400-000-0000\n" * 5


def _batch(count: int) -> list[Outgoing]:
    return [
        Outgoing(
            message_id=n,
            key=f"run:2026-05-07:action:{n}:email",
            channel="email",
            recipient=f"user{n}@example.com",
            text=TEXT,
            subject="逾期还款提醒",
        )
        for n in range(count)
    ]


def _send(directory: Path, *, starttls: bool, messages: int, per_send: int) -> LocalSmtp:
    server = LocalSmtp(directory, starttls=starttls).start()
    settings = Settings(
        email_from="催收中心 <collections@bank.example>",
        email_bounce_address="bounces@bank.example",
        email_bounces=f"maildir:{directory / 'bounces'}",
        email_tls_ca=str(server.cert) if starttls else None,
    )
    transport = SmtpTransport.from_url(server.url, settings=settings)
    batch = _batch(messages)
    start = time.perf_counter()
    for first in range(0, messages, per_send):
        transport.send(batch[first : first + per_send])
    elapsed = time.perf_counter() - start
    sent = transport.counts["sent"]
    print(
        f"send (starttls={starttls}): {sent} of {messages} sent in {elapsed:.2f} s = {sent / elapsed:.0f}/s,"
        f" {transport.counts['connections']} connection(s)"
    )
    transport.close()
    server.stop()
    return server


def _bounces(directory: Path, server: LocalSmtp, count: int) -> None:
    dsns = [postfix_dsn(received) for received in server.messages[:count]]
    now = datetime.now(UTC)
    start = time.perf_counter()
    for raw in dsns:
        read_mail(raw, received_at=now)
    print(f"parse: {len(dsns)} DSNs in {time.perf_counter() - start:.3f} s")
    box = mailbox.Maildir(str(directory / "bounces"), create=True)
    for raw in dsns:
        box.add(raw)
    settings = Settings(email_from="c@bank.example", email_bounces=f"maildir:{directory / 'bounces'}")
    transport = SmtpTransport.from_url("smtp://127.0.0.1:1", settings=settings)
    start, receipts = time.perf_counter(), 0
    while events := transport.inbound():
        receipts += len(events)
    elapsed = time.perf_counter() - start
    print(f"inbound (Maildir): {receipts} receipts in {elapsed:.2f} s = {receipts / elapsed:.0f}/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2_000)
    parser.add_argument("--per-send", type=int, default=200)
    parser.add_argument("--bounces", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        directory = Path(name)
        server = _send(directory, starttls=False, messages=args.messages, per_send=args.per_send)
        _send(directory, starttls=True, messages=args.messages, per_send=args.per_send)
        _bounces(directory, server, min(args.bounces, args.messages))


if __name__ == "__main__":
    main()
