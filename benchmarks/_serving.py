"""The benchmarks' server processes: a free port, and a command (``arrears serve``, with or without
``--workers N``, or uvicorn) run in its own session, up when /healthz answers (and, with workers, when
each has said it started), stopped on the way out (also on an error or Ctrl-C): SIGINT for uvicorn's
graceful shutdown (the parent stops its workers), SIGKILL to its session after 20 s.

Used by ``web_bench.py``, ``_payment_bench.py`` and ``portal_load_bench.py``; not a benchmark on its own.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

STARTED = "Application startup complete."  # uvicorn, once per worker process


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(
    command: list[str],
    *,
    env: dict[str, str],
    port: int,
    log: Path,
    settle: float = 0.0,
    workers: int = 1,
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` running, its output in ``log``; yields once /healthz on ``port`` answers 200, with
    ``workers`` > 1 once the log shows that many workers' "Application startup complete." (uvicorn's,
    at log level info), and ``settle`` more seconds passed."""
    with log.open("wb") as output:
        process = subprocess.Popen(
            command, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + 90
        while True:
            with contextlib.suppress(OSError):
                if urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ).status == 200 and log.read_text(errors="replace").count(STARTED) >= (
                    workers if workers > 1 else 0
                ):
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        time.sleep(settle)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # uvicorn's graceful shutdown (workers too)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)  # its own session: only what we started
                process.wait(timeout=10)


@contextlib.contextmanager
def arrears_serve(
    env: dict[str, str], port: int, log: Path, workers: int
) -> Iterator[subprocess.Popen[bytes]]:
    """`arrears serve --workers N` as its own process (the command an installation runs, access log and
    all); up when /healthz answers and every worker has started; stopped on the way out."""
    command = [
        sys.executable, "-m", "arrears", "serve", "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers),
    ]  # fmt: skip
    with serving(command, env=env, port=port, log=log, workers=workers) as process:
        yield process
