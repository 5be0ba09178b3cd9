"""Running dispatchers: in this process, or in N worker processes that each claim their own batches.

SIGTERM and SIGINT stop a dispatcher gracefully: the batch in hand is finished and recorded, then it
stops. The parent of worker processes passes the signal on to each of them and waits.

Exit codes (``arrears dispatch``): 0 all done; 3 the transport was down or a step failed (messages
wait); 4 messages failed or expired; 5 both; 1 an error (settings, input).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType

from arrears.compliance import load_policy
from arrears.config import Settings, get_settings
from arrears.db import get_engine
from arrears.kit import clock
from arrears.kit.crypto import cipher_for
from arrears.kit.errors import ArrearsError
from arrears.messaging import inbound
from arrears.messaging.dispatcher import DispatchConfig, Dispatcher, Tally, run
from arrears.messaging.repository import OutboxRepository
from arrears.messaging.transports import open_transport, transport_class

EXIT_OK, EXIT_ERROR, EXIT_DOWN, EXIT_FAILED, EXIT_BOTH = 0, 1, 3, 4, 5
DISPATCHED = ("sms", "email", "push")  # letters are rendered for the print house (arrears letters)


def exit_code(tally: Tally) -> int:
    down, failed = tally.down > 0, tally.failed + tally.expired > 0
    return EXIT_BOTH if down and failed else EXIT_DOWN if down else EXIT_FAILED if failed else EXIT_OK


def worker_name(index: int) -> str:
    return f"{socket.gethostname()[:50]}:{os.getpid()}:{index}"


def build(
    settings: Settings,
    *,
    channels: Sequence[str],
    policy: str,
    index: int = 0,
    now: Callable[[], datetime] = clock.now,
) -> list[Dispatcher]:
    """A dispatcher per channel, each with the transport its setting names."""
    engine, cipher = get_engine(settings), cipher_for(settings)
    rules, chosen = inbound.inbound_rules(settings), load_policy(policy)
    return [
        Dispatcher(
            engine=engine,
            transport=open_transport(settings.transport_url(channel), channel=channel, settings=settings),
            config=DispatchConfig.from_settings(settings, channel=channel),
            policy=chosen,
            cipher=cipher,
            name=worker_name(index),
            inbound_rules=rules,
            worker_channels=",".join(channels),
            now=now,
        )
        for channel in channels
    ]


@dataclass(frozen=True, slots=True)
class LettersDone:
    """What ``--channel letter`` did: a batch folder per run date, letters rendered and set aside."""

    folders: list[Path]
    rendered: int
    skipped: dict[str, int]  # by what became of the message: failed, cancelled, expired, queued

    @property
    def exit_code(self) -> int:
        return EXIT_FAILED if self.skipped.get("failed", 0) + self.skipped.get("expired", 0) else EXIT_OK


def _free_folder(base: Path) -> Path:
    """``base``, or ``base-2``, ``base-3`` ... when a batch is there already (rendered earlier today)."""
    folder, number = base, 1
    while folder.exists() and any(folder.iterdir()):
        number += 1
        folder = base.with_name(f"{base.name}-{number}")
    return folder


def replay_clock(at: datetime, settings: Settings, *, channels: Sequence[str]) -> Callable[[], datetime]:
    """A clock that starts at ``at`` and runs on from there: to dispatch a past business date (a demo,
    a replay of a day). Only where every transport writes files: nothing reaches a real gateway
    with a time that is not now."""
    not_files = [c for c in channels if c != "letter" and not settings.transport_url(c).startswith("file:")]
    if not_files:
        raise ArrearsError(
            f"--at needs file transports (the {', '.join(not_files)} transport is not file:)",
            f"--at 只能用于文件传输（{'、'.join(not_files)} 渠道的传输不是 file:）",
        )
    started = clock.now()
    return lambda: at + (clock.now() - started)


def render_due_letters(*, policy: str, now: Callable[[], datetime] = clock.now) -> LettersDone:
    """Hands the queued letters whose time has come to the letters' renderer, a batch per run date in
    ``ARREARS_LETTER_DIR`` (<data_dir>/outbox/letter)/DATE (each in its own transaction)."""
    from arrears.messaging.letters import render_letters

    settings, chosen = get_settings(), load_policy(policy)
    engine, cipher = get_engine(settings), cipher_for(settings)
    with engine.connect() as connection:
        dates = OutboxRepository(connection).due_run_dates(channel="letter", now=now())
    folders, rendered, skipped = [], 0, Counter[str]()
    for day in dates:
        folder = _free_folder(settings.letter_directory() / day.isoformat())
        with engine.begin() as connection:
            batch = render_letters(connection, run_date=day, out_dir=folder, now=now(), cipher=cipher,
                                   settings=settings, policy=chosen)  # fmt: skip
        if batch.paths is not None:
            folders.append(batch.paths.folder)
        rendered += len(batch.rendered)
        skipped.update(one.skip.status for one in batch.skipped)
    return LettersDone(folders, rendered, dict(skipped))


def _stop_on_signals(stop: threading.Event) -> None:
    def handler(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_here(
    *,
    channels: Sequence[str],
    once: bool,
    policy: str,
    index: int = 0,
    on_step: Callable[[Tally], None] = lambda _tally: None,
    now: Callable[[], datetime] = clock.now,
) -> Tally:
    """Dispatches in this process until done (``once``) or a signal."""
    stop = threading.Event()
    _stop_on_signals(stop)
    dispatchers = build(get_settings(), channels=channels, policy=policy, index=index, now=now)
    try:
        return run(dispatchers, once=once, stop=stop, on_step=on_step)
    finally:
        for dispatcher in dispatchers:
            dispatcher.transport.close()


def _child(channels: Sequence[str], once: bool, policy: str, index: int) -> None:
    try:
        tally = run_here(channels=channels, once=once, policy=policy, index=index)
    except ArrearsError as error:  # settings: said once, no traceback
        print(error.message_en, file=sys.stderr, flush=True)
        raise SystemExit(EXIT_ERROR) from None
    raise SystemExit(exit_code(tally))


def run_processes(*, channels: Sequence[str], once: bool, policy: str, workers: int) -> int:
    """Dispatches in ``workers`` processes; the worst of their exit codes (an error above all)."""
    settings = get_settings()
    load_policy(policy)  # a bad policy or transport URL is refused here, once, before any process starts
    for channel in channels:
        transport_class(settings.transport_url(channel), channel=channel)
    context = multiprocessing.get_context("spawn")
    children = [
        context.Process(target=_child, args=(tuple(channels), once, policy, index), name=f"dispatch-{index}")
        for index in range(workers)
    ]
    for child in children:
        child.start()

    def forward(signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.pid is not None and child.is_alive():
                os.kill(child.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    for child in children:
        child.join()
    codes = {child.exitcode or 0 for child in children}
    if codes - {EXIT_OK, EXIT_DOWN, EXIT_FAILED, EXIT_BOTH}:
        return EXIT_ERROR
    return max(codes)
