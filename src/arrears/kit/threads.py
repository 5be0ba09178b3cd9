"""Overlapping work with threads: a generator run ahead, and calls run in order behind the caller."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Self, TypeVar

T = TypeVar("T")
_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(items: Iterable[T], *, depth: int = 2) -> Iterator[T]:
    """Yields ``items`` while a thread computes up to ``depth`` of the next ones.

    An exception in the producer is raised in the consumer; closing the consumer early stops the
    producer at its next item.
    """
    slots: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                if stop.is_set():
                    return
                slots.put(item)
            slots.put(_DONE)
        except BaseException as error:  # handed over to the consumer
            slots.put(_Failure(error))

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while (item := slots.get()) is not _DONE:
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.05)


class SerialWorker:
    """Runs submitted calls one at a time, in submission order, in a background thread.

    The caller prepares the next piece of work while the previous one runs: for example, one database
    connection kept busy with writes while the next batch is checked. Only the worker may touch what
    the calls use until the worker is closed. ``submit`` returns at once (it waits while ``depth``
    calls are pending); ``call`` waits for its call's result. After a call fails, the calls still
    pending are skipped and the failure is raised by the next ``submit``, ``call`` or ``close``.
    """

    def __init__(self, *, depth: int = 2, name: str = "serial-worker") -> None:
        self._pending: queue.Queue[Callable[[], object] | None] = queue.Queue(maxsize=depth)
        self._failure: BaseException | None = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (work := self._pending.get()) is not None:
            if self._failure is not None or self._cancelled.is_set():
                continue
            try:
                work()
            except BaseException as error:  # handed over to the caller
                self._failure = error

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure

    def submit(self, work: Callable[[], object]) -> None:
        self._raise_failure()
        if not self._thread.is_alive():
            raise RuntimeError("the worker is closed")
        self._pending.put(work)

    def call(self, work: Callable[[], T]) -> T:
        """Runs ``work`` after everything submitted before it and returns its result."""
        results: list[T] = []
        finished = threading.Event()

        def run() -> None:
            try:
                results.append(work())
            finally:
                finished.set()

        self.submit(run)
        while not finished.wait(timeout=0.1):
            if not self._thread.is_alive() or (self._failure is not None and not results):
                break
        self._raise_failure()
        return results[0]

    def close(self, *, cancel: bool = False) -> None:
        """Waits for the pending calls (or, with ``cancel``, skips them) and raises the first failure."""
        if cancel:
            self._cancelled.set()
        if self._thread.is_alive():
            self._pending.put(None)
            self._thread.join()
        self._raise_failure()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if error is None:
            self.close()
            return
        with contextlib.suppress(BaseException):  # the error being raised says more than the worker's
            self.close(cancel=True)
