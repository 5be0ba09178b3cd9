"""Typesetting many letters on every core: worker processes each hold a Typst compiler; letters go to them
in chunks and come back in order, while the main process reads the next ones from the store and
appends the finished ones to the merged file. Few letters are typeset in-process (a worker's start
costs more than they do)."""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Final

from arrears.messaging.letters.typeset import Job, Typeset, Typesetter

CHUNK: Final = 10  # letters typeset as one document (see Typesetter.typeset), a task of a worker
IN_PROCESS_BELOW: Final = 200  # letters: fewer are typeset in the calling process
_worker: Typesetter | None = None


def _start(font_dir: str) -> None:
    global _worker
    _worker = Typesetter(Path(font_dir))


def _run(jobs: list[Job]) -> Typeset:
    assert _worker is not None
    return _worker.typeset(jobs)


def _chunks(jobs: Iterable[Job], size: int) -> Iterator[list[Job]]:
    iterator = iter(jobs)
    while chunk := list(islice(iterator, size)):
        yield chunk


def default_workers() -> int:
    return max(1, os.cpu_count() or 1)


def typeset_all(jobs: Iterable[Job], *, font_dir: Path, workers: int, expected: int) -> Iterator[Typeset]:
    """The jobs typeset chunk by chunk, in the jobs' order. ``expected`` (how many jobs there are)
    decides whether worker processes are worth starting; ``jobs`` is read lazily, a few chunks ahead
    of the results."""
    if workers <= 1 or expected < IN_PROCESS_BELOW:
        setter = Typesetter(font_dir)
        for chunk in _chunks(jobs, CHUNK):
            yield setter.typeset(chunk)
        return
    context = multiprocessing.get_context("spawn")  # no inherited database connections or threads
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start, initargs=(str(font_dir),)
    ) as pool:
        pending: deque[Future[Typeset]] = deque()
        for chunk in _chunks(jobs, CHUNK):
            pending.append(pool.submit(_run, chunk))
            if len(pending) >= 4 * workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
