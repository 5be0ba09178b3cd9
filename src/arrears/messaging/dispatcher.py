"""The dispatcher: claims due messages of a channel in batches, re-checks them against the rulebook at
the moment of sending, sends them through the channel's transport, and records what became of each.

One step (:meth:`Dispatcher.step`):

1. claim a batch (committed before anything is sent: see :mod:`arrears.messaging.repository`), and
   read in the same transaction what the re-check and the recipients need, for the whole batch;
2. re-check (:func:`arrears.messaging.rules.recheck`): send, wait for the hours, cancel (a hold, an
   opt-out, an invalid point), expire (past the deadline);
3. decrypt the recipients (a contact point's value; for push the customer's number at the bank), take
   the rate limit's tokens, and hand the batch to the transport;
4. record the results in one transaction: sent (with a ``contact_event`` for a collection message,
   so the caps and cadences count what really went out), retried with backoff, failed with the
   provider's reason (a permanent failure counts towards the contact point's invalidity), and the
   waits, cancellations and expiries of step 2. A claim that ran out meanwhile is not recorded: the
   dispatcher that took it over records it.

``TransportDown``: the batch is released to wait (no try is spent) and tried again later, within
the messages' deadlines. Receipts and replies the transport reported are applied after each step
(:func:`arrears.messaging.inbound.apply_inbound`).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from arrears.compliance.policy import Policy
from arrears.config import Settings
from arrears.kit import clock
from arrears.kit.crypto import FieldCipher
from arrears.messaging import inbound, rules
from arrears.messaging.repository import Claimed, OutboxRepository, SendFacts, Settled, writer
from arrears.messaging.transport import Outgoing, SendResult, Transport, TransportDown, send_key

log = logging.getLogger(__name__)
DOWN_WAIT = timedelta(seconds=30)  # a batch released because the transport is down waits this long
IDLE_POLL = 1.0  # seconds between claims when nothing is due
HEARTBEAT_EVERY = 10.0  # seconds between heartbeats of an idle dispatcher


@dataclass(frozen=True, slots=True)
class DispatchConfig:
    """How one channel is dispatched (from the settings)."""

    channel: str
    batch_size: int = 500
    claim_for: timedelta = timedelta(seconds=120)
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    rate: float = 0.0  # messages a second at most; 0: unlimited
    zone: str = "Asia/Shanghai"
    down_wait: timedelta = DOWN_WAIT

    @classmethod
    def from_settings(cls, settings: Settings, *, channel: str) -> DispatchConfig:
        rate = float(getattr(settings, f"{channel}_rate", 0) or 0)
        return cls(
            channel=channel, batch_size=settings.dispatch_batch_size,
            claim_for=timedelta(seconds=settings.dispatch_claim_seconds),
            max_attempts=settings.dispatch_max_attempts, backoff_seconds=settings.dispatch_backoff_seconds,
            rate=rate, zone=settings.timezone,
        )  # fmt: skip

    @property
    def claim_limit(self) -> int:
        """A batch is at most one second of the rate limit's tokens."""
        return min(self.batch_size, max(1, int(self.rate))) if self.rate > 0 else self.batch_size


@dataclass(slots=True)
class Tally:
    """What a dispatcher did: messages by outcome, and how often the transport was down."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    expired: int = 0
    cancelled: int = 0
    waiting: int = 0
    down: int = 0
    inbound: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("sent", "retried", "failed", "expired", "cancelled", "waiting", "down", "inbound"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors += other.errors


class TokenBucket:
    """At most ``rate`` messages a second (0: no limit), in bursts of at most a second's worth."""

    def __init__(
        self,
        rate: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._rate, self._capacity = rate, max(1.0, rate)
        self._monotonic, self._sleep = monotonic, sleep
        self._tokens, self._at = self._capacity, monotonic()

    def take(self, count: int) -> None:
        """Waits until ``count`` tokens are there, and takes them."""
        if self._rate <= 0 or count <= 0:
            return
        while True:
            now = self._monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._at) * self._rate)
            self._at = now
            if self._tokens >= count or (count > self._capacity and self._tokens >= self._capacity):
                self._tokens -= count
                return
            self._sleep((min(count, self._capacity) - self._tokens) / self._rate)


