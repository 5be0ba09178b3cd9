"""From a payment notification to the account's queue item withdrawn, on PostgreSQL through the real
app over HTTP.

    .venv/bin/python benchmarks/payment_latency_bench.py --reuse                  # the notify bench's book
    .venv/bin/python benchmarks/payment_latency_bench.py --probes 200 --background 40

1. The book as `payment_notify_bench.py` builds it (--database, --accounts, --reuse).
2. --probes accounts with a planned call in the latest run's queue each get an order for the most
   they can be overdue (the payment brings them current, so the call is withdrawn).
3. The server: `arrears serve --workers N` (--workers, default 2), access log and all.
4. Each probe, one after another (--gap seconds apart): a watcher thread polls the account's call in
   `collection_action` on its own connection every millisecond; the probe's notification is posted
   (POST /api/v1/payments/notify/simulated, signed); the latency is from just before sending to the
   first poll that sees the call `withdrawn` (what another collector's screen or queue would see: the
   posting's committed state), and the HTTP answer's time besides. Twice: with the server otherwise
   idle, and with --background notifications per second of other orders posted at the same time.
5. Prints p50, p95 and max of both phases. Target: <= 1 s from notification to withdrawn.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import tempfile
import threading
import time
from pathlib import Path

from _payment_bench import (
    NOTIFY,
    HttpConnection,
    Order,
    database_url,
    make_orders,
    notification,
    percentile,
    prepare,
    server,
)
from sqlalchemy import text

from arrears.db import make_engine


def watch(
    url: str, account_id: int, seen: list[float], stop: threading.Event, ready: threading.Event
) -> None:
    engine = make_engine(url, pool_size=1)
    query = text(
        "SELECT count(*) FROM collection_action WHERE account_id = :a AND channel = 'call'"
        " AND status = 'withdrawn'"
        " AND run_date = (SELECT max(run_date) FROM daily_run WHERE status = 'completed')"
    )
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
        ready.set()
        while not stop.is_set():
            if connection.execute(query, {"a": account_id}).scalar_one():
                seen.append(time.perf_counter())
                break
            connection.commit()  # a fresh snapshot for the next poll
            time.sleep(0.001)
    engine.dispose()


def probe(url: str, port: int, order: Order, connection: http.client.HTTPConnection) -> tuple[float, float]:
    """(seconds to withdrawn, seconds to the HTTP answer) of one probe."""
    seen: list[float] = []
    stop, ready = threading.Event(), threading.Event()
    watcher = threading.Thread(target=watch, args=(url, order.account_id, seen, stop, ready))
    watcher.start()
    ready.wait()
    body = notification(order)
    started = time.perf_counter()
    connection.request(
        "POST", NOTIFY, body=body, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    answer = connection.getresponse()
    assert answer.read() == b"success", answer.status
    answered = time.perf_counter() - started
    watcher.join(timeout=10)
    stop.set()
    watcher.join()
    if not seen:
        raise SystemExit(f"the call of account {order.account_id} was not withdrawn within 10 s")
    return seen[0] - started, answered


def background(port: int, orders: list[Order], rate: float, stop: threading.Event) -> None:
    async def run() -> None:
        connections = [HttpConnection(port) for _ in range(16)]
        free = asyncio.Queue[HttpConnection]()
        for one in connections:
            free.put_nowait(one)

        async def send(order: Order) -> None:
            connection = await free.get()
            try:
                await connection.post(NOTIFY, notification(order))
            finally:
                free.put_nowait(connection)

        tasks = []
        started = time.perf_counter()
        for n, order in enumerate(orders):
            if stop.is_set():
                break
            await asyncio.sleep(max(0.0, started + n / rate - time.perf_counter()))
            tasks.append(asyncio.create_task(send(order)))
        await asyncio.gather(*tasks)
        for one in connections:
            await one.close()

    asyncio.run(run())


def phase(label: str, url: str, port: int, orders: list[Order], gap: float) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    withdrawn, answered = [], []
    for order in orders:
        to_withdrawn, to_answer = probe(url, port, order, connection)
        withdrawn.append(to_withdrawn * 1000)
        answered.append(to_answer * 1000)
        time.sleep(gap)
    connection.close()
    for name, values in (("notification -> withdrawn", withdrawn), ("notification -> HTTP answer", answered)):
        print(
            f"  {label}, {name} ms: p50 {percentile(values, 0.5):.1f}, p95 {percentile(values, 0.95):.1f}, "
            f"max {max(values):.1f} ({len(values)} probes)"
        )
    print(f"  {label}: target <= 1000 ms (max): {'PASS' if max(withdrawn) <= 1000 else 'FAIL'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", help="PostgreSQL URL (default ARREARS_BENCH_DATABASE_URL or arrears_pay_bench)"
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--probes", type=int, default=100, help="probes per phase")
    parser.add_argument("--gap", type=float, default=0.1, help="seconds between probes")
    parser.add_argument(
        "--background", type=float, default=40.0, help="other notifications per second (phase 2)"
    )
    parser.add_argument("--workers", type=int, default=2, help="arrears serve --workers N")
    parser.add_argument("--reuse", action="store_true", help="keep the book already in the database")
    args = parser.parse_args()
    url = database_url(args.database)
    with tempfile.TemporaryDirectory(prefix="pay-latency-") as folder:
        work = Path(folder)
        prepare(url, accounts=args.accounts, reuse=args.reuse, work=work)
        engine = make_engine(url)
        probes = make_orders(engine, 2 * args.probes, with_calls=True)
        seconds = args.probes * (args.gap + 0.2) + 30
        others = make_orders(engine, int(args.background * seconds))
        engine.dispose()
        if len(probes) < 2 * args.probes:
            raise SystemExit(
                f"only {len(probes)} accounts with a planned call: use fewer --probes or rebuild"
            )
        print(f"{args.probes} probes per phase, `arrears serve --workers {args.workers}`", flush=True)
        with server(url, work, workers=args.workers) as port:
            phase("idle", url, port, probes[: args.probes], args.gap)
            stop = threading.Event()
            load = threading.Thread(target=background, args=(port, others, args.background, stop))
            load.start()
            time.sleep(2)
            phase(
                f"with {args.background:g} other notifications/s", url, port, probes[args.probes :], args.gap
            )
            stop.set()
            load.join()


if __name__ == "__main__":
    main()
