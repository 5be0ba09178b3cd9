"""SMPP benchmark: the SMS transport alone (segmenting and encoding, pipelined submit_sm over one
transceiver bind, receipts read back) against the local SMSC of tests/support run in its own process,
without the outbox or the rulebook (the dispatcher's end-to-end figure is dispatch_bench.py's).

    .venv/bin/python benchmarks/smpp_bench.py                                  # 1,000,000 messages
    .venv/bin/python benchmarks/smpp_bench.py --messages 200000 --window 100 --no-receipts

Each call to ``send`` gets ``--per-send`` messages (the dispatcher's claim size); the SMSC answers every
submit_sm and, unless ``--no-receipts``, sends a delivery receipt for it, which ``inbound`` reads back
between sends. Prints messages a second and receipts read; then re-sends the first 10,000 (a restarted
dispatcher) and checks that every one is answered with its first message id.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from _sms_batches import batch
from local_smsc import spawn

from arrears.config import Settings
from arrears.messaging.transports.smpp import SmppTransport


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--window", type=int, default=100, help="submit_sm outstanding at once")
    parser.add_argument("--per-send", type=int, default=500, help="messages per Transport.send call")
    parser.add_argument("--no-receipts", action="store_true", help="the SMSC sends no delivery receipts")
    args = parser.parse_args()
    process, url = spawn("--no-record", *(["--no-receipts"] if args.no_receipts else []))
    transport = SmppTransport.from_url(f"{url}?window={args.window}", settings=Settings())
    started, sent, receipts, first_ids = time.perf_counter(), 0, 0, {}
    for start in range(0, args.messages, args.per_send):
        results = transport.send(batch(start, min(args.per_send, args.messages - start)))
        sent += sum(result.outcome == "sent" for result in results)
        if start < 10_000:
            first_ids.update({result.key: result.provider_id for result in results})
        receipts += len(transport.inbound())
    seconds = time.perf_counter() - started
    deadline = time.monotonic() + 10
    while not args.no_receipts and receipts < sent and time.monotonic() < deadline:
        receipts += len(transport.inbound())
        time.sleep(0.01)
    again = transport.send(batch(0, min(10_000, args.messages)))
    same = all(result.provider_id == first_ids[result.key] for result in again)
    transport.close()
    process.send_signal(signal.SIGTERM)
    counts = json.loads(process.communicate(timeout=30)[0].strip().splitlines()[-1])
    print(f"{sent:,} of {args.messages:,} sent in {seconds:.1f} s: {sent / seconds:,.0f} messages/s")
    print(f"window {args.window}, {receipts:,} receipts read back, {transport.stats.binds} bind(s)")
    print(
        f"re-sent {len(again):,}: {counts.get('duplicates', 0):,} answered duplicate, first ids kept: {same}"
    )


if __name__ == "__main__":
    main()
