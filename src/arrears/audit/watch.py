"""The chain's state as the compliance page shows it: verified as :func:`arrears.audit.chain.verify`
does, a batch at a time, and kept, so that each look verifies only the entries appended since.

The database refuses UPDATE and DELETE on ``audit_event``, so an entry verified once stays as it was
unless someone goes around the database's triggers; a verification from the first entry again
(:meth:`ChainWatch.restart`, the page's button) checks for that. Each server process keeps its own
state; the first look in a process verifies the whole chain, on a thread of its own when it is long
(the page shows how far it got).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection

from arrears.audit.chain import DELETED, REORDERED, AuditEntry, Problem, verify
from arrears.audit.trail import TrailRepository

BATCH = 5_000
AT_ONCE = 20_000  # entries a look verifies itself; more are verified on a thread of their own
KEPT_PROBLEMS = 100  # the problems shown (all are counted)


@dataclass(frozen=True, slots=True)
class ChainState:
    """How far the chain was verified and what was found: ``entries`` verified through ``last``
    (None: the chain is empty), the first ``KEPT_PROBLEMS`` problems and their count, when this
    verification from the first entry started and when it last went on."""

    started_at: datetime
    checked_at: datetime
    entries: int = 0
    last: AuditEntry | None = None
    problems: tuple[Problem, ...] = field(default_factory=tuple)
    problem_count: int = 0

    @property
    def intact(self) -> bool:
        return self.problem_count == 0

    @property
    def first_broken(self) -> int | None:
        """The id of the first entry found broken."""
        return min((problem.entry_id for problem in self.problems), default=None)


def _reordered(repository: TrailRepository, problem: Problem, entry: AuditEntry) -> Problem:
    """A link problem that :func:`verify` could only call ``deleted`` because the entry the link names
    lies outside the batch: ``reordered`` when another stored entry carries that hash."""
    if problem.kind != DELETED:
        return problem
    linked = repository.id_of_hash(entry.prev_hash)
    if linked is None or linked == entry.id:
        return problem
    return Problem(
        entry.id, REORDERED, f"entry {entry.id} was reordered: it follows entry {linked} in the chain"
    )


def verify_more(
    connection: Connection,
    state: ChainState,
    *,
    now: datetime,
    batch: int = BATCH,
    most: int | None = None,
) -> ChainState:
    """``state`` carried on to the end of the chain (or by at most ``most`` entries): the entries after
    ``state.last`` verified as :func:`verify` does, each batch together with the last entry verified
    before it."""
    repository = TrailRepository(connection)
    last, entries, problems, count = state.last, state.entries, list(state.problems), state.problem_count
    while most is None or entries - state.entries < most:
        wanted = batch if most is None else min(batch, most - (entries - state.entries))
        found = repository.entries_after(last.id if last else 0, limit=wanted)
        if not found:
            break
        window = ([last] if last else []) + found
        by_id = {entry.id: entry for entry in found}
        new = [
            _reordered(repository, problem, by_id[problem.entry_id])
            for problem in verify(window)
            if last is None or problem.entry_id != last.id  # verified with the batch before
        ]
        count += len(new)
        problems += new[: max(0, KEPT_PROBLEMS - len(problems))]
        entries += len(found)
        last = found[-1]
    return replace(state, checked_at=now, entries=entries, last=last, problems=tuple(problems),
                   problem_count=count)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ChainView:
    """What a look at the chain shows: the state so far, whether a verification is still going on in
    the background, and the chain's last id when the look began (the entries to verify)."""

    state: ChainState
    verifying: bool
    last_id: int


Connect = Callable[[], AbstractContextManager[Connection]]


class ChainWatch:
    """One process's state of the chain. A look carries it on at once when at most ``at_once`` entries
    wait (the usual case: those appended since the last look); more (the first look in a process, a
    verification again from the first entry) are verified on a thread of their own, a batch at a time,
    while the looks show how far it got."""

    def __init__(self, *, at_once: int = AT_ONCE) -> None:
        self._lock = threading.Lock()
        self._state: ChainState | None = None
        self._thread: threading.Thread | None = None
        self._generation = 0  # raised by restart: a thread of an earlier generation stops
        self._at_once = at_once

    def current(self, connect: Connect, *, now: datetime) -> ChainView:
        """The state carried on to the chain's end, or as far as the background verification got."""
        with self._lock:
            state = self._state or ChainState(started_at=now, checked_at=now)
            with connect() as connection:
                last_id = TrailRepository(connection).last_id()
                if self._thread is not None and self._thread.is_alive():
                    return ChainView(state, True, last_id)
                if last_id - (state.last.id if state.last else 0) <= self._at_once:
                    self._state = verify_more(connection, state, now=now)
                    return ChainView(self._state, False, last_id)
            self._state = state
            self._thread = threading.Thread(target=self._carry_on, args=(connect, now, self._generation),
                                            name="audit-chain-verify", daemon=True)  # fmt: skip
            self._thread.start()
            return ChainView(state, True, last_id)

    def _carry_on(self, connect: Connect, now: datetime, generation: int) -> None:
        """Verifies to the chain's end a batch at a time, publishing the state after each."""
        try:
            while True:
                with self._lock:
                    if generation != self._generation or self._state is None:
                        return
                    state = self._state
                with connect() as connection:  # a short read per batch: no transaction held open
                    later = verify_more(connection, state, now=now, most=BATCH)
                with self._lock:
                    if generation != self._generation:
                        return
                    self._state = later
                if later.entries == state.entries:
                    return
        except Exception:  # the database went away: the next look goes on from where this one got
            return

    def wait(self, timeout: float | None = None) -> None:
        """Until the background verification (if any) ends (for tests and commands)."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def restart(self) -> None:
        """Forgets the state: the next look verifies the chain again from its first entry."""
        with self._lock:
            self._state = None
            self._generation += 1
