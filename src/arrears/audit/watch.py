"""The chain's state as the compliance page shows it: verified as :func:`arrears.audit.chain.verify`
does, a batch at a time, and kept, so that each look verifies only the entries appended since.

The database refuses UPDATE and DELETE on ``audit_event``, so an entry verified once stays as it was
unless someone goes around the database's triggers; a verification from the first entry again
(:meth:`ChainWatch.restart`, the page's button) checks for that. Each server process keeps its own
state; the first look in a process verifies the whole chain (about 15 µs an entry).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import Connection

from arrears.audit.chain import DELETED, REORDERED, AuditEntry, Problem, verify
from arrears.audit.trail import TrailRepository

BATCH = 5_000
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
    connection: Connection, state: ChainState, *, now: datetime, batch: int = BATCH
) -> ChainState:
    """``state`` carried on to the end of the chain: the entries after ``state.last`` verified as
    :func:`verify` does, each batch together with the last entry verified before it."""
    repository = TrailRepository(connection)
    last, entries, problems, count = state.last, state.entries, list(state.problems), state.problem_count
    while True:
        found = repository.entries_after(last.id if last else 0, limit=batch)
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


class ChainWatch:
    """One process's state of the chain, carried on under a lock (two looks never verify twice)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state: ChainState | None = None

    def current(self, connect: Callable[[], Connection], *, now: datetime) -> ChainState:
        """The state carried on to the chain's end (from the first entry on the first look)."""
        with self._lock:
            state = self._state or ChainState(started_at=now, checked_at=now)
            with connect() as connection:
                self._state = verify_more(connection, state, now=now)
            return self._state

    def restart(self) -> None:
        """Forgets the state: the next look verifies the chain from its first entry."""
        with self._lock:
            self._state = None
