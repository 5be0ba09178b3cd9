from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import partial

import pytest

from arrears.kit.threads import SerialWorker, prefetch


class TestPrefetch:
    def test_yields_every_item_in_order(self) -> None:
        assert list(prefetch(iter(range(50)), depth=3)) == list(range(50))

    def test_a_failure_in_the_producer_reaches_the_consumer(self) -> None:
        def items() -> Iterator[int]:
            yield 1
            raise ValueError("bad row")

        with pytest.raises(ValueError, match="bad row"):
            list(prefetch(items()))


class TestSerialWorker:
    def test_runs_calls_in_order_on_one_thread(self) -> None:
        seen: list[tuple[int, str]] = []

        def note(number: int) -> None:
            seen.append((number, threading.current_thread().name))

        with SerialWorker() as worker:
            for number in range(20):
                worker.submit(partial(note, number))
        assert [number for number, _ in seen] == list(range(20))
        assert {name for _, name in seen} == {"serial-worker"}

    def test_call_waits_for_what_was_submitted_before(self) -> None:
        seen: list[int] = []

        def slow() -> None:
            time.sleep(0.05)
            seen.append(1)

        with SerialWorker() as worker:
            worker.submit(slow)
            assert worker.call(lambda: list(seen)) == [1]

    def test_a_failure_skips_the_rest_and_is_raised(self) -> None:
        seen: list[int] = []

        def fail() -> None:
            raise RuntimeError("duplicate key")

        worker = SerialWorker(depth=10)
        worker.submit(fail)
        worker.submit(lambda: seen.append(2))
        with pytest.raises(RuntimeError, match="duplicate key"):
            worker.close()
        assert seen == []

    def test_call_after_a_failure_raises_it(self) -> None:
        def fail() -> None:
            raise RuntimeError("lost connection")

        with pytest.raises(RuntimeError, match="lost connection"), SerialWorker() as worker:
            worker.submit(fail)
            worker.call(lambda: 1)

    def test_an_error_in_the_caller_cancels_pending_calls(self) -> None:
        seen: list[int] = []
        gate = threading.Event()
        threading.Timer(0.3, gate.set).start()  # the first call is still running when the caller fails
        with pytest.raises(KeyError), SerialWorker(depth=10) as worker:
            worker.submit(gate.wait)
            for number in range(5):
                worker.submit(partial(seen.append, number))
            raise KeyError("caller failed")
        assert seen == []

    def test_submit_after_close_is_refused(self) -> None:
        worker = SerialWorker()
        worker.close()
        with pytest.raises(RuntimeError, match="closed"):
            worker.submit(lambda: None)
