"""The payment benchmarks' shared parts: the PostgreSQL book (the web benchmark's: a synthetic book
with a completed daily run and its call queue), payment orders, the server (`arrears serve --workers
N`, its own processes) and a small keep-alive HTTP/1.1 client that costs the shared CPU little.

Used by ``payment_notify_bench.py`` and ``payment_latency_bench.py``; not a benchmark on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

from sqlalchemy import Engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _serving import arrears_serve, free_port
from _web_bench_data import book_of, build_book, child_env, create_database

from arrears.db import make_engine
from arrears.payments.gateway import new_trade_no, signed_notification

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/arrears_pay_bench"
SECRET = "payment bench gateway secret 2026"  # >= 16 bytes
NOTIFY = "/api/v1/payments/notify/simulated"


def database_url(given: str | None) -> str:
    return given or os.environ.get("ARREARS_BENCH_DATABASE_URL") or DEFAULT_URL


def prepare(url: str, *, accounts: int, reuse: bool, work: Path) -> None:
    """The book: kept with --reuse when it holds ``accounts`` accounts and a run's queue, else built
    (`arrears synth extract`, `import extract`, model, `run-day`; only a database named *bench* is
    dropped first)."""
    engine = make_engine(url)
    try:
        if reuse:
            create_database(url, drop=False)
            book = book_of(engine)
            if book is not None and book.accounts == accounts and book.calls > 0:
                print(
                    f"reusing {url}: {book.accounts:,} accounts, "
                    f"{book.calls:,} calls of the run of {book.run_date}"
                )
                return
        engine.dispose()
        create_database(url, drop=True)
        print(f"preparing {url} with {accounts:,} accounts (synth, import, model, run-day):", flush=True)
        started = time.perf_counter()
        build_book(url, accounts=accounts, seed=7, work=work)
        book = book_of(engine)
        assert book is not None and book.run_date is not None
        print(
            f"  prepared in {time.perf_counter() - started:.1f} s: {book.calls:,} calls in the queue",
            flush=True,
        )
    finally:
        engine.dispose()


@dataclass(frozen=True, slots=True)
class Order:
    out_trade_no: str
    account_id: int
    amount_fen: int


def make_orders(engine: Engine, count: int, *, with_calls: bool = False) -> list[Order]:
    """``count`` payment orders (status created) on random accounts (``with_calls``: accounts with a
    planned call in the latest run's queue, each once), each for the most the account can be overdue
    (its arrears and every minimum of its statements), so that the payment brings it current."""
    run = uuid.uuid4().hex[:8]
    where = (
        "WHERE a.id IN (SELECT account_id FROM collection_action"
        " WHERE channel = 'call' AND status = 'planned'"
        " AND run_date = (SELECT max(run_date) FROM daily_run WHERE status = 'completed'))"
        if with_calls
        else ""
    )
    pick = f"""
        SELECT a.id, a.customer_id,
               a.arrears_fen + coalesce(
                   (SELECT sum(minimum_due_fen) FROM statement s WHERE s.account_id = a.id), 0)
        FROM card_account a {where} ORDER BY random() LIMIT :n"""
    with engine.begin() as connection:
        rows = connection.execute(text(pick), {"n": count}).all()
        if not with_calls:
            while len(rows) < count and rows:
                rows = rows + rows[: count - len(rows)]
        now = datetime.now(UTC)
        orders = [Order(f"BENCH{run}{n:07d}", int(r[0]), max(int(r[2]), 100_00)) for n, r in enumerate(rows)]
        connection.execute(
            text(
                "INSERT INTO payment_order (out_trade_no, gateway, account_id, customer_id, amount_fen,"
                " purpose,"
                " status, created_via, created_at, expires_at) VALUES (:o, 'simulated', :a, :c, :f, 'custom',"
                " 'created', 'cli', :t, :t + interval '1 day')"
            ),
            [
                {"o": o.out_trade_no, "a": o.account_id, "c": int(r[1]), "f": o.amount_fen, "t": now}
                for o, r in zip(orders, rows, strict=True)
            ],
        )
    return orders


def notification(order: Order, *, bad_signature: bool = False) -> bytes:
    """The signed form body the gateway posts for ``order`` paid now (a new trade number)."""
    at = datetime.now(UTC)
    fields = signed_notification(
        out_trade_no=order.out_trade_no,
        trade_no=new_trade_no(at),
        amount=order.amount_fen,
        trade_status="TRADE_SUCCESS",
        at=at,
        secret=SECRET.encode(),
    )
    if bad_signature:
        fields["sign"] = ("0" if fields["sign"][0] != "0" else "1") + fields["sign"][1:]
    return urlencode(fields).encode()


@contextlib.contextmanager
def server(url: str, work: Path, *, workers: int) -> Iterator[int]:
    """`arrears serve --workers N` (the command an installation runs, access log and all) on a free
    port and the same database; stopped on the way out. Yields the port."""
    port = free_port()
    env = child_env(url, work / "data") | {"ARREARS_GATEWAY_SECRET": SECRET}
    with arrears_serve(env, port, work / "server.log", workers):
        yield port


class HttpConnection:
    """One keep-alive HTTP/1.1 connection posting forms; reconnects when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded"
            f"\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
            elif name.strip().lower() == "connection" and value.strip().lower() == "close":
                close = True
        answer = await self.reader.readexactly(length) if length else b""
        if close or not status_line:
            await self.close()
        return (int(status_line.split()[1]) if status_line else 0), answer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] if ordered else float("nan")
