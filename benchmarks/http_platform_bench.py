"""HTTP SMS platform benchmark: the transport alone (signing, JSON, keep-alive HTTP, the per-message
outcome mapping) against the local platform of tests/support, without the outbox or the rulebook
(the dispatcher's end-to-end figure is dispatch_bench.py's).

    .venv/bin/python benchmarks/http_platform_bench.py                       # 1,000,000 messages
    .venv/bin/python benchmarks/http_platform_bench.py --messages 200000 --batch 1000

Each call to ``send`` gets ``--per-send`` messages (the dispatcher's claim size) and posts them in
requests of ``--batch``; the platform verifies every signature and dedups by client_ref. Prints
messages a second and the requests made; then re-sends the first 10,000 (a restarted dispatcher)
and checks that every one comes back with its first provider id.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))

from _sms_batches import batch
from local_sms_platform import LocalHttpPlatform

from arrears.config import Settings
from arrears.messaging.transports.http_sms import HttpSmsTransport

KEY = "bench-secret-32-bytes-long-00"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=500, help="messages per HTTP request")
    parser.add_argument("--per-send", type=int, default=1000, help="messages per Transport.send call")
    args = parser.parse_args()
    settings = Settings(sms_hmac_key=SecretStr(KEY))
    with LocalHttpPlatform(key=KEY, record=False) as platform:
        transport = HttpSmsTransport.from_url(f"{platform.url}?batch={args.batch}", settings=settings)
        started, sent = time.perf_counter(), 0
        for start in range(0, args.messages, args.per_send):
            results = transport.send(batch(start, min(args.per_send, args.messages - start)))
            sent += sum(result.outcome == "sent" for result in results)
        seconds = time.perf_counter() - started
        again = transport.send(batch(0, min(10_000, args.messages)))
        transport.close()
        same = all(result.provider_id == platform.provider_id(result.key) for result in again)
    rate = sent / seconds
    print(f"{sent:,} of {args.messages:,} sent in {seconds:.1f} s: {rate:,.0f} messages/s")
    print(
        f"{platform.requests:,} requests of up to {args.batch}, {platform.connections_opened} connection(s)"
    )
    print(
        f"re-sent {len(again):,}: {platform.duplicates:,} answered duplicate, first provider ids kept: {same}"
    )


if __name__ == "__main__":
    main()