class Dispatcher:
    """Dispatches one channel through one transport (see the module docstring)."""

    def __init__(
        self,
        *,
        engine: Engine,
        transport: Transport,
        config: DispatchConfig,
        policy: Policy,
        cipher: FieldCipher,
        name: str,
        inbound_rules: inbound.InboundRules,
        now: Callable[[], datetime] = clock.now,
        worker_channels: str | None = None,
    ) -> None:
        self.engine, self.transport, self.config = engine, transport, config
        self.policy, self.cipher, self.name = policy, cipher, name
        # the heartbeat row is the worker's (``name``): the channels of all its dispatchers
        self.worker_channels = worker_channels or config.channel
        self._rules, self._now = inbound_rules, now
        self._bucket = TokenBucket(config.rate)

    # --- one batch ------------------------------------------------------------------------------

    def step(self) -> tuple[int, Tally]:
        """Claims, re-checks, sends and records one batch; the number claimed and what became of them."""
        now = self._now()
        with writer(self.engine) as connection:
            repository = OutboxRepository(connection)
            config = self.config
            claimed = repository.claim(
                channel=config.channel,
                worker=self.name,
                now=now,
                limit=config.claim_limit,
                claim_for=config.claim_for,
            )
            facts = repository.facts(claimed, now=now) if claimed else None
        tally = Tally()
        if facts is not None:
            settled, sent_now = self._send(claimed, facts, now, tally)
            self._record(claimed, settled, sent_now, tally)
        self.drain_inbound(tally)
        return len(claimed), tally

    def _send(
        self, claimed: Sequence[Claimed], facts: SendFacts, now: datetime, tally: Tally
    ) -> tuple[list[Settled], list[Claimed]]:
        verdicts = rules.recheck(
            messages=[one.pending() for one in claimed],
            points=facts.points,
            holds=facts.holds,
            policy=self.policy,
            zone=self.config.zone,
            now=now,
            sold=facts.sold,
        )
        doubtful = {one.id for one in claimed if one.in_doubt}
        settled = [_settled(verdict, in_doubt=verdict.message_id in doubtful)
                   for verdict in verdicts if verdict.action != "send"]  # fmt: skip
        going = {verdict.message_id for verdict in verdicts if verdict.action == "send"}
        batch, unaddressed = self._addressed([one for one in claimed if one.id in going], facts)
        settled += [Settled(one.id, "cancelled", "cancelled", rules=(rules.NO_POINT_RULE,),
                            reason="no address to send to") for one in unaddressed]  # fmt: skip
        if not batch:
            return settled, []
        by_key = {outgoing.key: one for one, outgoing in batch}
        self._bucket.take(len(batch))
        try:
            results = self.transport.send([outgoing for _, outgoing in batch])
        except TransportDown as down:
            tally.down += 1
            tally.errors.append(down.message_en)
            return settled + [self._released(one, down.message_en) for one, _ in batch], []
        after = self._now()
        outcomes = [self._outcome(by_key[result.key], result, after) for result in results]
        sent = [by_key[result.key] for result in results if result.outcome == "sent"]
        return settled + outcomes, sent

    def _addressed(
        self, going: Sequence[Claimed], facts: SendFacts
    ) -> tuple[list[tuple[Claimed, Outgoing]], list[Claimed]]:
        """The messages with their clear recipient (decrypted here only), and those without one."""
        batch, missing = [], []
        for one in going:
            recipient: str | None = None
            if one.channel == "push":
                recipient = facts.customer_numbers.get(one.customer_id or 0)
            elif one.contact_point_id is not None and one.contact_point_id in facts.addresses:
                recipient = self.cipher.decrypt(facts.addresses[one.contact_point_id])
            if recipient is None:
                missing.append(one)
                continue
            key = send_key(one.key, one.retries)
            outgoing = Outgoing(one.id, key, one.channel, recipient, one.body or "",  # type: ignore[arg-type]
                                subject=one.subject, target=one.target, kind=one.kind)  # fmt: skip
            batch.append((one, outgoing))
        return batch, missing

    def _released(self, one: Claimed, reason: str) -> Settled:
        until = self._now() + self.config.down_wait
        if until >= one.deadline_at:
            return Settled(one.id, "expired", "expired", reason=f"deadline passed while waiting: {reason}")
        return Settled(one.id, "queued", "released", until=until, reason=reason)

    def _outcome(self, one: Claimed, result: SendResult, now: datetime) -> Settled:
        if result.outcome == "sent":
            return Settled(one.id, "sent", "sent", provider_id=result.provider_id, attempted=True)
        if result.outcome == "permanent":
            return Settled(one.id, "failed", "failed", reason=result.reason or "refused by the provider",
                           attempted=True)  # fmt: skip
        verdict = rules.after_transient(
            message_id=one.id, attempts=one.attempts + 1, reason=result.reason, now=now,
            deadline_at=one.deadline_at, max_attempts=self.config.max_attempts,
            base_seconds=self.config.backoff_seconds,
        )  # fmt: skip
        return _settled(verdict, attempted=True)

    def _record(
        self, claimed: Sequence[Claimed], settled: Sequence[Settled], sent: Sequence[Claimed], tally: Tally
    ) -> None:
        now = self._now()
        with writer(self.engine) as connection:
            repository = OutboxRepository(connection)
            mine = repository.mine([one.id for one in claimed], worker=self.name)
            kept = [one for one in settled if one.message_id in mine]
            repository.settle(kept, transport=self.transport.name, now=now)
            repository.add_contacts([one for one in sent if one.id in mine], now=now)
            by_id = {one.id: one for one in claimed}
            for one in kept:
                point = by_id[one.message_id].contact_point_id
                if one.event == "failed" and one.attempted and point is not None:
                    inbound.record_permanent_failure(
                        connection, contact_point_id=point, now=now, rules=self._rules
                    )
            _count(kept, tally)
            repository.heartbeat(name=self.name, channels=self.worker_channels, now=now,
                                 counts={"sent": tally.sent, "failed": tally.failed + tally.expired,
                                         "retried": tally.retried},
                                 last_error=tally.errors[-1] if tally.errors else None)  # fmt: skip

    # --- what comes back ------------------------------------------------------------------------

    def drain_inbound(self, tally: Tally) -> None:
        """Applies the receipts and replies the transport reported since the last step."""
        events = self.transport.inbound()
        if not events:
            return
        with writer(self.engine) as connection:
            inbound.apply_inbound(connection, events, now=self._now(), cipher=self.cipher, rules=self._rules)
        self.transport.inbound_recorded()
        tally.inbound += len(events)

    def beat(self, *, stopped: bool = False, error: str | None = None) -> None:
        with writer(self.engine) as connection:
            OutboxRepository(connection).heartbeat(
                name=self.name,
                channels=self.worker_channels,
                now=self._now(),
                stopped=stopped,
                last_error=error,
            )


