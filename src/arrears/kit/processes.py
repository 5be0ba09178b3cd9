"""A generator run ahead in a child process, so that its CPU work uses the other core.

Threads share one interpreter lock: encrypting and checking in a thread slows down the thread that
feeds the database. A child process does not. Items travel pickled through a bounded queue.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
_DONE = "__done__"


class ChildFailed(RuntimeError):
    """The producing process raised; the message carries its traceback."""


def _produce(factory: Callable[..., Iterator[Any]], args: tuple[Any, ...], slots: Any) -> None:
    try:
        for item in factory(*args):
            slots.put(("item", item))
        slots.put((_DONE, None))
    except BaseException as error:  # handed to the parent, which raises it
        slots.put(("error", (error, traceback.format_exc())))


def prefetch_in_process(factory: Callable[..., Iterator[T]], *args: Any, depth: int = 2) -> Iterator[T]:
    """Yields what ``factory(*args)`` yields, computed in a child process up to ``depth`` items ahead.

    ``factory`` and ``args`` must be picklable (a module-level function and plain data).
    """
    context = multiprocessing.get_context("spawn")
    slots = context.Queue(maxsize=depth)
    child = context.Process(
        target=_produce, args=(factory, args, slots), name="arrears-prefetch", daemon=True
    )
    child.start()
    try:
        while True:
            try:
                kind, payload = slots.get(timeout=1.0)
            except queue.Empty:
                if not child.is_alive():
                    message = f"the reading process ended unexpectedly (exit code {child.exitcode})"
                    raise ChildFailed(message) from None
                continue
            if kind == _DONE:
                return
            if kind == "error":
                error, trace = payload
                if isinstance(error, Exception):
                    raise error
                raise ChildFailed(trace)
            yield payload
    finally:
        if child.is_alive():
            child.terminate()
        child.join(timeout=5)
        slots.close()
