"""A dispatcher killed with SIGKILL at random moments of a 100,000-message drain: duplicates and losses.

    .venv/bin/python benchmarks/dispatch_kill_bench.py [--count 100000] [--kills 20] [--seed 14]
        [--database URL]

N collection SMS are queued (a SQLite file in a temporary folder, or the PostgreSQL database of
``--database``, emptied first); ``arrears dispatch --channel sms`` is started with the file transport,
killed with SIGKILL a random moment (up to ``--latest`` seconds) after it wrote its next message, and
started again, ``--kills`` times; then ``arrears dispatch --once`` sends what is left (the killed
dispatchers' claims run out after 1 s: those messages are in doubt and sent again with the same key).
The file transport's lines are counted per key: duplicates (a key written twice) and lost (a queued key
never written) must both be 0, and every message marked sent.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "support"), str(ROOT / "tests")]

from dispatch_bench import fresh_engine  # noqa: E402
from dispatch_kill import command_env, drain_with_kills  # noqa: E402
from outbox_seed import queue_sms, seed_cardholders  # noqa: E402

from arrears.kit.crypto import FieldCipher  # noqa: E402
from fixed_keys import TEST_KEY  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--latest", type=float, default=0.5, help="seconds after progress a kill may wait")
    parser.add_argument(
        "--database", default=None, help="a PostgreSQL URL (emptied!); default a temporary SQLite"
    )
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dispatch-kill-") as work:
        folder = Path(work)
        engine = fresh_engine(options.database, folder)
        people = seed_cardholders(engine, FieldCipher(TEST_KEY), count=20_000, consent_outside_hours=True)
        now = datetime.now(UTC) - timedelta(minutes=1)
        keys = queue_sms(engine, people, count=options.count, now=now, deadline=timedelta(days=1))
        url = options.database or f"sqlite:///{folder / 'arrears.db'}"
        env = command_env(data_dir=folder, database_url=url, out=folder / "out",
                          key=base64.b64encode(TEST_KEY).decode(), claim_seconds=1)  # fmt: skip
        drained = drain_with_kills(engine, env, folder / "out", keys, kills=options.kills, seed=options.seed,
                                   latest=options.latest)  # fmt: skip
        print(
            f"{options.count:,} messages, dispatcher killed {drained.kills} times ({engine.dialect.name}): "
            f"duplicates {drained.duplicates}, lost {drained.lost}, not marked sent {drained.unsent}, "
            f"{drained.seconds:.0f} s in all",
            flush=True,
        )
        engine.dispose()
        if drained.duplicates or drained.lost or drained.unsent:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
