"""Notifications posted in batches: one transaction for the notifications that arrive together.

Each request hands its notification to the process's :class:`NotificationBatcher` and waits for its
answer. The batcher takes what has arrived (at most ``MAX_BATCH``) and decides, posts, records and
audits it in one transaction on a worker thread
(:func:`arrears.payments.notifications.receive_notifications`), while the next notifications
gather; then it answers each request, once the batch is committed. So a ``success`` is never sent
before its payment is committed, and under load one commit, one lock of the audit chain and a few
statements serve many notifications.

A batch is held up when another transaction keeps a row it must lock (an order a reconciliation
holds, an account the daily run updates): the notifications that came after it then wait. When some
have waited ``STALLED`` seconds, another batch takes them (at most ``MAX_DRAINS`` batches in hand at
once), so one held order delays only the notifications of its own batch.

A batch that fails as a whole (a deadlock with another process, a database error) is tried again one
notification at a time, each in a transaction of its own: one notification that cannot be posted is
answered with an error (the gateway sends it again later) and never holds back the others.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from sqlalchemy import Engine

from arrears.audit.repository import audit_transaction
from arrears.config import Settings
from arrears.kit.clock import now
from arrears.payments.notifications import Incoming, Received, receive_notifications

logger = logging.getLogger(__name__)
MAX_BATCH = 200
STALLED = 0.5  # seconds notifications may wait behind a batch in hand before another batch takes them
MAX_DRAINS = 4  # batches in hand at once in one process, at most


class NotificationBatcher:
    """Gathers the notifications of one process into batches (see the module docstring)."""

    def __init__(
        self, engine: Engine, settings: Settings, secret: bytes, *, clock: Callable[[], datetime] = now
    ) -> None:
        self._engine, self._settings, self._secret, self._clock = engine, settings, secret, clock
        self._waiting: list[tuple[Incoming, asyncio.Future[Received], float]] = []  # and when it came
        self._drains: set[asyncio.Task[None]] = set()
        self._watch: asyncio.TimerHandle | None = None

    async def submit(self, incoming: Incoming) -> Received:
        """The notification's outcome, once the batch that holds it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Received] = loop.create_future()
        self._waiting.append((incoming, future, loop.time()))
        if not self._drains:
            self._start_drain()
        elif self._watch is None:
            self._watch = loop.call_later(STALLED, self._stalled)
        return await future

    def _start_drain(self) -> None:
        task = asyncio.get_running_loop().create_task(self._drain())
        self._drains.add(task)
        task.add_done_callback(self._drains.discard)

    def _stalled(self) -> None:
        """The first notification waiting came STALLED seconds ago: every batch in hand is held up (say
        by a row lock another transaction keeps), so another batch takes the waiting ones, up to
        MAX_DRAINS. Under load without a hold, a batch takes them well before (no extra batch)."""
        self._watch = None
        if not self._waiting:
            return
        loop = asyncio.get_running_loop()
        waited = loop.time() - self._waiting[0][2]  # the first waiting is the one that came first
        if waited >= STALLED and len(self._drains) < MAX_DRAINS:
            self._start_drain()
            waited = 0.0
        self._watch = loop.call_later(max(STALLED - waited, 0.05), self._stalled)

    async def _drain(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
            try:
                found = await asyncio.to_thread(self._receive, [one for one, _, _ in batch])
            except Exception:
                logger.warning("a batch of %d payment notifications failed: trying each alone", len(batch))
                await self._one_by_one(batch)
                continue
            for (_, future, _), received in zip(batch, found, strict=True):
                if not future.done():
                    future.set_result(received)

    async def _one_by_one(self, batch: Sequence[tuple[Incoming, asyncio.Future[Received], float]]) -> None:
        for incoming, future, _ in batch:
            try:
                received = (await asyncio.to_thread(self._receive, [incoming]))[0]
            except Exception as error:
                if not future.done():
                    future.set_exception(error)
            else:
                if not future.done():
                    future.set_result(received)

    def _receive(self, incoming: Sequence[Incoming]) -> list[Received]:
        with audit_transaction(self._engine) as connection:
            return receive_notifications(
                connection, incoming, secret=self._secret, now=self._clock(), settings=self._settings
            )
