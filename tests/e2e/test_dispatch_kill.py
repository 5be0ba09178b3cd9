"""``arrears dispatch`` killed with SIGKILL at random moments of a drain: restarted, it sends every
message exactly once (the file transport's lines are counted per key)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dispatch_kill import command_env, drain_with_kills
from outbox_seed import queue_sms, seed_cardholders, statuses

from arrears import migrate
from arrears.db import make_engine
from arrears.kit.crypto import FieldCipher
from fixed_keys import TEST_KEY


@pytest.mark.slow
def test_a_dispatcher_killed_at_random_loses_and_repeats_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'arrears.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    people = seed_cardholders(engine, FieldCipher(TEST_KEY), count=200, consent_outside_hours=True)
    keys = queue_sms(engine, people, count=3_000, now=now - timedelta(minutes=1), deadline=timedelta(days=1))
    out = tmp_path / "out"
    env = command_env(data_dir=tmp_path, database_url=url, out=out,
                      key=base64.b64encode(TEST_KEY).decode(), claim_seconds=1)  # fmt: skip
    env["ARREARS_DISPATCH_BATCH_SIZE"] = "100"

    drained = drain_with_kills(engine, env, out, keys, kills=4, seed=14, latest=0.4)

    assert drained.kills == 4
    assert (drained.duplicates, drained.lost, drained.unsent) == (0, 0, 0)
    assert statuses(engine) == {"sent": 3_000}
    engine.dispose()
