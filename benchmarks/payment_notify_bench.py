"""Payment notifications benchmark: the gateway's notifications posted through the real app over HTTP
on PostgreSQL, with 10% duplicates and 1% bad signatures mixed in.

    .venv/bin/python benchmarks/payment_notify_bench.py          # builds the book, 20,000 notifications
    .venv/bin/python benchmarks/payment_notify_bench.py --reuse --notifications 50000 --concurrency 64
    .venv/bin/python benchmarks/payment_notify_bench.py --database postgresql+psycopg://.../arrears_pay_bench

1. The book (--database, else ARREARS_BENCH_DATABASE_URL, else the local database arrears_pay_bench,
   created): --accounts synthetic accounts with a completed daily run and its call queue, built with
   the project's commands (as the web benchmark builds its book). --reuse keeps a book already there.
2. Payment orders on random accounts, each for the most the account can be overdue (so most
   payments bring the account current and withdraw its call: the full work of a posting).
3. The server: `arrears serve --workers N` (--workers, default 2), access log and all, a
   separate process group on this machine, on the same database.
4. The client (this process, asyncio, one keep-alive HTTP/1.1 connection per concurrent sender)
   sends --notifications form posts to POST /api/v1/payments/notify/simulated: 89% first notifications
   of distinct orders, 10% repeats of one of them (the same body, sent at a random later point, often
   while the first is still being posted) and 1% with a bad signature (orders that get no good one).
5. Prints notifications posted per second (first notifications answered `success` / wall time of the
   whole stream), all requests per second, latencies, CPU, and checks the outcome in the database:
   each good order paid by exactly one payment, every repeat answered `success` posting nothing, every
   bad signature answered 400 `fail` with nothing posted. Target: >= 500 posted per second.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _payment_bench import (
    NOTIFY,
    HttpConnection,
    database_url,
    make_orders,
    notification,
    percentile,
    prepare,
    server,
)
from sqlalchemy import text

from arrears.db import make_engine


@dataclass(slots=True)
class Message:
    kind: str  # good, repeat, bad
    out_trade_no: str
    body: bytes
    key: float
    status: int = 0
    answer: bytes = b""
    seconds: float = 0.0


def stream(goods: list[tuple[str, bytes]], bads: list[tuple[str, bytes]], repeats: int) -> list[Message]:
    """Firsts and bads in a random order; each repeat somewhere after its first."""
    rng = random.Random(7)
    firsts = [Message("good", o, b, 0.0) for o, b in goods] + [Message("bad", o, b, 0.0) for o, b in bads]
    rng.shuffle(firsts)
    for position, message in enumerate(firsts):
        message.key = float(position)
    originals = rng.sample([m for m in firsts if m.kind == "good"], repeats)
    again = [Message("repeat", m.out_trade_no, m.body, rng.uniform(m.key, len(firsts))) for m in originals]
    return sorted(firsts + again, key=lambda m: m.key)


async def send_all(port: int, messages: list[Message], concurrency: int) -> float:
    position = 0

    async def sender() -> None:
        nonlocal position
        connection = HttpConnection(port)
        try:
            while position < len(messages):
                message = messages[position]
                position += 1
                started = time.perf_counter()
                message.status, message.answer = await connection.post(NOTIFY, message.body)
                message.seconds = time.perf_counter() - started
        finally:
            await connection.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return time.perf_counter() - started


def machine_cpu() -> tuple[float, float]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return float(sum(values) - values[3] - values[4]), float(sum(values))


def check(url: str, messages: list[Message]) -> list[str]:
    """What went wrong, from the answers and the database (empty: each good payment posted once, no
    bad one, every repeat answered success)."""
    problems = []
    expected = {"good": (200, b"success"), "repeat": (200, b"success"), "bad": (400, b"fail")}
    for kind, answer in expected.items():
        wrong = [m for m in messages if m.kind == kind and (m.status, m.answer) != answer]
        if wrong:
            problems.append(
                f"{len(wrong)} {kind} notifications answered otherwise, "
                f"e.g. {wrong[0].status} {wrong[0].answer[:60]!r}"
            )
    goods = [m.out_trade_no for m in messages if m.kind == "good"]
    bads = [m.out_trade_no for m in messages if m.kind == "bad"]
    engine = make_engine(url)
    with engine.connect() as connection:
        paid = connection.execute(
            text(
                "SELECT count(*), count(DISTINCT o.payment_id), count(p.id) FROM payment_order o"
                " LEFT JOIN payment p ON p.id = o.payment_id AND p.payment_ref = o.trade_no"
                " AND p.source = 'gateway'"
                " WHERE o.out_trade_no = ANY(:g) AND o.status = 'paid'"
            ),
            {"g": goods},
        ).one()
        posted_for_good = connection.execute(
            text(
                "SELECT count(*) FROM payment p JOIN payment_order o ON o.account_id = p.account_id"
                " AND p.payment_ref = o.trade_no WHERE o.out_trade_no = ANY(:g)"
            ),
            {"g": goods},
        ).scalar_one()
        bad_posted = connection.execute(
            text(
                "SELECT count(*) FROM payment_order WHERE out_trade_no = ANY(:b) AND (status <> 'created'"
                " OR payment_id IS NOT NULL)"
            ),
            {"b": bads},
        ).scalar_one()
        outcomes = dict(
            connection.execute(
                text(
                    "SELECT outcome, count(*) FROM gateway_notification WHERE out_trade_no = ANY(:all)"
                    " GROUP BY outcome"
                ),
                {"all": goods + bads},
            ).all()
        )
    engine.dispose()
    if tuple(paid) != (len(goods), len(goods), len(goods)) or posted_for_good != len(goods):
        problems.append(
            f"good orders paid / distinct payments / gateway payments: {tuple(paid)}, payments of their"
            f" trades {posted_for_good}; expected {len(goods)} each"
        )
    if bad_posted:
        problems.append(f"{bad_posted} orders of bad notifications changed")
    want = {
        "posted": len(goods),
        "repeat": sum(m.kind == "repeat" for m in messages),
        "bad_signature": len(bads),
    }
    if outcomes != want:
        problems.append(f"notification outcomes {outcomes}, expected {want}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database", help="PostgreSQL URL (default ARREARS_BENCH_DATABASE_URL or arrears_pay_bench)"
    )
    parser.add_argument("--accounts", type=int, default=20_000)
    parser.add_argument("--notifications", type=int, default=20_000)
    parser.add_argument("--concurrency", type=int, default=64, help="notifications in flight at once")
    parser.add_argument("--workers", type=int, default=2, help="arrears serve --workers N")
    parser.add_argument("--reuse", action="store_true", help="keep the book already in the database")
    args = parser.parse_args()
    url = database_url(args.database)
    repeats, bads = args.notifications // 10, args.notifications // 100
    goods = args.notifications - repeats - bads
    with tempfile.TemporaryDirectory(prefix="pay-bench-") as folder:
        work = Path(folder)
        prepare(url, accounts=args.accounts, reuse=args.reuse, work=work)
        engine = make_engine(url)
        good_orders, bad_orders = make_orders(engine, goods), make_orders(engine, bads)
        engine.dispose()
        messages = stream(
            [(o.out_trade_no, notification(o)) for o in good_orders],
            [(o.out_trade_no, notification(o, bad_signature=True)) for o in bad_orders],
            repeats,
        )
        print(
            f"{len(messages):,} notifications: {goods:,} first, {repeats:,} repeats, "
            f"{bads:,} bad signatures; "
            f"{args.concurrency} in flight, `arrears serve --workers {args.workers}`",
            flush=True,
        )
        with server(url, work, workers=args.workers) as port:
            busy0, all0 = machine_cpu()
            client0 = sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
            seconds = asyncio.run(send_all(port, messages, args.concurrency))
            busy1, all1 = machine_cpu()
            client = sum(resource.getrusage(resource.RUSAGE_SELF)[:2]) - client0
        latencies = [m.seconds * 1000 for m in messages]
        posted_per_second = goods / seconds
        print(
            f"wall time {seconds:.2f} s: {posted_per_second:,.0f} posted/s, "
            f"{len(messages) / seconds:,.0f} requests/s"
        )
        print(
            f"latency ms: p50 {percentile(latencies, 0.5):.1f}, p95 {percentile(latencies, 0.95):.1f}, "
            f"p99 {percentile(latencies, 0.99):.1f}, max {max(latencies):.1f}"
        )
        print(
            f"CPU: machine {100 * (busy1 - busy0) / (all1 - all0):.0f}% busy, "
            f"of which this client {client:.1f} s "
            f"of {seconds:.1f} s"
        )
        problems = check(url, messages)
        for problem in problems:
            print(f"CHECK FAILED: {problem}")
        if not problems:
            print(
                f"check: each of the {goods:,} good payments posted once; "
                f"{repeats:,} repeats answered success "
                f"posting nothing; {bads:,} bad signatures answered fail, nothing posted"
            )
        print(f"target >= 500 posted/s: {'PASS' if posted_per_second >= 500 and not problems else 'FAIL'}")


if __name__ == "__main__":
    main()
