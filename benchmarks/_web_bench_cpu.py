"""The web benchmark's CPU meter: the server, PostgreSQL, the client and everything else."""

from __future__ import annotations

import asyncio
import contextlib
import os
import resource
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


# --- CPU ---------------------------------------------------------------------------------------------


def _stat(pid: str) -> tuple[str, int, float] | None:
    """(command name, parent pid, user + system CPU seconds) of a process; None when it is gone."""
    try:
        line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    rest = line[line.rindex(")") + 2 :].split()
    return (
        line[line.index("(") + 1 : line.rindex(")")],
        int(rest[1]),
        (int(rest[11]) + int(rest[12])) / CLOCK_TICKS,
    )


def _serves(pid: str, database: str) -> bool:
    """Whether a postgres process is a backend of ``database`` ("postgres: 15/main: user db host ...")."""
    try:
        return f" {database} " in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return False


def _machine() -> tuple[float, float]:
    """(busy, all) CPU seconds of the machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(values) - values[3] - values[4]) / CLOCK_TICKS, sum(values) / CLOCK_TICKS


def _client() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class CpuMeter:
    """CPU seconds used while a phase runs by the server (the process and its children), the
    PostgreSQL backends of the bench database, this client and the machine. Sampled every half
    second: a backend that ends during the phase keeps what it used up to its last sample."""

    def __init__(self, server_pid: int, database: str) -> None:
        self.server_pid, self.database = server_pid, database
        self.first: dict[str, float] = {}
        self.last: dict[str, tuple[str, float]] = {}
        self.started = False

    def sample(self) -> None:
        stats = {pid: _stat(pid) for pid in os.listdir("/proc") if pid.isdigit()}
        parents = {int(pid): found[1] for pid, found in stats.items() if found}
        for pid, found in stats.items():
            if found is None:
                continue
            ancestor: int | None = int(pid)
            while ancestor and ancestor != self.server_pid:
                ancestor = parents.get(ancestor)
            if ancestor:
                group = "server"
            elif found[0] == "postgres" and _serves(pid, self.database):
                group = "postgres"
            else:
                continue
            key = f"{pid} {found[0]}"
            self.first.setdefault(key, found[2] if not self.started else 0.0)
            self.last[key] = (group, found[2])
        self.started = True

    def used(self) -> dict[str, float]:
        totals = {"server": 0.0, "postgres": 0.0}
        for key, (group, value) in self.last.items():
            totals[group] += value - self.first[key]
        return totals


@dataclass(frozen=True)
class Watched:
    """The server process and the bench database, whose use is measured."""

    pid: int
    engine: Engine

    @property
    def database(self) -> str:
        return self.engine.url.database or ""

    def sessions(self) -> float:
        """PostgreSQL sessions opened on the bench database so far (PostgreSQL 14 and later)."""
        query = text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        with self.engine.connect() as connection:
            connection.execute(text("SELECT pg_stat_clear_snapshot()"))
            return float(connection.execute(query).scalar_one())


@contextlib.asynccontextmanager
async def metered(watched: Watched) -> AsyncIterator[dict[str, float]]:
    """Yields a dict filled on the way out: CPU seconds of the server, postgres, client, the
    machine (busy, all), and the PostgreSQL sessions opened."""
    meter, stop, figures = CpuMeter(watched.pid, watched.database), asyncio.Event(), dict[str, float]()

    async def sampling() -> None:
        while not stop.is_set():
            meter.sample()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=0.5)

    before = (_client(), *_machine(), watched.sessions())
    task = asyncio.create_task(sampling())
    try:
        yield figures
    finally:
        stop.set()
        await task
        meter.sample()
        after = (_client(), *_machine(), watched.sessions())
        names = ("client", "busy", "all", "sessions")
        figures |= meter.used() | {name: b - a for name, a, b in zip(names, before, after, strict=True)}


# --- a phase -----------------------------------------------------------------------------------------
