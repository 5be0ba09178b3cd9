"""Killing ``arrears dispatch`` with SIGKILL at random moments of a drain, and counting what the file
transport wrote: for the e2e test and ``benchmarks/dispatch_kill_bench.py``.

Each round starts the command, waits until it has written at least one more message (so the kill lands
in the middle of the drain, not during start-up), waits a random moment more and kills it. Then it runs
``arrears dispatch --once`` until every message is sent (a killed dispatcher's claim runs out after
``claim_seconds``: those messages are in doubt and sent again with the same key)."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from outbox_seed import statuses, written
from sqlalchemy import Engine

TIMEOUT = 600.0


@dataclass(frozen=True)
class Drained:
    kills: int
    duplicates: int  # lines beyond the first for a key
    lost: int  # keys queued and never written
    unsent: int  # messages not marked sent in the store
    seconds: float


def command_env(
    *, data_dir: Path, database_url: str, out: Path, key: str, claim_seconds: int
) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("ARREARS_")}
    env.update(
        ARREARS_DATA_DIR=str(data_dir), ARREARS_DATABASE_URL=database_url, ARREARS_ENCRYPTION_KEY=key,
        ARREARS_SMS_TRANSPORT=f"file:{out}", ARREARS_DISPATCH_CLAIM_SECONDS=str(claim_seconds),
        PYTHONIOENCODING="utf-8", NO_COLOR="1",
    )  # fmt: skip
    return env


def _size(out: Path) -> int:
    """Bytes the file transport wrote (cheap to poll: grows with every message)."""
    return sum(path.stat().st_size for path in out.glob("sms-*.jsonl")) if out.exists() else 0


def _start(env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "arrears", "dispatch", "--channel", "sms", *extra]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _kill_once(
    env: dict[str, str], out: Path, rng: random.Random, *, latest: float, finished: Callable[[], bool]
) -> bool:
    """One round: True when the dispatcher was killed mid-drain (False: it had nothing left)."""
    before, started, polls = _size(out), time.monotonic(), 0
    process = _start(env)
    try:
        while _size(out) <= before:
            polls += 1
            done = polls % 25 == 0 and finished()  # every half second: nothing left to send?
            if done or process.poll() is not None or time.monotonic() - started > TIMEOUT:
                return False
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, latest))
        process.send_signal(signal.SIGKILL)
        return True
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


def drain_with_kills(
    engine: Engine,
    env: dict[str, str],
    out: Path,
    keys: list[str],
    *,
    kills: int,
    seed: int,
    latest: float = 0.5,
) -> Drained:
    """Kills the dispatcher ``kills`` times, then drains what is left; counts duplicates and losses."""
    rng, started, done = random.Random(seed), time.monotonic(), 0
    claim = int(env["ARREARS_DISPATCH_CLAIM_SECONDS"])

    def finished() -> bool:
        return statuses(engine).get("sent", 0) >= len(keys)

    while done < kills and _kill_once(env, out, rng, latest=latest, finished=finished):
        done += 1
    deadline = time.monotonic() + TIMEOUT
    while statuses(engine).get("sent", 0) < len(keys) and time.monotonic() < deadline:
        time.sleep(claim + 0.1)  # the killed dispatcher's claims run out: in doubt, due again
        finished = subprocess.run([sys.executable, "-m", "arrears", "dispatch", "--channel", "sms", "--once"],
                                  env=env, capture_output=True, timeout=TIMEOUT, check=False)  # fmt: skip
        if finished.returncode != 0:
            raise RuntimeError(finished.stderr.decode("utf-8", "replace")[-2000:])
    lines = written(out)
    queued = Counter(keys)
    return Drained(
        kills=done, duplicates=sum(count - 1 for count in lines.values() if count > 1),
        lost=sum(1 for key in queued if key not in lines), unsent=len(keys) - statuses(engine).get("sent", 0),
        seconds=time.monotonic() - started,
    )  # fmt: skip