IN_DOUBT_NOTE = "an earlier dispatcher stopped while sending it: it may have reached the provider"


def _settled(verdict: rules.Verdict, *, attempted: bool = False, in_doubt: bool = False) -> Settled:
    """The record of a verdict that does not send. A message in doubt that may not go any more (a hold
    placed, its deadline passed) is not sent again, and its reason says it may have gone already."""
    if verdict.action == "wait":
        event = "retry" if attempted else "waiting"
        return Settled(verdict.message_id, "queued", event, until=verdict.until, rules=verdict.rules,
                       reason=verdict.reason, attempted=attempted)  # fmt: skip
    status = {"cancel": "cancelled", "expire": "expired", "fail": "failed"}[verdict.action]
    reason = f"{verdict.reason}; {IN_DOUBT_NOTE}" if in_doubt and verdict.reason else verdict.reason
    reason = IN_DOUBT_NOTE if in_doubt and not reason else reason
    return Settled(verdict.message_id, status, status, rules=verdict.rules, reason=reason,
                   attempted=attempted)  # fmt: skip


def _count(kept: Sequence[Settled], tally: Tally) -> None:
    for one in kept:
        if one.event == "sent":
            tally.sent += 1
        elif one.event == "retry":
            tally.retried += 1
        elif one.status in ("failed", "expired", "cancelled"):
            setattr(tally, one.status, getattr(tally, one.status) + 1)
        elif one.event in ("waiting", "released"):
            tally.waiting += 1


def _step(dispatcher: Dispatcher) -> tuple[int, Tally]:
    """A step; a fault of the store or the transport in the middle of it (not a TransportDown, which
    the step handles) counts as the transport being down: what it claimed stays in doubt until its claim
    runs out, then it is sent again with the same keys. Only the fault's kind is logged (its message may
    quote what was being written)."""
    try:
        return dispatcher.step()
    except Exception as error:
        said = f"{type(error).__name__} in the {dispatcher.config.channel} dispatcher"
        log.error("dispatch step failed: %s", said)
        return 0, Tally(down=1, errors=[said])


def run(
    dispatchers: Sequence[Dispatcher],
    *,
    once: bool,
    stop: threading.Event,
    on_step: Callable[[Tally], None] = lambda _tally: None,
) -> Tally:
    """Steps the dispatchers in turn until nothing is due (``once``) or ``stop`` is set; a step in
    hand is always finished. The transport being down (or a fault in a step) makes ``once`` end, and
    otherwise waits (doubling up to 5 minutes) before the next try."""
    total, pause, last_beat = Tally(), 0.0, time.monotonic()
    for dispatcher in dispatchers:
        dispatcher.beat()
    try:
        while not stop.is_set():
            claimed, down = 0, False
            for dispatcher in dispatchers:
                count, tally = _step(dispatcher)
                claimed, down = claimed + count, down or tally.down > 0
                total.add(tally)
                on_step(tally)
            if down:
                if once:
                    break
                pause = min(max(pause * 2, dispatchers[0].config.down_wait.total_seconds()), 300.0)
                stop.wait(pause)
                continue
            pause = 0.0
            if claimed == 0:
                if once:
                    break
                if time.monotonic() - last_beat > HEARTBEAT_EVERY:
                    for dispatcher in dispatchers:
                        dispatcher.beat()
                    last_beat = time.monotonic()
                stop.wait(IDLE_POLL)
    finally:
        for dispatcher in dispatchers:
            dispatcher.beat(stopped=True)
    return total
