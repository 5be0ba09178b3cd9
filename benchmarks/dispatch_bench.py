"""Dispatch N queued SMS through each transport and print messages per second, the rulebook's re-check
at sending time included.

    .venv/bin/python benchmarks/dispatch_bench.py [--count 1000000] [--targets file,smpp,http]
        [--database URL] [--batch 1000] [--receipts]

For each target: a fresh store (a SQLite file in a temporary folder, or the PostgreSQL database of
``--database``, emptied first), 20,000 cardholders, N collection SMS queued through ``enqueue`` (timed
apart), then one dispatcher drains them in this process: claim, re-check (the vectorised rulebook over
each batch: hours, holds, opt-outs, invalid points), decrypt, send, record (message, event and
contact event per SMS). The cardholders consented to contact outside the hours, so the figure does not
depend on the time of day it runs at; the hours rule is still evaluated for every message.

- ``file``: the file transport (one fsync'd JSON line per message) in a temporary folder;
- ``smpp``: the local SMPP server of ``tests/support/local_smsc.py`` in a process of its own (no
  delivery receipts unless ``--receipts``);
- ``http``: the local HTTP platform of ``tests/support/local_sms_platform.py`` in a process of its own.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "support"), str(ROOT / "tests")]

from outbox_seed import queue_sms, seed_cardholders, statuses  # noqa: E402
from pydantic import SecretStr  # noqa: E402
from sqlalchemy import Engine, text  # noqa: E402

from arrears import migrate  # noqa: E402
from arrears.compliance import load_policy  # noqa: E402
from arrears.config import Settings  # noqa: E402
from arrears.db import make_engine  # noqa: E402
from arrears.kit.crypto import FieldCipher  # noqa: E402
from arrears.messaging.dispatcher import DispatchConfig, Dispatcher, Tally, run  # noqa: E402
from arrears.messaging.inbound_rules import rules_of  # noqa: E402
from arrears.messaging.transports import open_transport  # noqa: E402
from fixed_keys import TEST_KEY  # noqa: E402

HMAC_KEY = "benchmark-hmac-key"
PLATFORM = """
import signal, sys, threading
sys.path.insert(0, {support!r})
from local_sms_platform import LocalHttpPlatform
with LocalHttpPlatform(key={key!r}, record=False) as platform:
    print(platform.url, flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
"""


@contextmanager
def server(target: str, *, receipts: bool) -> Iterator[str | None]:
    """The transport URL of ``target`` (its server running in another process), None for ``file``."""
    if target == "file":
        yield None
        return
    if target == "smpp":
        command = [sys.executable, str(ROOT / "tests/support/local_smsc.py"), "--port", "0", "--no-record"]
        command += [] if receipts else ["--no-receipts"]
    else:
        command = [sys.executable, "-c", PLATFORM.format(support=str(ROOT / "tests/support"), key=HMAC_KEY)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, bufsize=1)
    assert process.stdout is not None
    try:
        yield process.stdout.readline().strip()
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def fresh_engine(database: str | None, folder: Path) -> Engine:
    if database is None:
        engine = make_engine(f"sqlite:///{folder / 'arrears.db'}")
    else:
        engine = make_engine(database)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(engine)
    return engine


def bench(target: str, options: argparse.Namespace) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="dispatch-bench-") as work,
        server(target, receipts=options.receipts) as url,
    ):
        folder = Path(work)
        engine = fresh_engine(options.database, folder)
        cipher = FieldCipher(TEST_KEY)
        now = datetime.now(UTC)
        started = time.perf_counter()
        people = seed_cardholders(
            engine, cipher, count=min(options.count, 20_000), consent_outside_hours=True
        )
        queue_sms(
            engine, people, count=options.count, now=now - timedelta(minutes=1), deadline=timedelta(days=1)
        )
        queued = time.perf_counter() - started
        settings = Settings(data_dir=folder, sms_hmac_key=SecretStr(HMAC_KEY))
        transport = open_transport(url or f"file:{folder / 'out'}", channel="sms", settings=settings)
        config = DispatchConfig(channel="sms", batch_size=options.batch, zone="Asia/Shanghai")
        rules = rules_of(keywords="TD", invalid_after=3)
        dispatcher = Dispatcher(engine=engine, transport=transport, config=config, policy=load_policy("cn"),
                                cipher=cipher, name=f"bench-{target}", inbound_rules=rules)  # fmt: skip
        progress = Tally()
        ticker = _ticker(progress, options.count)
        started = time.perf_counter()
        tally = run([dispatcher], once=True, stop=threading.Event(), on_step=progress.add)
        seconds = time.perf_counter() - started
        ticker.set()
        transport.close()
        done = statuses(engine)
        print(
            f"{target:>5}: {tally.sent:,} of {options.count:,} sent in {seconds:.1f} s = "
            f"{tally.sent / seconds:,.0f} messages/s (re-check included; queued in {queued:.1f} s; "
            f"store: {dict(done)}; {engine.dialect.name})",
            flush=True,
        )
        engine.dispose()


def _ticker(progress: Tally, total: int) -> threading.Event:
    """Prints the progress every 30 s to standard error until set."""
    stop = threading.Event()

    def tick() -> None:
        started = time.perf_counter()
        while not stop.wait(30):
            rate = progress.sent / (time.perf_counter() - started)
            print(f"  ... {progress.sent:,} of {total:,} ({rate:,.0f}/s)", file=sys.stderr, flush=True)

    threading.Thread(target=tick, daemon=True).start()
    return stop


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=1_000_000, help="SMS to queue and send")
    parser.add_argument("--targets", default="file,smpp,http", help="file, smpp, http (comma-separated)")
    parser.add_argument(
        "--database", default=None, help="a PostgreSQL URL (emptied!); default a temporary SQLite"
    )
    parser.add_argument("--batch", type=int, default=1_000, help="messages claimed and sent at once")
    parser.add_argument("--receipts", action="store_true", help="the SMPP server sends delivery receipts")
    options = parser.parse_args()
    print(f"dispatch benchmark: {options.count:,} SMS per target, batches of {options.batch:,}, "
          f"{os.cpu_count()} cores", flush=True)  # fmt: skip
    for target in options.targets.split(","):
        bench(target.strip(), options)


if __name__ == "__main__":
    main()
